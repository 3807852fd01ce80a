import { ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { freePort, portIsFree } from './free-port';
import { JAVA } from '../../toolchain/prerequisites';
import { dynamodbLocalLibDir, probe } from '../../toolchain/probe';
import { TOOLS } from '../../toolchain/versions';

export interface DynamoDbLocalProps {
  /**
   * Keeps the tables in this folder, so they survive a restart.
   * @default none: in memory, gone when the process stops
   */
  readonly dataDir?: string;
  /** @default a free loopback port */
  readonly port?: number;
  /** @default 60 s: a cold JVM on a busy two-core machine takes a while */
  readonly startTimeoutMs?: number;
  /**
   * DynamoDB Local's own output is appended here.
   * @default none: the last lines are kept in memory for error messages
   */
  readonly logFile?: string;
  /**
   * The folder with the DynamoDB Local jar, its dependencies and the sqlite4java native library.
   * @default the pinned install in the tools folder (`dynamodbLocalLibDir()`)
   */
  readonly libDir?: string;
}

/** DynamoDB Local could not be started; the message says why and what to do. */
export class DynamoDbLocalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DynamoDbLocalError';
  }
}

const MAIN_CLASS = 'software.amazon.dynamodb.services.local.main.ServerRunner';
/** Bounds the JVM: several test files may each run one on a small machine. */
const MAX_HEAP = '-Xmx1g';
const KEPT_OUTPUT_LINES = 20;

const INSTALL_HINT = 'run `npx projen tools:install dynamodb-local`';

async function requireInstalled(libDir: string | undefined): Promise<string> {
  if (libDir) {
    if (!existsSync(libDir)) throw new DynamoDbLocalError(`DynamoDB Local is not in ${libDir}: ${INSTALL_HINT}`);
    return libDir;
  }
  const state = await probe('dynamodb-local');
  if (!state.ok) {
    const found = state.found
      ? `${state.found} is installed but ${TOOLS['dynamodb-local'].version} is pinned`
      : 'is not installed';
    throw new DynamoDbLocalError(`DynamoDB Local ${found}: ${INSTALL_HINT}`);
  }
  return dynamodbLocalLibDir();
}

/**
 * One DynamoDB Local process from the tools folder, for the local run, the local engine and the
 * tests. `start` resolves once it answers on its port, or rejects with one clear cause (not
 * installed, no Java, port in use, exited, too slow) — it never hangs. It uses `-sharedDb`, so
 * every client sees the same tables whatever region and credentials it signs with, and no
 * telemetry leaves the machine. Clients reach it on 127.0.0.1 only; DynamoDB Local itself has no
 * option to choose the address it listens on.
 */
export class DynamoDbLocal {
  static async start(props: DynamoDbLocalProps = {}): Promise<DynamoDbLocal> {
    const libDir = await requireInstalled(props.libDir);
    const port = props.port ?? (await freePort());
    if (props.port !== undefined && !(await portIsFree(port))) {
      throw new DynamoDbLocalError(`port ${port} is in use by another program: stop it, or choose another port`);
    }
    const storage = props.dataDir ? ['-dbPath', props.dataDir] : ['-inMemory'];
    if (props.dataDir) mkdirSync(props.dataDir, { recursive: true });
    if (props.logFile) mkdirSync(path.dirname(props.logFile), { recursive: true });

    const child = spawn(
      'java',
      [
        MAX_HEAP,
        `-Djava.library.path=${libDir}`,
        '-cp',
        path.join(libDir, '*'),
        MAIN_CLASS,
        '-port',
        String(port),
        '-sharedDb',
        '-disableTelemetry',
        ...storage,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let lines: string[] = [];
    const keep = (chunk: Buffer): void => {
      if (props.logFile) appendFileSync(props.logFile, chunk);
      lines = [
        ...lines,
        ...chunk
          .toString()
          .split('\n')
          .filter((line) => line.trim() !== ''),
      ].slice(-KEPT_OUTPUT_LINES);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const output = (): string => lines.join(' | ');

    const instance = new DynamoDbLocal(child, port, output);
    try {
      await instance.waitUntilAnswering(props.startTimeoutMs ?? 60_000);
    } catch (err) {
      await instance.stop();
      throw err;
    }
    return instance;
  }

  private exited = false;
  private spawnError?: NodeJS.ErrnoException;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly output: () => string,
  ) {
    // 'close', not 'exit': by then all its output is read, which the error messages quote.
    child.once('close', () => (this.exited = true));
    // A child that could not be spawned (no java) reports an error and never exits.
    child.once('error', (err) => {
      this.spawnError = err;
      this.exited = true;
    });
    process.once('exit', this.killOnExit);
  }

  /** Kills the JVM if this process exits without stopping it, so no DynamoDB Local is left behind. */
  private readonly killOnExit = (): void => {
    this.child.kill('SIGKILL');
  };

  /** The endpoint for the AWS SDK (and `B2_DYNAMODB_ENDPOINT`). */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.exited;
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    process.removeListener('exit', this.killOnExit);
    if (!this.running) return;
    const exited = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  private async waitUntilAnswering(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const spawnError = this.spawnError;
      if (spawnError) {
        throw new DynamoDbLocalError(
          spawnError.code === 'ENOENT'
            ? `java is not installed, and DynamoDB Local needs it: ${JAVA.fix}`
            : `DynamoDB Local could not be started: ${spawnError.message}`,
        );
      }
      if (!this.running) {
        const output = this.output();
        if (/could not start server on port|address already in use|BindException/i.test(output)) {
          throw new DynamoDbLocalError(
            `port ${this.port} is in use by another program: stop it, or choose another port`,
          );
        }
        throw new DynamoDbLocalError(
          `DynamoDB Local exited with code ${this.child.exitCode} while starting: ${output || 'no output'}; ` +
            `if the install is damaged, ${INSTALL_HINT}`,
        );
      }
      try {
        // Any HTTP answer (it answers a bare GET with 400) means it is listening.
        await fetch(this.endpoint, { signal: AbortSignal.timeout(1_000) });
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new DynamoDbLocalError(
      `DynamoDB Local did not answer on port ${this.port} within ${timeoutMs / 1000} s: ${this.output() || 'no output'}`,
    );
  }
}
