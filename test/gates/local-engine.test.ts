import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionsOf, Evidence, evidenceDigest } from '../../pipeline/local/approval/approvals';
import { EnvironmentState } from '../../pipeline/local/environments/environment-host';
import { RunSummary } from '../../pipeline/local/run/run-record';
import { engineEnvironment, EnginePorts, runDelivery, runEngine, runProcess } from '../harness/engine-process';
import { ProdLoad } from '../harness/prod-load';

/**
 * The local engine for real: DynamoDB Local, three environment hosts, real releases built by
 * `npx projen bundle`, real gates run as projen tasks. The runs here leave out the slow
 * pre-deploy gates (`--only-gates smoke`): the promotion, approval and rollback mechanics are
 * what is under test, and every gate has its own test. Ports are free ones, the workspace a
 * temporary folder; the environments are stopped at the end.
 */

/** One configured minute lasts a second here: prod's 5-minute bake takes 5 s. */
const FAST_MINUTE = '1s';

interface Finished {
  readonly code: number | null;
  readonly output: string;
}

const workspace = mkdtempSync(path.join(tmpdir(), 'b2-engine-'));
const releases = mkdtempSync(path.join(tmpdir(), 'b2-releases-'));
let env: NodeJS.ProcessEnv = {};
let ports: EnginePorts;

/** Runs the engine's command line as a person without a terminal would. */
function engine(args: string[], timeoutMs = 600_000): Promise<Finished> {
  return runEngine(args, env, timeoutMs);
}

interface RunOptions {
  /** A release folder to deliver. @default the engine builds this checkout */
  readonly release?: string;
  /** @default 'smoke' */
  readonly gates?: string;
  /** How long a configured minute lasts. @default FAST_MINUTE */
  readonly minute?: string;
  /** Gives prod's approval up front, as 'Test Approver'. @default false: the run stops at the approval */
  readonly approved?: boolean;
}

/** `run` of the engine on this (uncommitted) checkout, with only the verify gates the test needs. */
function deliver(options: RunOptions = {}): Promise<Finished> {
  return runDelivery(
    {
      gates: options.gates ?? 'smoke',
      minute: options.minute ?? FAST_MINUTE,
      release: options.release,
      approval: options.approved ? { by: 'Test Approver', comment: 'unattended' } : undefined,
    },
    env,
  );
}

/** A projen task, the way a person runs the approve command. */
function projenTask(task: string, args: string[]): Promise<Finished> {
  return runProcess('npx', ['projen', task, ...args], env);
}

const summaryOf = (runId: string): RunSummary =>
  JSON.parse(readFileSync(path.join(workspace, 'runs', runId, 'summary.json'), 'utf8')) as RunSummary;
const runIdIn = (output: string): string => {
  const match = /Run (\d{8}T\d{6}Z-[0-9a-f]{7}):/.exec(output);
  if (!match) throw new Error(`no run id in: ${output.slice(-2_000)}`);
  return match[1];
};
const stateOf = (environment: string): EnvironmentState =>
  JSON.parse(readFileSync(path.join(workspace, 'environments', environment, 'state.json'), 'utf8')) as EnvironmentState;

/**
 * A copy of a good release whose server is changed before it starts: `prelude` runs first,
 * then the real server. What it changes is what makes the release bad.
 */
function releaseWith(name: string, good: string, prelude: string): string {
  const dir = path.join(releases, name);
  cpSync(good, dir, { recursive: true });
  renameSync(path.join(dir, 'server', 'index.mjs'), path.join(dir, 'server', 'b2.mjs'));
  writeFileSync(path.join(dir, 'server', 'index.mjs'), `${prelude}\nawait import('./b2.mjs');\n`);
  return dir;
}

/** The good release the first run built, kept apart so later runs deliver exactly it. */
let goodRelease = '';

beforeAll(async () => {
  ({ env, ports } = await engineEnvironment(workspace));
});

afterAll(async () => {
  const stopped = await engine(['stop'], 120_000);
  expect(stopped.output).toMatch(/DynamoDB Local: (stopped|was not running)/);
  rmSync(workspace, { recursive: true, force: true });
  rmSync(releases, { recursive: true, force: true });
}, 180_000);

describe('the local engine', () => {
  it('stops a run without a terminal at the prod approval, and finishes it after the approve command and resume', async () => {
    const first = await deliver();
    expect(first.code, first.output).toBe(75);
    const runId = runIdIn(first.output);
    expect(first.output).toContain(`npx projen pipeline:approve --run ${runId} --by "<your name>" --comment "<why>"`);
    expect(first.output).toContain(`npx projen pipeline:reject --run ${runId}`);
    expect(first.output).toContain(`npx projen pipeline:resume --run ${runId}`);
    const waiting = summaryOf(runId);
    expect(waiting.outcome).toBe('awaiting-approval');
    expect(waiting.deployments.map((d) => [d.environment, d.outcome])).toEqual([
      ['dev', 'promoted'],
      ['staging', 'promoted'],
    ]);
    expect(stateOf('prod').live).toBeUndefined();
    goodRelease = path.join(releases, 'good');
    cpSync(waiting.release.dir, goodRelease, { recursive: true });

    const approved = await projenTask('pipeline:approve', [
      '--run',
      runId,
      '--by',
      'Test Approver',
      '--comment',
      'staging smoke passed',
    ]);
    expect(approved.code, approved.output).toBe(0);
    const [decision] = decisionsOf(path.join(workspace, 'approvals.jsonl'), runId);
    const evidence = JSON.parse(
      readFileSync(path.join(workspace, 'runs', runId, 'evidence-prod.json'), 'utf8'),
    ) as Evidence;
    expect(decision).toMatchObject({
      decision: 'approved',
      by: 'Test Approver',
      comment: 'staging smoke passed',
      via: 'command',
      environment: 'prod',
    });
    expect(decision.evidenceDigest).toBe(evidenceDigest(evidence));

    const resumed = await engine(['resume', '--run', runId]);
    expect(resumed.code, resumed.output).toBe(0);
    const done = summaryOf(runId);
    expect(done.outcome).toBe('promoted');
    expect(done.steps.find((s) => s.id === 'prod/smoke')?.status).toBe('passed');
    expect(stateOf('prod').live?.id).toBe(waiting.release.id);
    expect(existsSync(path.join(workspace, 'runs', runId, 'report.html'))).toBe(true);
    const health = (await (await fetch(`http://127.0.0.1:${ports.prod}/health`)).json()) as {
      version: string;
      environment: string;
    };
    expect(health).toMatchObject({ version: waiting.release.commit, environment: 'prod' });
  });

  it('keeps the environments running after a run, and brings a stopped one back with its live release and its data', async () => {
    const prodUrl = `http://127.0.0.1:${ports.prod}`;
    const live = stateOf('prod').live;
    expect((await fetch(`${prodUrl}/health`)).status).toBe(200);
    const user = new ProdLoad(prodUrl);
    await user.prepare(1, 1);

    const stopped = await engine(['stop']);
    expect(stopped.output).toMatch(/prod: stopped in/);
    await expect(fetch(`${prodUrl}/health`)).rejects.toThrow();
    const status = await engine(['status']);
    expect(status.output).toMatch(
      new RegExp(`prod\\s+stopped\\s+http://127.0.0.1:${ports.prod}\\s+last: live ${live?.id}`),
    );

    // The next run starts the environments again before it deploys anything; it stops at prod's approval.
    const run = await deliver({ release: goodRelease, gates: 'none', minute: '200ms' });
    expect(run.code, run.output).toBe(75);
    expect(stateOf('prod').live?.id).toBe(live?.id);
    expect(await user.missingRecords()).toEqual([]);
  });

  it('ends a rejected run without touching prod', async () => {
    const liveBefore = stateOf('prod').live?.id;
    const run = await deliver({ release: goodRelease });
    expect(run.code, run.output).toBe(75);
    const runId = runIdIn(run.output);

    const rejected = await engine(['reject', '--run', runId, '--by', 'Test Approver', '--comment', 'not this week']);
    expect(rejected.code, rejected.output).toBe(3);
    const summary = summaryOf(runId);
    expect(summary.outcome).toBe('rejected');
    expect(summary.deployments.map((d) => d.environment)).toEqual(['dev', 'staging']);
    expect(decisionsOf(path.join(workspace, 'approvals.jsonl'), runId)).toEqual([
      expect.objectContaining({ decision: 'rejected', by: 'Test Approver' }),
    ]);
    expect(stateOf('prod').live?.id).toBe(liveBefore);
    expect(stateOf('prod').candidate).toBeUndefined();

    const resumed = await engine(['resume', '--run', runId]);
    expect(resumed.code).toBe(2);
    expect(resumed.output).toContain(`run ${runId} is not waiting for an approval (it ended rejected)`);
  });

  it('stops promotion at a failing gate and sends that environment back to its previous release', async () => {
    const stagingBefore = stateOf('staging').live?.id;
    const prodBefore = stateOf('prod').live?.id;
    // A release that answers as another environment than the one it runs in: the smoke test checks it.
    const misconfigured = releaseWith('wrong-environment', goodRelease, "process.env.B2_ENVIRONMENT = 'qa';");
    const run = await deliver({ release: misconfigured, approved: true });
    expect(run.code, run.output).toBe(1);
    const summary = summaryOf(runIdIn(run.output));
    expect(summary.outcome).toBe('rolled-back');
    const smoke = summary.steps.find((s) => s.id === 'staging/smoke');
    expect(smoke?.status).toBe('failed');
    expect(run.output).toContain('staging/smoke failed');
    expect(summary.deployments.map((d) => [d.environment, d.outcome])).toEqual([
      ['dev', 'promoted'],
      ['staging', 'rolled-back'],
    ]);
    expect(summary.approvals).toEqual([]);
    expect(stateOf('staging').live?.id).toBe(stagingBefore);
    expect(stateOf('prod').live?.id).toBe(prodBefore);
  });

  it('rolls a release that is too slow for prod back while a load runs against prod, losing no request and no record', async () => {
    const prodUrl = `http://127.0.0.1:${ports.prod}`;
    const liveBefore = stateOf('prod').live?.id;
    const load = new ProdLoad(prodUrl);
    await load.prepare(12, 3);

    // Slower than prod's p99 alarm allows (500 ms), and only in prod: elsewhere the synthetic users' traffic would catch it first.
    const slow = releaseWith(
      'slow',
      goodRelease,
      "if (process.env.B2_ENVIRONMENT === 'prod') process.env.B2_TEST_DELAY_MS = '800';",
    );
    const running = load.start();
    let run: Finished;
    try {
      run = await deliver({ release: slow, minute: '4s', approved: true });
    } finally {
      await load.stop();
      await running;
    }
    expect(run.code, run.output).toBe(1);
    const summary = summaryOf(runIdIn(run.output));
    const prod = summary.deployments.find((d) => d.environment === 'prod');
    expect(prod?.outcome).toBe('rolled-back');
    expect(prod?.rollback?.reason).toMatch(/alarm latency: p\d+ latency \d+ ms over \d+ requests/);
    // Caught while it was still the canary, before it took all of prod's traffic.
    expect(prod?.rollback?.candidateShare).toBe(10);
    expect(run.output).toMatch(
      /rolled back in prod: alarm latency: .*traffic back on .* after detection, .* stopped after/,
    );
    expect(stateOf('prod').live?.id).toBe(liveBefore);
    expect(stateOf('prod').candidate).toBeUndefined();

    // The measured figures, for whoever reads the test log: how long the rollback took, under how much traffic.
    console.info(`${/rolled back in prod: [^\]\n]*/.exec(run.output)?.[0]} (${load.sent} requests during the run)`);
    expect(load.sent).toBeGreaterThan(500);
    expect(load.servedBy.has(summary.release.id)).toBe(true);
    expect(load.failures).toEqual([]);
    expect(await load.missingRecords()).toEqual([]);
  });
});
