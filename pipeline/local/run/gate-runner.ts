import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { Gate } from '../../model/gates';
import { PROJECT_ROOT } from '../../toolchain/paths';

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
  /** The last meaningful line the gate printed: what a person reads first when it fails. */
  readonly summary: string;
}

export interface GateRunOptions {
  readonly scope: string;
  readonly logDir: string;
  readonly env: Record<string, string>;
  /** A gate that has not finished by then is stopped and failed. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** A line that states a failure, as test runners, linters and the gates themselves print it. */
const VERDICT = /✖|\bFAILED\b|\bFAIL\b|\bfailed\b/;

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

/** Runs one gate the only way any engine runs a gate: `npx projen <task>`. */
export function runGate(gate: Gate, options: GateRunOptions): Promise<GateResult> {
  mkdirSync(options.logDir, { recursive: true });
  const log = path.join(options.logDir, `${options.scope}-${gate.name}.log`);
  const out = createWriteStream(log);
  const startedAt = new Date();
  const started = performance.now();
  let tailText = '';
  return new Promise((resolve) => {
    const child = spawn('npx', ['projen', gate.task], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...options.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const keep = (chunk: Buffer): void => {
      out.write(chunk);
      tailText = (tailText + chunk.toString()).slice(-4_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let stoppedBecause: string | undefined;
    const stop = (why: string): void => {
      stoppedBecause = why;
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    };
    const timer = setTimeout(() => stop(`did not finish within ${options.timeoutMs / 1000}s`), options.timeoutMs);
    const onAbort = (): void => {
      const reason = options.signal?.reason;
      stop(`stopped: ${typeof reason === 'string' ? reason : 'the run was cancelled'}`);
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('close', (code) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      out.end();
      const status: GateStatus =
        code === 0 && !stoppedBecause ? 'passed' : code === gate.unavailableExitCode ? 'unavailable' : 'failed';
      resolve({
        gate: gate.name,
        task: gate.task,
        scope: options.scope,
        status,
        exitCode: code,
        startedAt: startedAt.toISOString(),
        durationMs: performance.now() - started,
        log,
        summary: stoppedBecause ?? summaryLine(tailText, status !== 'passed'),
      });
    });
  });
}
