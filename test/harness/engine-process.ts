import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../pipeline/toolchain/paths';

const TSX_CLI = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
/** The local engine's command line, as the projen tasks run it. */
export const ENGINE = path.join(PROJECT_ROOT, 'pipeline', 'local', 'cli', 'main.ts');

export interface EngineResult {
  readonly code: number | null;
  /** stdout and stderr together, as a person reads them. */
  readonly output: string;
}

/**
 * Runs the engine's command line as a person without a terminal would, in `env` (tests give it
 * their own workspace and ports). Rejects, with the end of its output, when it outlives `timeoutMs`.
 */
export function runEngine(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 600_000): Promise<EngineResult> {
  return runProcess(process.execPath, [TSX_CLI, ENGINE, ...args], env, timeoutMs);
}

/** Runs a command in the project as a person without a terminal would; rejects when it outlives `timeoutMs`. */
export function runProcess(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 600_000,
): Promise<EngineResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(
        new Error(`${path.basename(command)} did not finish within ${timeoutMs / 1000} s: ${output.slice(-2_000)}`),
      );
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
