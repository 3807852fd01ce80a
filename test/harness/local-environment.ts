import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { PROJECT_ROOT } from './scratch-project';
import { DynamoDbLocal } from '../../pipeline/local/environments/dynamodb-local';
import { ReleaseProcess } from '../../pipeline/local/release/release-process';
import { bundleRelease } from '../../service/build/bundle';
import { newSigningKeysDocument } from '../../service/src/auth/signing-keys';
import { ensureTable } from '../../service/src/data/create-table';
import { createDynamoDbClient } from '../../service/src/data/dynamodb';
import { SETTING } from '../../service/src/settings';

/**
 * Whole local environments for the gate tests: the release's plain-Node server (built from this
 * checkout, as `npx projen bundle` builds it) on its own loopback port, on a table of its own in
 * one DynamoDB Local per test file. A test file calls `useLocalEnvironments()` once at the top
 * and starts as many environments as it needs (a normal one, a slowed one) in its `beforeAll`;
 * everything stops after the file.
 */

export interface LocalEnvironmentProps {
  /** @default 'test' */
  readonly environment?: string;
  /** What `/health` reports as the version. @default 'local-test' */
  readonly version?: string;
  /** Origins CORS allows. @default none */
  readonly corsOrigins?: readonly string[];
  /** More service settings (SETTING names), e.g. `B2_TEST_DELAY_MS` or a rate limit. */
  readonly settings?: Readonly<Record<string, string>>;
  /** A release folder to run instead of the file's own build of this checkout (a planted release). @default the file's release */
  readonly releaseDir?: string;
}

export interface LocalEnvironment {
  /** The API (and web) base URL, on 127.0.0.1. */
  readonly url: string;
  readonly environment: string;
  readonly version: string;
  stop(): Promise<void>;
}

/** A cold JVM and a first esbuild on a busy two-core machine take a while. */
const START_TIMEOUT_MS = 120_000;
const HEALTH_TIMEOUT_MS = 30_000;
/** The server answers the requests in flight on SIGTERM; one still busy after this is cut. */
const STOP_GRACE_MS = 10_000;

export interface LocalEnvironments {
  /** A scratch folder of the file's own (reports, workspaces), removed after the file. */
  readonly scratch: string;
  /** Starts one more environment of the file's release on the file's DynamoDB Local. */
  start(props?: LocalEnvironmentProps): Promise<LocalEnvironment>;
}

export function useLocalEnvironments(): LocalEnvironments {
  const scratch = mkdtempSync(path.join(tmpdir(), 'b2-local-env-'));
  const releaseDir = path.join(scratch, 'release');
  let database: DynamoDbLocal | undefined;
  const running: LocalEnvironment[] = [];

  beforeAll(async () => {
    const [started] = await Promise.all([
      DynamoDbLocal.start({ startTimeoutMs: START_TIMEOUT_MS, logFile: path.join(scratch, 'dynamodb-local.log') }),
      bundleRelease({ outDir: releaseDir, commit: 'local-test', dirty: true }),
    ]);
    database = started;
  }, START_TIMEOUT_MS + 30_000);

  afterAll(async () => {
    await Promise.all(running.map((environment) => environment.stop()));
    await database?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }, 60_000);

  async function start(props: LocalEnvironmentProps = {}): Promise<LocalEnvironment> {
    if (!database) {
      throw new Error('the local environments are not ready: call useLocalEnvironments() at the top of the file');
    }
    const environment = props.environment ?? 'test';
    const version = props.version ?? 'local-test';
    // A table per environment, so two environments of one name in a file never share data.
    const table = `${environment}-${randomUUID().slice(0, 8)}-b2-data`;
    const client = createDynamoDbClient({ endpoint: database.endpoint });
    await ensureTable(client, table);
    client.destroy();

    const server = new ReleaseProcess({
      release: { id: table, commit: version, dir: props.releaseDir ?? releaseDir },
      settings: {
        [SETTING.environment]: environment,
        [SETTING.version]: version,
        [SETTING.tableName]: table,
        [SETTING.dynamodbEndpoint]: database.endpoint,
        [SETTING.signingKeys]: JSON.stringify(newSigningKeysDocument()),
        [SETTING.corsOrigins]: (props.corsOrigins ?? []).join(','),
        ...props.settings,
      },
      logFile: path.join(scratch, `${table}.log`),
      healthTimeoutMs: HEALTH_TIMEOUT_MS,
    });
    // A test file that ends abruptly must not leave its servers behind.
    const killOnExit = (): void => server.kill();
    process.once('exit', killOnExit);
    const stop = async (): Promise<void> => {
      process.removeListener('exit', killOnExit);
      await server.stop(STOP_GRACE_MS);
    };
    try {
      await server.start();
    } catch (err) {
      await stop();
      throw err;
    }
    const url = server.origin;
    const started: LocalEnvironment = { url, environment, version, stop };
    running.push(started);
    return started;
  }

  return { start, scratch };
}

export interface TaskRun {
  readonly status: number | null;
  /** stdout and stderr together, as a person reads them. */
  readonly output: string;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<TaskRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CI: 'true', FORCE_COLOR: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a run that hangs is stopped with everything it started (k6, vitest).
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

const DEFAULT_TASK_TIMEOUT_MS = 240_000;

/**
 * Runs a projen task the way the engines do (`npx projen <task> [args]`), without blocking the
 * test's event loop, so the servers the file started keep being served while it runs. Projen
 * reports any failed step with exit code 1, whatever the step's own code was.
 */
export function runTaskAsync(
  task: string,
  env: NodeJS.ProcessEnv,
  args: readonly string[] = [],
  timeoutMs = DEFAULT_TASK_TIMEOUT_MS,
): Promise<TaskRun> {
  return run('npx', ['projen', task, ...args], env, timeoutMs);
}

interface TaskManifest {
  readonly tasks: Record<string, { readonly steps?: readonly { readonly exec?: string }[] }>;
}

/**
 * Runs the one command of a single-step projen task directly, as defined in
 * `.projen/tasks.json` (so the command still exists only there), to see the exit code the gate
 * itself chose: 99 for a crossed threshold, 90 for a regression, 2 for "could not run".
 */
export function runTaskCommand(
  task: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = DEFAULT_TASK_TIMEOUT_MS,
): Promise<TaskRun> {
  const manifest = JSON.parse(readFileSync(path.join(PROJECT_ROOT, '.projen', 'tasks.json'), 'utf8')) as TaskManifest;
  const steps = manifest.tasks[task]?.steps ?? [];
  if (steps.length !== 1 || !steps[0].exec) {
    throw new Error(`task ${task} is not one exec step: run it with runTaskAsync`);
  }
  const bin = path.join(PROJECT_ROOT, 'node_modules', '.bin');
  return run(
    'sh',
    ['-c', steps[0].exec],
    { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`, ...env },
    timeoutMs,
  );
}
