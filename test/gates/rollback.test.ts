import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Evidence, renderEvidence } from '../../pipeline/local/approval/approvals';
import { EnvironmentState } from '../../pipeline/local/environments/environment-host';
import { deliveryMetrics, readHistory, readRuns } from '../../pipeline/local/report/history';
import { RunSummary } from '../../pipeline/local/run/run-record';
import {
  engineEnvironment,
  EngineResult,
  fileDigests,
  runDelivery,
  runEngine,
  runProcess,
} from '../harness/engine-process';
import { ProdLoad } from '../harness/prod-load';

/**
 * `pipeline:rollback` on the local engine for real: two releases delivered through dev, staging
 * and prod, then prod rolled back to the first while users keep using it through its front.
 * The runs leave out the gates (`--only-gates none`): delivery and rollback are what is under
 * test. Ports are free ones, the workspace a temporary folder; the environments are stopped at the end.
 */

const workspace = mkdtempSync(path.join(tmpdir(), 'b2-rollback-'));
const releases = mkdtempSync(path.join(tmpdir(), 'b2-rollback-releases-'));
let env: NodeJS.ProcessEnv = {};
let prodUrl = '';

const engine = (args: string[]): Promise<EngineResult> => runEngine(args, env);
/** The projen task, the way a person runs it. */
const rollbackTask = (args: string[]): Promise<EngineResult> =>
  runProcess('npx', ['projen', 'pipeline:rollback', '--', ...args], env);

function deliver(release?: string): Promise<EngineResult> {
  return runDelivery(
    { gates: 'none', minute: '500ms', release, approval: { by: 'Test Approver', comment: 'unattended' } },
    env,
  );
}

const runIdIn = (output: string): string => {
  const match = /Run (\d{8}T\d{6}Z-[0-9a-f]{7}):/.exec(output);
  if (!match) throw new Error(`no run id in: ${output.slice(-2_000)}`);
  return match[1];
};
const summaryOf = (runId: string): RunSummary =>
  JSON.parse(readFileSync(path.join(workspace, 'runs', runId, 'summary.json'), 'utf8')) as RunSummary;
const stateOf = (environment: string): EnvironmentState =>
  JSON.parse(readFileSync(path.join(workspace, 'environments', environment, 'state.json'), 'utf8')) as EnvironmentState;
const auditLines = (): Record<string, unknown>[] =>
  readFileSync(path.join(workspace, 'approvals.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** The release named by the API contract kept for prod's next api-compat gate. */
const prodContractVersion = (): string =>
  (
    JSON.parse(readFileSync(path.join(workspace, 'baselines', 'prod', 'openapi.json'), 'utf8')) as {
      info: { version: string };
    }
  ).info.version;

/** Every file of the workspace, leaving out the hosts' logs and sockets: equal snapshots mean nothing changed. */
const snapshot = (): Record<string, string> =>
  fileDigests(workspace, (name) => name.endsWith('.log') || name.endsWith('.sock'));

let first: RunSummary;
let second: RunSummary;

beforeAll(async () => {
  const engineEnv = await engineEnvironment(workspace);
  env = engineEnv.env;
  prodUrl = `http://127.0.0.1:${engineEnv.ports.prod}`;
});

afterAll(async () => {
  await engine(['stop']);
  rmSync(workspace, { recursive: true, force: true });
  rmSync(releases, { recursive: true, force: true });
}, 180_000);

describe('pipeline:rollback on the local engine', () => {
  it('delivers two releases to prod, the first with its templates kept and the second shown to change no infrastructure', async () => {
    const one = await deliver();
    expect(one.code, one.output).toBe(0);
    first = summaryOf(runIdIn(one.output));
    expect(existsSync(path.join(first.release.dir, 'infrastructure', 'prod'))).toBe(true);

    // The second release is the first's build with another start-up: the same templates.
    const copy = path.join(releases, 'second');
    cpSync(first.release.dir, copy, { recursive: true });
    renameSync(path.join(copy, 'server', 'index.mjs'), path.join(copy, 'server', 'b2.mjs'));
    writeFileSync(path.join(copy, 'server', 'index.mjs'), "await import('./b2.mjs');\n");
    // Its contract names it, so that the contract kept for prod's next release shows which release it is.
    const contract = JSON.parse(readFileSync(path.join(copy, 'openapi.json'), 'utf8')) as { info: { version: string } };
    writeFileSync(
      path.join(copy, 'openapi.json'),
      JSON.stringify({ ...contract, info: { ...contract.info, version: 'the-second-release' } }),
    );
    const two = await deliver(copy);
    expect(two.code, two.output).toBe(0);
    second = summaryOf(runIdIn(two.output));
    expect(stateOf('prod').live?.id).toBe(second.release.id);
    expect(prodContractVersion()).toBe('the-second-release');
    const evidence = JSON.parse(
      readFileSync(path.join(workspace, 'runs', second.runId, 'evidence-prod.json'), 'utf8'),
    ) as Evidence;
    expect(evidence.infrastructure).toMatchObject({ status: 'compared', liveRelease: first.release.id, marked: [] });
    expect(renderEvidence(evidence)).toContain(
      `Infrastructure (prod: ${second.release.id} against live ${first.release.id}):\n  no infrastructure change`,
    );
  });

  it('refuses an unknown environment, a release that never ran there and a rollback while a run drives the environments, in one line each, changing nothing', async () => {
    const before = snapshot();
    const unknownEnvironment = await rollbackTask(['--environment', 'qa', '--by', 'Ops', '--comment', 'x']);
    expect(unknownEnvironment.code).not.toBe(0);
    expect(unknownEnvironment.output).toMatch(/^error: unknown environment qa: choose one of dev, staging, prod$/m);

    const unknownRelease = await engine([
      'rollback',
      '--environment',
      'prod',
      '--to',
      'no-such-release',
      '--by',
      'Ops',
      '--comment',
      'x',
    ]);
    expect(unknownRelease.code).toBe(2);
    expect(unknownRelease.output.trim()).toBe(
      `error: release no-such-release never ran in prod: roll back to one that did (the latest: ${first.release.id}), or leave out --to for the one before ${second.release.id}`,
    );

    // What a run writes while it drives the environments: its id and its (live) process.
    const lock = path.join(workspace, 'run.lock');
    writeFileSync(lock, JSON.stringify({ pid: process.pid, runId: 'a-run-in-progress' }));
    try {
      const locked = await engine(['rollback', '--environment', 'prod', '--by', 'Ops', '--comment', 'x']);
      expect(locked.code).toBe(2);
      expect(locked.output.trim()).toBe(
        `error: run a-run-in-progress (process ${process.pid}) is driving the environments: wait for it to finish, then run again`,
      );
    } finally {
      rmSync(lock, { force: true });
    }
    expect(snapshot()).toEqual(before);
    expect(stateOf('prod').live?.id).toBe(second.release.id);
  });

  it('rolls prod back to the first release under live traffic through the front with no failed request, recorded in the history, the audit log and the report', async () => {
    const load = new ProdLoad(prodUrl);
    await load.prepare(8, 2);
    const running = load.start();
    let rolledBack: EngineResult;
    try {
      // Users on the second release before, and on the first after.
      await new Promise((r) => setTimeout(r, 1_500));
      rolledBack = await rollbackTask([
        '--environment',
        'prod',
        '--by',
        'Test Operator',
        '--comment',
        'exports time out since this release',
      ]);
      await new Promise((r) => setTimeout(r, 1_500));
    } finally {
      await load.stop();
      await running;
    }
    expect(rolledBack.code, rolledBack.output).toBe(0);
    expect(rolledBack.output).toContain(
      `✔ prod rolled back from ${second.release.id} to ${first.release.id} by Test Operator: exports time out since this release`,
    );
    expect(stateOf('prod').live?.id).toBe(first.release.id);
    expect(stateOf('prod').candidate).toBeUndefined();
    // The next release's api-compat gate compares with the contract prod runs again.
    expect(prodContractVersion()).toBe(
      (JSON.parse(readFileSync(path.join(first.release.dir, 'openapi.json'), 'utf8')) as { info: { version: string } })
        .info.version,
    );
    expect(load.failures).toEqual([]);
    expect(load.servedBy).toEqual(new Set([second.release.id, first.release.id]));
    expect(await load.missingRecords()).toEqual([]);

    const history = readHistory(path.join(workspace, 'history.jsonl'));
    const [rollback] = history.rollbacks ?? [];
    expect(rollback).toMatchObject({
      environment: 'prod',
      fromReleaseId: second.release.id,
      toReleaseId: first.release.id,
      by: 'Test Operator',
      failed: 0,
    });
    expect(rollback.requests).toBeGreaterThan(0);
    expect(history.failedChanges).toEqual([
      expect.objectContaining({ releaseId: second.release.id, environment: 'prod', restoredAt: rollback.restoredAt }),
    ]);
    const delivery = deliveryMetrics(readRuns(path.join(workspace, 'history.jsonl')), 'prod');
    expect(delivery.changeFailureRate).toBe(0.5);
    expect(delivery.timeToRestoreMs).toBe(
      Date.parse(rollback.restoredAt) - Date.parse(second.deployments.find((d) => d.environment === 'prod')!.startedAt),
    );
    expect(rolledBack.output).toMatch(
      new RegExp(`${second.release.id} recorded a failed change in prod, time to restore \\S+`),
    );

    expect(auditLines()).toContainEqual({
      environment: 'prod',
      decision: 'rolled-back',
      fromReleaseId: second.release.id,
      toReleaseId: first.release.id,
      by: 'Test Operator',
      at: rollback.startedAt,
      comment: 'exports time out since this release',
      via: 'command',
    });
    const page = readFileSync(path.join(workspace, 'runs', second.runId, 'report.html'), 'utf8');
    expect(page).toContain(
      `<td>prod</td><td>${second.release.id}</td><td>${first.release.id}</td><td>Test Operator</td>`,
    );

    // The measured figures, for whoever reads the test log.
    console.info(
      `rollback: ${rollback.failed} of ${rollback.requests} requests failed through the front; traffic on ${first.release.id} after ${rollback.trafficRestoredMs} ms, ` +
        `${second.release.id} stopped after ${rollback.durationMs} ms; time to restore ${delivery.timeToRestoreMs} ms; ${load.sent} requests by the users in all`,
    );
  });
});
