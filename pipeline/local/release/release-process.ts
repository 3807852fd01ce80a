import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { RELEASE_PARTS } from '../../../service/build/release';
import { SETTING } from '../../../service/src/settings';
import { MissingToolError, probe } from '../../toolchain/probe';
import { TOOLS } from '../../toolchain/versions';
import { freePort } from '../environments/free-port';

/** One release folder: what the `bundle` task builds, copied under the run's releases. */
export interface Release {
  readonly id: string;
  readonly commit: string;
  readonly dir: string;
}

export interface ReleaseProcessProps {
  readonly release: Release;
  /** Service settings (SETTING names) for this environment. */
  readonly settings: Record<string, string>;
  /** Where the server's output goes. @default this process's terminal */
  readonly logFile?: string;
  /** The loopback port it listens on. @default a free one */
  readonly port?: number;
  /** How long the release may take to answer its health check. @default 30 s */
  readonly healthTimeoutMs?: number;
}

/** The last lines of a log, for a one-line cause. */
export function tail(file: string, lines = 5): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
}

/** `Error: boom`, `TypeError [ERR_X]: …`, `SyntaxError: …`: the line Node prints for an uncaught error. */
const THROWN = /^(?:Uncaught )?[A-Z]\w*(?:Error|Exception)(?: \[[A-Z0-9_]+\])?: .+/;
/** What Node prints around it that says nothing about the cause. */
const NOISE = /^(?:at |Node\.js v\d|\^+$|file:\/\/|node:internal|\{$|\}$)/;

/**
 * Why a server stopped as it started, in one line, from what it printed: the error Node names
 * when a module throws as it loads (not the stack frames after it), or else its last line that
 * is not a stack frame.
 */
export function startupCause(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const thrown = lines.filter((line) => THROWN.test(line)).pop();
  return thrown ?? lines.filter((line) => !NOISE.test(line)).pop() ?? 'it printed nothing';
}

/**
 * The Node a release runs on: the toolchain's pinned build of the Lambda runtime's major, never
 * the machine's Node, so a release runs locally on what it runs on in AWS. A missing or other
 * version fails the start, naming the install command.
 */
async function releaseNode(): Promise<{ path: string; version: string }> {
  const state = await probe('node');
  if (state.ok && state.path && state.found) return { path: state.path, version: state.found };
  throw new Error(
    `releases run on Node ${TOOLS.node.version}, the Lambda runtime's major, not on this machine's ${process.version}: ${new MissingToolError(state).message.replace('tools:install`', 'tools:install node`')}`,
  );
}

/**
 * A release's plain-Node server running on a loopback port: the traffic front's upstream in the
 * local engine, the server of `npx projen serve`, and the environments of the gate tests.
 */
export class ReleaseProcess {
  readonly release: Release;
  private child?: ChildProcess;
  private exited = false;
  /** Where this start's output begins in a log that earlier starts appended to. */
  private logStart = 0;
  port = 0;
  /** The Node version the release runs on, once started: the toolchain's pinned build of the Lambda runtime's major. */
  runtime?: string;

  constructor(private readonly props: ReleaseProcessProps) {
    this.release = props.release;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && !this.exited;
  }

  /** Starts the server and resolves once `/health` answers 200 with this release's commit. */
  async start(onExit: (code: number | null, signal: NodeJS.Signals | null) => void = () => {}): Promise<void> {
    const entry = path.join(this.props.release.dir, RELEASE_PARTS.server);
    if (!existsSync(entry)) throw new Error(`release ${this.release.id} has no server bundle at ${entry}`);
    const node = await releaseNode();
    this.port = this.props.port ?? (await freePort());
    let log: number | undefined;
    if (this.props.logFile) {
      mkdirSync(path.dirname(this.props.logFile), { recursive: true });
      log = openSync(this.props.logFile, 'a');
      this.logStart = fstatSync(log).size;
    }
    this.runtime = node.version;
    this.child = spawn(node.path, [entry], {
      env: {
        ...process.env,
        ...this.props.settings,
        [SETTING.port]: String(this.port),
        [SETTING.host]: '127.0.0.1',
        NODE_ENV: 'production',
      },
      // To a file, not a pipe: a parent busy elsewhere would stop draining a pipe and stall the server.
      stdio: log === undefined ? ['ignore', 'inherit', 'inherit'] : ['ignore', log, log],
    });
    if (log !== undefined) closeSync(log);
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      onExit(code, signal);
    });
    await this.waitHealthy(this.props.healthTimeoutMs ?? 30_000);
  }

  /** Why it stopped, in one line, and where to read all it said: its log, or the terminal above. */
  private output(): string {
    const file = this.props.logFile;
    if (!file) return 'its output is above';
    const said = existsSync(file) ? readFileSync(file, 'utf8').slice(this.logStart) : '';
    return `${startupCause(said)} (log: ${file})`;
  }

  private async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (this.exited) {
        throw new Error(`release ${this.release.id} exited before it was healthy: ${this.output()}`);
      }
      try {
        const res = await fetch(`${this.origin}/health`, { signal: AbortSignal.timeout(2_000) });
        const body = (await res.json().catch(() => ({}))) as { version?: string };
        if (res.status === 200 && body.version === this.release.commit) return;
        last = `health answered ${res.status} with version ${body.version ?? 'none'}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    await this.stop();
    throw new Error(
      `release ${this.release.id} was not healthy within ${timeoutMs / 1000}s (${last}): ${this.output()}`,
    );
  }

  /** SIGTERM (the server answers the requests in flight), then SIGKILL if it has not exited within the grace period. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || this.exited) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Ends the server at once, for a parent that is exiting and cannot wait. */
  kill(): void {
    if (this.running) this.child?.kill('SIGKILL');
  }
}
