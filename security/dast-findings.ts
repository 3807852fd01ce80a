import { XMLParser } from 'fast-xml-parser';

/**
 * What the DAST gate reads back from schemathesis's JUnit report: each unique failure, named
 * after the operation it hit, with the check that failed and the curl that reproduces it.
 */

export interface DastFinding {
  /** The operation, e.g. `POST /memories`. */
  readonly route: string;
  /** The check that failed, e.g. `ST108 Response violates schema`. */
  readonly check: string;
  /** The request that showed it, as a curl command. */
  readonly request?: string;
  /**
   * The schemathesis phase that found it when that phase reports under a name of its own
   * (`Stateful tests`): the route is then the one its request was sent to.
   */
  readonly foundBy?: string;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => ['testsuite', 'testcase', 'failure', 'error'].includes(name),
});

interface JunitCase {
  readonly name: string;
  readonly failure?: ReadonlyArray<{ readonly message?: string; readonly '#text'?: string } | string>;
  readonly error?: ReadonlyArray<{ readonly message?: string; readonly '#text'?: string } | string>;
}

/** A JUnit case schemathesis names after an operation, e.g. `GET /memories/{id}`. */
const OPERATION = /^(?:GET|PUT|POST|PATCH|DELETE|HEAD|OPTIONS|TRACE) \//;
/** Where each unique failure of a JUnit case starts: `1. Test Case ID: Jz5h8m`. */
const TEST_CASE = /^\d+\. Test Case ID: /m;

/** Where the API a finding's request went to, and the path templates its contract states. */
export interface DastContract {
  readonly apiUrl: string;
  readonly paths: readonly string[];
}

/**
 * The operation a reproducing curl was sent to, as its contract names it: `POST /memories`,
 * `GET /memories/{id}`. Undefined when the curl names no URL under the API.
 */
export function operationOf(curl: string, contract: DastContract): string | undefined {
  const url = /(https?:\/\/\S+?)'?$/.exec(curl)?.[1];
  if (!url) return undefined;
  const base = URL.parse(contract.apiUrl)?.pathname.replace(/\/$/, '') ?? '';
  const pathname = URL.parse(url)?.pathname;
  if (pathname === undefined) return undefined;
  if (!pathname.startsWith(base)) return undefined;
  const asServed = pathname.slice(base.length) || '/';
  const method = /-X ([A-Z]+)/.exec(curl)?.[1] ?? 'GET';
  const segments = asServed.split('/');
  const fits = (template: string): boolean => {
    const parts = template.split('/');
    return (
      parts.length === segments.length &&
      parts.every((part, i) => (/^\{[^}]+\}$/.test(part) ? segments[i] !== '' : part === segments[i]))
    );
  };
  // A literal path (`/memories/search`) before a template it also fits (`/memories/{id}`).
  const placeholders = (template: string): number => template.split('{').length;
  const template = contract.paths.filter(fits).sort((a, b) => placeholders(a) - placeholders(b))[0];
  return `${method} ${template ?? asServed}`;
}

/**
 * Every unique failure in schemathesis's JUnit report: its first failed check and the curl that
 * reproduces it, named after the operation it hit. A case named after an operation holds that
 * operation's failures; the stateful phase reports all of its own under one case ("Stateful
 * tests"), so each of those is named after the operation its reproducing request was sent to.
 */
export function dastFindings(junitXml: string, contract?: DastContract): DastFinding[] {
  const document = parser.parse(junitXml) as { testsuites?: { testsuite?: ReadonlyArray<{ testcase?: JunitCase[] }> } };
  const cases = (document.testsuites?.testsuite ?? []).flatMap((suite) => suite.testcase ?? []);
  const findings = cases.flatMap((testCase) =>
    [...(testCase.failure ?? []), ...(testCase.error ?? [])].flatMap((failure) => {
      const text = typeof failure === 'string' ? failure : (failure['#text'] ?? '');
      const summary = typeof failure === 'string' ? undefined : failure.message;
      const failures = text.split(TEST_CASE).filter((part) => part.trim() !== '');
      return (failures.length > 0 ? failures : ['']).map((part): DastFinding => {
        const check = /^- (ST\d+ .+)$/m.exec(part)?.[1] ?? summary ?? 'failed';
        const request = /Reproduce with:\s*\n\s*(curl .+)$/m.exec(part)?.[1];
        if (OPERATION.test(testCase.name)) return { route: testCase.name, check, ...(request ? { request } : {}) };
        const route = (request && contract && operationOf(request, contract)) || testCase.name;
        return { route, check, ...(request ? { request } : {}), foundBy: testCase.name };
      });
    }),
  );
  const seen = new Set<string>();
  return findings.filter((finding) => {
    const key = `${finding.route} ${finding.check} ${finding.foundBy ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
