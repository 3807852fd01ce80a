import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Agent, request } from 'undici';
import {
  EnvironmentState,
  hostCodeVersion,
  hostLogFile,
  hostSettingsFile,
  hostSocket,
  hostStateFile,
} from './environment-host';
import { EndpointSamples, MetricsSnapshot } from './release-metrics';

/** What a release served per endpoint over a window, and when it first served anything. */
export interface ReleaseSamples {
  readonly endpoints: Readonly<Record<string, EndpointSamples>>;
  readonly firstServedAt?: number;
  readonly firstFaultAt?: number;
}
import { workspace } from '../../kit/workspace';
import { PROJECT_ROOT } from '../../toolchain/paths';
import { Release, tail } from '../release/release-process';

const TSX_CLI = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const HOST_SCRIPT = path.join(__dirname, 'environment-host.ts');

export interface RollbackResult {
  readonly state: EnvironmentState;
  /** From the rollback call until the front sends every new request to the previous release. */
  readonly trafficRestoredMs: number;
  /** Until the candidate was drained of in-flight requests and stopped. */
  readonly candidateStoppedMs: number;
}

/** The engine's side of an environment host: starts it when it is not running, then drives it. */
export class EnvironmentClient {
  private readonly dispatcher: Agent;

  constructor(
    readonly environment: string,
    readonly port: number,
  ) {
    this.dispatcher = new Agent({ connect: { socketPath: hostSocket(environment) } });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private async call<T>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> {
    const res = await request(`http://host${route}`, {
      method,
      dispatcher: this.dispatcher,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      headersTimeout: 120_000,
      bodyTimeout: 120_000,
    }).catch((err: Error) => {
      throw new Error(
        `environment ${this.environment} is not answering (${err.message}); its log: ${hostLogFile(this.environment)}; ` +
          'see `npx projen env:status`, then run again',
      );
    });
    const payload = (await res.body.json()) as T & { error?: { message: string } };
    if (res.statusCode >= 400) {
      throw new Error(`${this.environment}: ${payload.error?.message ?? `host answered ${res.statusCode}`}`);
    }
    return payload;
  }

  async isUp(): Promise<boolean> {
    if (!existsSync(hostSocket(this.environment))) return false;
    return this.call('GET', '/state').then(
      () => true,
      () => false,
    );
  }

  /** Starts the host (detached, so the environment outlives the run) unless it is already up. */
  async ensureUp(settings: Record<string, string>, timeoutMs = 60_000): Promise<EnvironmentState> {
    mkdirSync(workspace.environment(this.environment), { recursive: true });
    writeFileSync(hostSettingsFile(this.environment), JSON.stringify(settings, null, 2), { mode: 0o600 });
    if (await this.isUp()) {
      const state = await this.state();
      if (state.hostVersion === hostCodeVersion()) return state;
      // A host started by older engine code: restarted, it brings its live release back at once.
      await this.shutdown();
    }
    const log = openSync(hostLogFile(this.environment), 'a');
    const child = spawn(
      process.execPath,
      [TSX_CLI, HOST_SCRIPT, '--environment', this.environment, '--port', String(this.port)],
      {
        detached: true,
        stdio: ['ignore', log, log],
        env: process.env,
      },
    );
    closeSync(log);
    let exited: number | null | undefined;
    child.on('exit', (code) => (exited = code));
    child.unref();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (exited !== undefined) {
        throw new Error(
          `environment ${this.environment} did not start: ${tail(hostLogFile(this.environment), 1).replace(/^error: /, '')} (log: ${hostLogFile(this.environment)})`,
        );
      }
      if (await this.isUp()) {
        const state = await this.state();
        if (state.hostVersion === hostCodeVersion()) return state;
        // A host started by older engine code: restarted, it brings its live release back at once.
        await this.shutdown();
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `environment ${this.environment} did not answer within ${timeoutMs / 1000}s; log: ${hostLogFile(this.environment)}`,
    );
  }

  state(): Promise<EnvironmentState> {
    return this.call('GET', '/state');
  }

  /** The last state the host wrote, for a status report when it is down. */
  lastKnownState(): EnvironmentState | undefined {
    const file = hostStateFile(this.environment);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as EnvironmentState) : undefined;
  }

  deploy(release: Release, share: number): Promise<EnvironmentState> {
    return this.call('POST', '/deploy', { release, share });
  }

  shift(share: number): Promise<EnvironmentState> {
    return this.call('POST', '/shift', { share });
  }

  promote(): Promise<EnvironmentState> {
    return this.call('POST', '/promote');
  }

  rollback(): Promise<RollbackResult> {
    return this.call('POST', '/rollback');
  }

  /** What the front saw of the release from `since` (epoch ms), until `until` when given. */
  metrics(releaseId: string, since: number, until?: number): Promise<MetricsSnapshot & { inflight: number }> {
    const range = `since=${since}${until === undefined ? '' : `&until=${until}`}`;
    return this.call('GET', `/metrics/${encodeURIComponent(releaseId)}?${range}`);
  }

  /** Per endpoint, what the release served since `since`, and when it served its first request. */
  samples(releaseId: string, since: number): Promise<ReleaseSamples> {
    return this.call('GET', `/samples/${encodeURIComponent(releaseId)}?since=${since}`);
  }

  async shutdown(): Promise<void> {
    if (await this.isUp()) await this.call('POST', '/shutdown');
    const deadline = Date.now() + 15_000;
    while (existsSync(hostSocket(this.environment)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}
