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

/** What a test's `run` of the engine delivers, and how. */
export interface DeliveryOptions {
  /** `--only-gates`: the gates the run keeps, or `none`. */
  readonly gates: string;
  /** `--minute`: how long a configured minute lasts. @default the engine's */
  readonly minute?: string;
  /** `--release`: a built release folder. @default the engine builds this checkout */
  readonly release?: string;
  /** Prod's approval, given up front. @default none: the run stops at the approval */
  readonly approval?: { readonly by: string; readonly comment: string };
}

/** The engine's `run` command line for a delivery of this (uncommitted) checkout. */
export function deliveryArgs(options: DeliveryOptions): string[] {
  const { gates, minute, release, approval } = options;
  return [
    'run',
    '--allow-dirty',
    '--only-gates',
    gates,
    ...(minute ? ['--minute', minute] : []),
    ...(release ? ['--release', release] : []),
    ...(approval ? ['--approve', '--by', approval.by, '--comment', approval.comment] : []),
  ];
}

/** What the engine prints when a run waits for a person to decide a marginal canary. */
const WAITING_FOR_DECISION = /Run (\S+) is waiting for a decision on the marginal canary/;

/**
 * Delivers through the engine as `runEngine` runs it, with one difference: nobody watches a
 * test's run, so a marginal canary is rejected as soon as the run asks, as an operator would with
 * `pipeline:reject`. The run rolls back at once, its summary keeping the judgement that held it,
 * instead of waiting out the 30 minutes it gives a person: a test that expects a promotion fails
 * naming the judgement, not on its timeout. A rejection the engine refuses fails the delivery.
 */
export async function runDelivery(
  options: DeliveryOptions,
  env: NodeJS.ProcessEnv,
  timeoutMs = 600_000,
): Promise<EngineResult> {
  let rejection: Promise<EngineResult> | undefined;
  const rejectWhenAsked = (output: string): void => {
    const waiting = rejection ? null : WAITING_FOR_DECISION.exec(output);
    if (!waiting) return;
    const comment = 'nobody watches this run: a marginal canary is held';
    rejection = runEngine(['reject', '--run', waiting[1], '--by', 'Engine Test', '--comment', comment], env);
  };
  const refused = async (): Promise<string> => {
    const rejected = await rejection;
    return rejected && rejected.code !== 0 ? `; pipeline:reject of its marginal canary failed: ${rejected.output}` : '';
  };
  let run: EngineResult;
  try {
    run = await runEngine(deliveryArgs(options), env, timeoutMs, rejectWhenAsked);
  } catch (err) {
    throw new Error(`${(err as Error).message}${await refused()}`);
  }
  const refusal = await refused();
  if (refusal) throw new Error(`the run ended with code ${run.code}${refusal}`);
  return run;
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
