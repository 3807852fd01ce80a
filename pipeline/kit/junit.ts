import { stripVTControlCharacters } from 'node:util';
import { XMLParser } from 'fast-xml-parser';

/**
 * JUnit XML, the test-report format every engine publishes: CodeBuild report groups, the
 * GitHub workflow's attached reports and the local run page. Gates whose tools do not write it
 * render their verdicts through this one writer, so the escaping and the counts are right once.
 */

export interface JunitFailure {
  /** One line: what failed. */
  readonly message: string;
  /** The kind of check that failed, e.g. `threshold` or `finding`. */
  readonly type: string;
  /**
   * The evidence, e.g. one line per finding.
   * @default - none
   */
  readonly details?: string;
}

export interface JunitTestCase {
  readonly name: string;
  /**
   * @default - the suite's name
   */
  readonly classname?: string;
  /**
   * @default 0
   */
  readonly seconds?: number;
  /** Set when the case failed. */
  readonly failure?: JunitFailure;
  /** Why the case did not run; a case with a failure is failed, not skipped. */
  readonly skipped?: string;
}

export interface JunitSuite {
  readonly name: string;
  readonly cases: readonly JunitTestCase[];
  /**
   * @default - the sum of its cases' times
   */
  readonly seconds?: number;
  /**
   * When the suite started, as an ISO 8601 timestamp.
   * @default - none
   */
  readonly timestamp?: string;
}

export interface JunitReport {
  /** The gate the report comes from. */
  readonly name: string;
  readonly suites: readonly JunitSuite[];
}

/**
 * Characters XML 1.0 cannot hold even escaped (control characters, lone surrogates, U+FFFE and
 * U+FFFF): one in a tool's message would make the whole report unreadable to its consumer.
 */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text a tool printed, without its terminal colours, and with nothing XML cannot hold. */
function xmlSafe(text: string): string {
  return stripVTControlCharacters(text).replace(NOT_XML, '\uFFFD');
}

export function escapeText(text: string): string {
  return xmlSafe(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Line breaks and tabs as references: a parser turns literal ones in an attribute into spaces. */
export function escapeAttribute(text: string): string {
  return escapeText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

const seconds = (value: number): string => String(Number(value.toFixed(3)));

function attributes(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}="${typeof value === 'number' ? seconds(value) : escapeAttribute(value)}"`)
    .join('');
}

interface Counts {
  readonly tests: number;
  readonly failures: number;
  readonly skipped: number;
}

function countsOf(cases: readonly JunitTestCase[]): Counts {
  return {
    tests: cases.length,
    failures: cases.filter((c) => c.failure).length,
    skipped: cases.filter((c) => !c.failure && c.skipped !== undefined).length,
  };
}

function suiteSeconds(suite: JunitSuite): number {
  return suite.seconds ?? suite.cases.reduce((sum, c) => sum + (c.seconds ?? 0), 0);
}

function renderCase(suite: JunitSuite, testCase: JunitTestCase): string {
  const open = `    <testcase${attributes({
    classname: testCase.classname ?? suite.name,
    name: testCase.name,
    time: testCase.seconds ?? 0,
  })}`;
  const { failure } = testCase;
  if (failure) {
    const tag = `<failure${attributes({ message: failure.message, type: failure.type })}`;
    const body = failure.details ? `${tag}>${escapeText(failure.details)}</failure>` : `${tag}/>`;
    return `${open}>\n      ${body}\n    </testcase>`;
  }
  if (testCase.skipped !== undefined) {
    return `${open}>\n      <skipped${attributes({ message: testCase.skipped })}/>\n    </testcase>`;
  }
  return `${open}/>`;
}

/** The report as a JUnit XML document: one `<testsuite>` per suite, each with its own counts. */
export function renderJunit(report: JunitReport): string {
  const all = countsOf(report.suites.flatMap((s) => s.cases));
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({
      name: report.name,
      ...all,
      errors: 0,
      time: report.suites.reduce((sum, s) => sum + suiteSeconds(s), 0),
    })}>`,
  ];
  for (const suite of report.suites) {
    lines.push(
      `  <testsuite${attributes({
        name: suite.name,
        ...countsOf(suite.cases),
        errors: 0,
        time: suiteSeconds(suite),
        timestamp: suite.timestamp,
      })}>`,
      ...suite.cases.map((c) => renderCase(suite, c)),
      '  </testsuite>',
    );
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

/** A failed test case read back from a JUnit report: where it is and what it is called. */
export interface FailedTestCase {
  /** The file or class of the case (vitest and Playwright write the test file here). */
  readonly classname: string;
  readonly name: string;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // A suite or a case may hold one element or many: always read them as lists.
  isArray: (name) => ['testsuites', 'testsuite', 'testcase', 'failure', 'error'].includes(name),
});

interface ParsedCase {
  readonly name?: string;
  readonly classname?: string;
  readonly file?: string;
  readonly failure?: unknown[];
  readonly error?: unknown[];
}
interface ParsedSuite {
  readonly testcase?: ParsedCase[];
  readonly testsuite?: ParsedSuite[];
}

/** The failed (or errored) test cases of a JUnit XML document, in report order. */
export function failedTestCases(xml: string): FailedTestCase[] {
  const document = parser.parse(xml) as { testsuites?: ParsedSuite[]; testsuite?: ParsedSuite[] };
  const failed: FailedTestCase[] = [];
  const visit = (suite: ParsedSuite): void => {
    for (const testCase of suite.testcase ?? []) {
      if (testCase.failure?.length || testCase.error?.length) {
        failed.push({ classname: testCase.file ?? testCase.classname ?? '', name: testCase.name ?? '' });
      }
    }
    for (const inner of suite.testsuite ?? []) visit(inner);
  };
  for (const root of [...(document.testsuites ?? []), ...(document.testsuite ?? [])]) visit(root);
  return failed;
}
