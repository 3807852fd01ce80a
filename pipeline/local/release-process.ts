import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { freePort } from './free-port';

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
  readonly logFile: string;
  /** How long the release may take to answer its health check. @default 30 s */
  readonly healthTimeoutMs?: number;
}

/** The last lines of a log, for a one-line cause. */
export function tail(file: string, lines = 5): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
}

/** A release's server running on its own loopback port, as the front's upstream. */
export class ReleaseProcess {
  readonly release: Release;
  private child?: ChildProcess;
  private exited = false;
  port = 0;

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
  async start(onExit: (code: number | null) => void): Promise<void> {
    const entry = path.join(this.props.release.dir, 'server', 'index.mjs');
    if (!existsSync(entry)) throw new Error(`release ${this.release.id} has no server bundle at ${entry}`);
    this.port = await freePort();
    mkdirSync(path.dirname(this.props.logFile), { recursive: true });
    const log = openSync(this.props.logFile, 'a');
    this.child = spawn(process.execPath, [entry], {
      env: {
        ...process.env,
        ...this.props.settings,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        NODE_ENV: 'production',
      },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.child.on('exit', (code) => {
      this.exited = true;
      onExit(code);
    });
    await this.waitHealthy(this.props.healthTimeoutMs ?? 30_000);
  }

  private async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (this.exited) {
        throw new Error(
          `release ${this.release.id} exited before it was healthy: ${tail(this.props.logFile, 3)} (log: ${this.props.logFile})`,
        );
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
      `release ${this.release.id} was not healthy within ${timeoutMs / 1000}s (${last}); log: ${this.props.logFile}`,
    );
  }

  /** SIGTERM, then SIGKILL if it has not exited within the grace period. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || this.exited) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
