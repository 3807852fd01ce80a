import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { failedTestCases } from '../../kit/junit';
import { runProjenTask } from '../../kit/task-process';
import { Gate } from '../../model';

export type GateStatus = 'passed' | 'failed' | 'unavailable';

export interface GateResult {
  readonly gate: string;
  readonly task: string;
  /** Where it ran: `pre-deploy`, or the environment it verified. */
  readonly scope: string;
  readonly status: GateStatus;
  readonly exitCode: number | null;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly log: string;
  /** The line a person reads first: for a failed test gate, the failing tests. */
  readonly summary: string;
}

export interface GateRunOptions {
  readonly scope: string;
  readonly logDir: string;
  readonly env: Record<string, string>;
  /** A gate that has not finished by then is stopped and failed. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** The reports root the gate writes into (its `B2_REPORTS_DIR`), where its JUnit report is read back. */
  readonly reportsDir?: string;
}

/** A line that states a failure, as test runners, linters and the gates themselves print it. */
const VERDICT = /✖|\bFAILED\b|\bFAIL\b|\bfailed\b/;

/** How many failing tests the summary line names; the rest are counted. */
const NAMED_FAILURES = 5;

/**
 * The line a person reads first: the gate's last line, or for a failed gate its last line that
 * states the failure (a tool often ends with a hint after it). Projen's own task banners
 * ("👾 …") are noise in a summary.
 */
export function summaryLine(output: string, failed: boolean): string {
  const lines = output
    .split('\n')
    .map((l) => stripVTControlCharacters(l).trim())
    // Rules drawn with characters (a coverage table's borders) say nothing.
    .filter((l) => l && !l.startsWith('👾') && !/^[=\-─_*|\s]+$/.test(l));
  const verdict = failed
    ? lines
        .slice(-15)
        .reverse()
        .find((l) => VERDICT.test(l))
    : undefined;
  return verdict ?? lines[lines.length - 1] ?? '';
}

/**
 * The failing tests of a gate that writes JUnit, named with their files: `2 failed: test/a.test.ts ›
 * signs in; test/b.test.ts › lists memories`. Undefined when the gate wrote no JUnit report or
 * none of its cases failed (it failed for another reason, which its last line tells).
 */
export function failingTestsLine(gate: Gate, reportsDir: string | undefined): string | undefined {
  if (!reportsDir) return undefined;
  const failed = gate.reports
    .filter((report) => report.format === 'junit')
    .map((report) => path.join(reportsDir, report.path))
    .filter((file) => existsSync(file))
    .flatMap((file) => {
      try {
        return failedTestCases(readFileSync(file, 'utf8'));
      } catch {
        return [];
      }
    });
  if (failed.length === 0) return undefined;
  const named = failed.slice(0, NAMED_FAILURES).map((c) => (c.classname ? `${c.classname} › ${c.name}` : c.name));
  const more = failed.length > NAMED_FAILURES ? `; and ${failed.length - NAMED_FAILURES} more` : '';
  return `${failed.length} failed: ${named.join('; ')}${more}`;
}

/** Runs one gate the only way any engine runs a gate: `npx projen <task>`. */
export async function runGate(gate: Gate, options: GateRunOptions): Promise<GateResult> {
  const log = path.join(options.logDir, `${options.scope}-${gate.name}.log`);
  const result = await runProjenTask(gate.task, {
    env: options.env,
    log,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  });
  const status: GateStatus =
    result.exitCode === 0 && !result.stoppedBecause
      ? 'passed'
      : result.exitCode === gate.unavailableExitCode
        ? 'unavailable'
        : 'failed';
  const summary =
    result.stoppedBecause ??
    (status === 'failed' ? failingTestsLine(gate, options.reportsDir) : undefined) ??
    summaryLine(result.tail, status !== 'passed');
  return {
    gate: gate.name,
    task: gate.task,
    scope: options.scope,
    status,
    exitCode: result.exitCode,
    startedAt: result.startedAt.toISOString(),
    durationMs: result.durationMs,
    log,
    summary,
  };
}
