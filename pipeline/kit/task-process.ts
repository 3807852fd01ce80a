import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { PROJECT_ROOT } from '../toolchain/paths';

export interface TaskProcessOptions {
  /** Arguments after the task name (projen hands them to the task). */
  readonly args?: readonly string[];
  /** Variables added to this process's environment. */
  readonly env?: Record<string, string>;
  /** Where the task's output goes, without colour codes. */
  readonly log: string;
  /** A task that has not finished by then is stopped, with its whole process group. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface TaskProcessResult {
  readonly exitCode: number | null;
  /** Why the engine stopped the task (a timeout, the run cancelled); undefined when it ended by itself. */
  readonly stoppedBecause?: string;
  readonly startedAt: Date;
  readonly durationMs: number;
  /** The last few thousand characters of its output, without colour codes. */
  readonly tail: string;
}

/**
 * Runs one projen task the way every engine runs one, `npx projen <task>`, in its own process
 * group so that a timeout or a cancelled run stops everything it started. Its output goes to
 * the log line by line with colour codes stripped, so the log reads the same in any viewer.
 */
export function runProjenTask(task: string, options: TaskProcessOptions): Promise<TaskProcessResult> {
  return runCommand('npx', ['projen', task, ...(options.args ?? [])], options);
}

/** Runs a command as `runProjenTask` runs a task (its own process group, a clean log, a timeout); `options.args` are ignored. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: TaskProcessOptions,
): Promise<TaskProcessResult> {
  const what = [command, ...args].join(' ');
  mkdirSync(path.dirname(options.log), { recursive: true });
  const out = createWriteStream(options.log);
  const startedAt = new Date();
  const started = performance.now();
  let tail = '';
  let partial = '';
  const write = (text: string): void => {
    const clean = stripVTControlCharacters(text);
    out.write(clean);
    tail = (tail + clean).slice(-4_000);
  };
  return new Promise((resolve) => {
    const child = spawn(command, [...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...options.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    // An escape sequence may be split across chunks: only whole lines are cleaned and written.
    const keep = (chunk: Buffer): void => {
      const text = partial + chunk.toString();
      const end = text.lastIndexOf('\n') + 1;
      partial = text.slice(end);
      if (end > 0) write(text.slice(0, end));
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let stoppedBecause: string | undefined;
    const stop = (why: string): void => {
      stoppedBecause = why;
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    };
    const timer = setTimeout(() => stop(`did not finish within ${options.timeoutMs / 1000} s`), options.timeoutMs);
    const onAbort = (): void => {
      const reason = options.signal?.reason;
      stop(`stopped: ${typeof reason === 'string' ? reason : 'the run was cancelled'}`);
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    let finished = false;
    const done = (exitCode: number | null, error?: Error): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (partial) write(partial);
      if (error) write(`could not start \`${what}\`: ${error.message}\n`);
      const durationMs = performance.now() - started;
      // Resolved once the log is on disk: whoever reads it next reads all of it.
      out.end(() =>
        resolve({
          exitCode,
          stoppedBecause: stoppedBecause ?? (error ? `could not start: ${error.message}` : undefined),
          startedAt,
          durationMs,
          tail,
        }),
      );
    };
    child.on('error', (err) => done(null, err));
    child.on('close', (code) => done(code));
  });
}
