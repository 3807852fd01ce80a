import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { freePort } from '../../pipeline/local/environments/free-port';
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
 * their own workspace and ports). Rejects, with the end of its output, when it outlives `timeoutMs`;
 * `onOutput` sees the output so far each time more arrives.
 */
export function runEngine(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 600_000,
  onOutput?: (output: string) => void,
): Promise<EngineResult> {
  return runProcess(process.execPath, [TSX_CLI, ENGINE, ...args], env, timeoutMs, onOutput);
}

/** What the engine prints when a run waits for a person to decide a marginal canary. */
const WAITING_FOR_DECISION = /Run (\S+) is waiting for a decision on the marginal canary/;

/**
 * For `runEngine`'s `onOutput`: nobody watches a test's run, so a marginal canary is rejected as
 * soon as the run asks, as an operator would with `pipeline:reject`. The run rolls back at once,
 * its summary keeping the judgement that held it, instead of waiting out the 30 minutes it gives
 * a person: a test that expects a promotion then fails naming the judgement, not on its timeout.
 */
export function rejectsMarginalCanary(env: NodeJS.ProcessEnv): (output: string) => void {
  let asked = false;
  return (output) => {
    const waiting = WAITING_FOR_DECISION.exec(output);
    if (!waiting || asked) return;
    asked = true;
    void runEngine(
      [
        'reject',
        '--run',
        waiting[1],
        '--by',
        'Engine Test',
        '--comment',
        'nobody watches this run: a marginal canary is held',
      ],
      env,
    );
  };
}

/** Runs a command in the project as a person without a terminal would; rejects when it outlives `timeoutMs`. */
export function runProcess(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 600_000,
  onOutput?: (output: string) => void,
): Promise<EngineResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const more = (c: Buffer): void => {
      output += c.toString();
      onOutput?.(output);
    };
    child.stdout.on('data', more);
    child.stderr.on('data', more);
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

/** The ports of one test's local environments, each free when chosen. */
export interface EnginePorts {
  readonly database: number;
  readonly dev: number;
  readonly staging: number;
  readonly prod: number;
}

/**
 * What a test's engine runs in: its own workspace and free ports, without a terminal (`CI`), so
 * tests never share environments with each other or with a person's runs.
 */
export async function engineEnvironment(
  workspace: string,
): Promise<{ readonly env: NodeJS.ProcessEnv; readonly ports: EnginePorts }> {
  const ports = {
    database: await freePort(),
    dev: await freePort(),
    staging: await freePort(),
    prod: await freePort(),
  };
  return {
    ports,
    env: {
      ...process.env,
      CI: 'true',
      B2_PIPELINE_DIR: workspace,
      B2_LOCAL_PORTS: `dynamodb=${ports.database},dev=${ports.dev},staging=${ports.staging},prod=${ports.prod}`,
    },
  };
}

/**
 * Every file under a folder with a digest of its bytes, except those `skip` names: equal
 * snapshots mean nothing was written.
 */
export function fileDigests(dir: string, skip: (name: string) => boolean = () => false): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder)) {
      const file = path.join(folder, name);
      const stat = statSync(file);
      if (stat.isDirectory()) {
        walk(file);
      } else if (stat.isFile() && !skip(name)) {
        files[path.relative(dir, file)] = createHash('sha256').update(readFileSync(file)).digest('hex');
      }
    }
  };
  walk(dir);
  return files;
}
