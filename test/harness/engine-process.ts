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
