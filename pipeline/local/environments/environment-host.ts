import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { z } from 'zod';
import { TrafficFront } from './traffic-front';
import { SETTING } from '../../../service/src/settings';
import { runMain } from '../../kit/cli';
import { workspace } from '../../kit/workspace';
import { Release, ReleaseProcess } from '../release/release-process';

/**
 * One local environment, kept running between pipeline runs: the front on the environment's
 * port, the live release behind it and, during a deploy, the candidate beside it. The engine
 * drives it over a Unix socket in the environment's folder; `environment-client.ts` is that side.
 */

export interface ReleaseState {
  readonly id: string;
  readonly commit: string;
  readonly dir: string;
  readonly port: number;
  readonly pid?: number;
  /** The Node version the release runs on (the toolchain's pinned build of the Lambda runtime's major). */
  readonly runtime?: string;
  readonly since: string;
}

export interface EnvironmentState {
  readonly environment: string;
  readonly port: number;
  readonly hostPid: number;
  /** The code the host runs (`hostCodeVersion`): an engine with other code restarts it. */
  readonly hostVersion?: string;
  readonly live?: ReleaseState;
  readonly candidate?: ReleaseState;
  /** Percent of new requests the candidate takes. */
  readonly candidateShare: number;
  /** Releases that exited on their own, newest last. */
  readonly crashes: readonly { releaseId: string; at: string; exitCode: number | null }[];
}

export const hostSocket = (environment: string): string => path.join(workspace.environment(environment), 'host.sock');
export const hostStateFile = (environment: string): string =>
  path.join(workspace.environment(environment), 'state.json');
export const hostSettingsFile = (environment: string): string =>
  path.join(workspace.environment(environment), 'settings.json');
export const hostLogFile = (environment: string): string => path.join(workspace.environment(environment), 'host.log');

/** The modules a host runs: when any of them changes, a running host is out of date. */
const HOST_MODULES = [
  'client-faults.ts',
  '../../model/judgement.ts',
  'environment-host.ts',
  'traffic-front.ts',
  'release-metrics.ts',
  '../release/release-process.ts',
  '../../toolchain/versions.ts',
  '../../../loadtest/profile.ts',
  '../../../service/src/http/client-address.ts',
  '../../../service/src/settings.ts',
];

/** A digest of the host's own code, so an engine can tell a host started by older code. */
export function hostCodeVersion(): string {
  const hash = createHash('sha256');
  for (const module of HOST_MODULES) hash.update(readFileSync(path.join(__dirname, module)));
  return hash.digest('hex').slice(0, 16);
}

const HOST_VERSION = hostCodeVersion();

const releaseSchema = z.object({ id: z.string().min(1), commit: z.string().min(1), dir: z.string().min(1) });

class EnvironmentHost {
  private live?: ReleaseProcess;
  private candidate?: ReleaseProcess;
  private candidateShare = 0;
  private readonly crashes: { releaseId: string; at: string; exitCode: number | null }[] = [];
  private readonly since = new Map<string, string>();
  private busy = Promise.resolve();
  private stopping = false;

  constructor(
    readonly environment: string,
    readonly port: number,
    readonly front: TrafficFront,
  ) {}

  /** Operations run one at a time: a deploy and a rollback never interleave. */
  serialize<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.busy.then(operation);
    this.busy = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private settingsFor(release: Release): Record<string, string> {
    const base = JSON.parse(readFileSync(hostSettingsFile(this.environment), 'utf8')) as Record<string, string>;
    return { ...base, B2_VERSION: release.commit, [SETTING.frontKey]: this.front.key };
  }

  private process(release: Release): ReleaseProcess {
    const proc = new ReleaseProcess({
      release,
      settings: this.settingsFor(release),
      logFile: path.join(workspace.environment(this.environment), 'releases', `${release.id}.log`),
    });
    return proc;
  }

  private onExit(proc: ReleaseProcess, code: number | null): void {
    // Releases stopped with the host are not crashes: the state keeps them, to restore on restart.
    if (this.stopping || (proc !== this.live && proc !== this.candidate)) return;
    this.crashes.push({ releaseId: proc.release.id, at: new Date().toISOString(), exitCode: code });
    // A crashed candidate leaves the live release with all traffic; a crashed live release
    // hands its traffic to the candidate if there is one.
    if (proc === this.candidate) {
      this.candidate = undefined;
      this.candidateShare = 0;
    } else {
      this.live = this.candidate;
      this.candidate = undefined;
      this.candidateShare = 0;
    }
    this.route();
    this.persist();
  }

  private route(): void {
    const routes = [];
    if (this.live?.running) {
      routes.push({
        upstream: { releaseId: this.live.release.id, origin: this.live.origin },
        weight: 100 - this.candidateShare,
        role: 'live' as const,
      });
    }
    if (this.candidate?.running) {
      routes.push({
        upstream: { releaseId: this.candidate.release.id, origin: this.candidate.origin },
        weight: this.live?.running ? this.candidateShare : 100,
        role: 'candidate' as const,
      });
    }
    if (routes.length === 1) routes[0] = { ...routes[0], weight: 100 };
    this.front.setRoutes(routes.filter((r) => r.weight > 0));
  }

  /** Starts the release beside the live one and, once healthy, gives it `share` percent of new requests. */
  async deploy(release: Release, share: number): Promise<EnvironmentState> {
    if (this.candidate) {
      throw new Error(`release ${this.candidate.release.id} is still being deployed: promote or roll it back first`);
    }
    const proc = this.process(release);
    await proc.start((code) => this.onExit(proc, code));
    this.candidate = proc;
    this.since.set(release.id, new Date().toISOString());
    this.candidateShare = this.live ? share : 100;
    this.route();
    this.persist();
    return this.state();
  }

  /**
   * Moves the candidate's share of new requests (a linear step, or the end of a canary's bake).
   * At 100 the previous release takes no new request but keeps running, so a failed
   * verification can still send all traffic back to it at once.
   */
  async shift(share: number): Promise<EnvironmentState> {
    if (!this.candidate) throw new Error('there is no candidate release to shift traffic to');
    this.candidateShare = this.live ? share : 100;
    this.route();
    this.persist();
    return this.state();
  }

  /** The candidate takes all traffic; the previous live release is drained and stopped. */
  async promote(): Promise<EnvironmentState> {
    if (!this.candidate) throw new Error('there is no candidate release to promote');
    const previous = this.live;
    this.live = this.candidate;
    this.candidate = undefined;
    this.candidateShare = 0;
    this.route();
    this.persist();
    if (previous) await this.retire(previous);
    return this.state();
  }

  /** All traffic back to the live release; the candidate is drained and stopped. */
  async rollback(): Promise<{ state: EnvironmentState; trafficRestoredMs: number; candidateStoppedMs: number }> {
    const started = performance.now();
    const candidate = this.candidate;
    this.candidate = undefined;
    this.candidateShare = 0;
    this.route();
    const trafficRestoredMs = performance.now() - started;
    this.persist();
    if (candidate) await this.retire(candidate);
    return { state: this.state(), trafficRestoredMs, candidateStoppedMs: performance.now() - started };
  }

  private async retire(proc: ReleaseProcess): Promise<void> {
    await this.front.drain(proc.release.id);
    await proc.stop();
  }

  async restore(previous: EnvironmentState | undefined): Promise<void> {
    if (!previous?.live || !existsSync(previous.live.dir)) return;
    await this.deploy({ id: previous.live.id, commit: previous.live.commit, dir: previous.live.dir }, 100);
    await this.promote();
    this.since.set(previous.live.id, previous.live.since);
    this.persist();
  }

  async shutdown(): Promise<void> {
    this.stopping = true;
    await Promise.all([this.live?.stop(), this.candidate?.stop()]);
    await this.front.close();
  }

  private releaseState(proc: ReleaseProcess | undefined): ReleaseState | undefined {
    if (!proc) return undefined;
    const { id, commit, dir } = proc.release;
    return {
      id,
      commit,
      dir,
      port: proc.port,
      pid: proc.pid,
      runtime: proc.runtime,
      since: this.since.get(id) ?? new Date().toISOString(),
    };
  }

  state(): EnvironmentState {
    return {
      environment: this.environment,
      port: this.port,
      hostPid: process.pid,
      hostVersion: HOST_VERSION,
      live: this.releaseState(this.live),
      candidate: this.releaseState(this.candidate),
      candidateShare: this.candidateShare,
      crashes: this.crashes,
    };
  }

  persist(): void {
    writeFileSync(hostStateFile(this.environment), JSON.stringify(this.state(), null, 2));
  }
}

function adminApi(host: EnvironmentHost, stop: () => void): Hono {
  const app = new Hono();
  app.onError((err, c) => c.json({ error: { code: 'operation_failed', message: err.message } }, 409));
  app.get('/state', (c) => c.json(host.state()));
  app.get('/metrics/:releaseId', (c) => {
    const since = Number(c.req.query('since') ?? 0);
    const until = c.req.query('until') ? Number(c.req.query('until')) : undefined;
    const releaseId = c.req.param('releaseId');
    return c.json({ ...host.front.metricsOf(releaseId, since, until), inflight: host.front.inflightOf(releaseId) });
  });
  app.get('/samples/:releaseId', (c) => {
    const since = Number(c.req.query('since') ?? 0);
    const releaseId = c.req.param('releaseId');
    return c.json({ endpoints: host.front.samplesOf(releaseId, since), ...host.front.firstsOf(releaseId) });
  });
  app.post('/deploy', async (c) => {
    const body = z.object({ release: releaseSchema, share: z.number().min(1).max(100) }).parse(await c.req.json());
    return c.json(await host.serialize(() => host.deploy(body.release, body.share)));
  });
  app.post('/shift', async (c) => {
    const body = z.object({ share: z.number().min(1).max(100) }).parse(await c.req.json());
    return c.json(await host.serialize(() => host.shift(body.share)));
  });
  app.post('/promote', async (c) => c.json(await host.serialize(() => host.promote())));
  app.post('/rollback', async (c) => c.json(await host.serialize(() => host.rollback())));
  app.post('/shutdown', (c) => {
    setImmediate(stop);
    return c.json({ stopping: true });
  });
  return app;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { environment: { type: 'string' }, port: { type: 'string' } } });
  const environment = values.environment;
  const port = Number(values.port);
  if (!environment || !Number.isInteger(port)) {
    throw new Error('usage: environment-host --environment <name> --port <port>');
  }
  mkdirSync(workspace.environment(environment), { recursive: true });
  const previous = existsSync(hostStateFile(environment))
    ? (JSON.parse(readFileSync(hostStateFile(environment), 'utf8')) as EnvironmentState)
    : undefined;

  const front = new TrafficFront({ port });
  try {
    await front.listen();
  } catch (err) {
    if ((err as { code?: string }).code === 'EADDRINUSE') {
      throw new Error(
        `port ${port} of environment ${environment} is in use by another program: stop it, or choose another port with B2_LOCAL_PORTS=${environment}=<port>`,
      );
    }
    throw err;
  }
  const host = new EnvironmentHost(environment, port, front);
  const socket = hostSocket(environment);
  rmSync(socket, { force: true });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void host.shutdown().finally(() => {
      admin.close();
      rmSync(socket, { force: true });
      process.exit(0);
    });
  };
  const admin = createAdaptorServer({ fetch: adminApi(host, stop).fetch });
  await new Promise<void>((resolve) => admin.listen(socket, resolve));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await host
    .restore(previous)
    .catch((err: Error) => console.error(`could not restore the live release: ${err.message}`));
  host.persist();
  console.log(`environment ${environment} listening on http://127.0.0.1:${port}`);
  return new Promise<number>(() => undefined);
}

if (require.main === module) runMain(main);
