import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  appendRun,
  deliveryMetrics,
  DeploymentRecord,
  failedChangeMark,
  readHistory,
  readRuns,
  recordFailedChange,
  RunRecord,
} from '../../../pipeline/local/report/history';
import { PROJECT_ROOT } from '../../../pipeline/toolchain/paths';

const NOW = new Date('2026-11-25T12:00:00Z');

function prodDeployment(
  finishedAt: string,
  outcome: DeploymentRecord['outcome'],
  restoredAfterMs?: number,
  releaseId = 'r',
): DeploymentRecord {
  return {
    environment: 'prod',
    releaseId,
    startedAt: finishedAt,
    finishedAt,
    outcome,
    rollback:
      restoredAfterMs === undefined
        ? undefined
        : {
            reason: 'p95 latency 450 ms over 200 ms',
            detectedAt: finishedAt,
            restoredAt: new Date(Date.parse(finishedAt) + restoredAfterMs).toISOString(),
            trafficRestoredMs: 3,
            candidateStoppedMs: restoredAfterMs,
          },
  };
}

function run(
  runId: string,
  committedAt: string,
  deployments: DeploymentRecord[],
  outcome: RunRecord['outcome'] = 'promoted',
): RunRecord {
  return {
    runId,
    commit: runId,
    committedAt,
    trigger: 'push',
    startedAt: committedAt,
    finishedAt: committedAt,
    outcome,
    deployments,
  };
}

describe('the delivery metrics', () => {
  it('measures lead time from commit to production promotion as a median', () => {
    const runs = [
      run('a', '2026-11-20T10:00:00Z', [prodDeployment('2026-11-20T10:10:00Z', 'promoted')]),
      run('b', '2026-11-21T10:00:00Z', [prodDeployment('2026-11-21T10:30:00Z', 'promoted')]),
      run('c', '2026-11-22T10:00:00Z', [prodDeployment('2026-11-22T11:00:00Z', 'promoted')]),
    ];
    expect(deliveryMetrics(runs, 'prod', NOW).leadTimeMs).toBe(30 * 60_000);
  });

  it('counts successful production deployments per day over the window', () => {
    const runs = [
      run('a', '2026-11-20T10:00:00Z', [prodDeployment('2026-11-20T10:10:00Z', 'promoted')]),
      run('b', '2026-11-21T10:00:00Z', [prodDeployment('2026-11-21T10:10:00Z', 'promoted')]),
      run('old', '2026-09-01T10:00:00Z', [prodDeployment('2026-09-01T10:10:00Z', 'promoted')]),
    ];
    const metrics = deliveryMetrics(runs, 'prod', NOW, 10);
    expect(metrics.productionDeployments).toBe(2);
    expect(metrics.deploymentsPerDay).toBeCloseTo(0.2);
  });

  it('takes the change failure rate and time to restore from rolled-back production deployments', () => {
    const runs = [
      run('a', '2026-11-20T10:00:00Z', [prodDeployment('2026-11-20T10:10:00Z', 'promoted')]),
      run('b', '2026-11-21T10:00:00Z', [prodDeployment('2026-11-21T10:10:00Z', 'rolled-back', 1_500)], 'rolled-back'),
      run('c', '2026-11-22T10:00:00Z', [prodDeployment('2026-11-22T10:10:00Z', 'rolled-back', 2_500)], 'rolled-back'),
      run('d', '2026-11-23T10:00:00Z', [prodDeployment('2026-11-23T10:10:00Z', 'promoted')]),
    ];
    const metrics = deliveryMetrics(runs, 'prod', NOW);
    expect(metrics.changeFailureRate).toBe(0.5);
    expect(metrics.timeToRestoreMs).toBe(2_000);
  });

  it('leaves a measure undefined when the history has nothing to measure it by', () => {
    const metrics = deliveryMetrics([run('a', '2026-11-20T10:00:00Z', [], 'failed')], 'prod', NOW);
    expect(metrics).toMatchObject({ productionDeployments: 0, deploymentsPerDay: 0 });
    expect(metrics.leadTimeMs).toBeUndefined();
    expect(metrics.changeFailureRate).toBeUndefined();
    expect(metrics.timeToRestoreMs).toBeUndefined();
  });
});

describe('the run history', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'b2-history-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the last record of a run that was appended twice (awaiting approval, then resumed)', () => {
    const file = path.join(dir, 'history.jsonl');
    appendRun(file, run('a', '2026-11-20T10:00:00Z', [], 'awaiting-approval'));
    appendRun(file, run('b', '2026-11-20T11:00:00Z', [], 'failed'));
    appendRun(file, run('a', '2026-11-20T10:00:00Z', [prodDeployment('2026-11-20T12:00:00Z', 'promoted')]));
    const runs = readRuns(file);
    expect(runs.map((r) => [r.runId, r.outcome])).toEqual([
      ['b', 'failed'],
      ['a', 'promoted'],
    ]);
  });
});

const MINUTE = 60_000;
const at = (iso: string, plusMs: number): string => new Date(Date.parse(iso) + plusMs).toISOString();

/** A promoted prod deployment of `releaseId` that started at `startedAt` and took all traffic 10 minutes later. */
function promotedProd(releaseId: string, startedAt: string): DeploymentRecord {
  return { environment: 'prod', releaseId, startedAt, finishedAt: at(startedAt, 10 * MINUTE), outcome: 'promoted' };
}

describe('the delivery metrics from what users saw', () => {
  it('measures time to restore from the bad release’s first served request to all traffic back on the previous one', () => {
    const startedAt = '2026-11-21T10:10:00.000Z';
    const rolledBack: DeploymentRecord = {
      ...prodDeployment(startedAt, 'rolled-back'),
      rollback: {
        reason: 'p95 latency 450 ms over 200 ms',
        firstServedAt: at(startedAt, 5_000),
        detectedAt: at(startedAt, 65_000),
        restoredAt: at(startedAt, 65_004),
        trafficRestoredMs: 4,
        candidateStoppedMs: 900,
      },
    };
    const metrics = deliveryMetrics([run('b', '2026-11-21T10:00:00Z', [rolledBack], 'rolled-back')], 'prod', NOW);
    // From the first request users got from it, not the 4 ms the front took to switch back.
    expect(metrics.timeToRestoreMs).toBe(60_004);
  });

  it('counts a promoted release marked a failed change, restored when the next release took all traffic', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'b2-history-')), 'history.jsonl');
    appendRun(file, run('a', '2026-11-20T10:00:00Z', [promotedProd('good', '2026-11-20T10:10:00.000Z')]));
    appendRun(file, run('b', '2026-11-21T10:00:00Z', [promotedProd('bad', '2026-11-21T10:10:00.000Z')]));
    appendRun(file, run('c', '2026-11-21T12:00:00Z', [promotedProd('fix', '2026-11-21T12:10:00.000Z')]));
    const before = deliveryMetrics(readRuns(file), 'prod', NOW);
    expect(before.changeFailureRate).toBe(0);

    const mark = failedChangeMark(readHistory(file), {
      releaseId: 'bad',
      environment: 'prod',
      by: 'Ann Lee',
      comment: 'search returned other users’ drafts',
    });
    recordFailedChange({ history: file, audit: path.join(path.dirname(file), 'approvals.jsonl') }, mark);

    const metrics = deliveryMetrics(readRuns(file), 'prod', NOW);
    expect(metrics.changeFailureRate).toBeCloseTo(1 / 3);
    // From its deployment's start (the stand-in for its first served request) to the fix taking all traffic.
    expect(metrics.timeToRestoreMs).toBe(2 * 60 * MINUTE + 10 * MINUTE);
    // Still a production deployment, with its lead time.
    expect(metrics.productionDeployments).toBe(3);
    expect(readRuns(file).find((r) => r.runId === 'b')?.deployments[0].failedChange).toMatchObject({
      by: 'Ann Lee',
      comment: 'search returned other users’ drafts',
    });
  });

  it('takes the restore time a person gives when marking, and counts a marked release not restored yet as failed', () => {
    const runs = [run('a', '2026-11-20T10:00:00Z', [promotedProd('bad', '2026-11-20T10:10:00.000Z')])];
    const history = { runs, failedChanges: [] };
    const open = failedChangeMark(history, { releaseId: 'bad', environment: 'prod', by: 'Ann', comment: 'broken' });
    const marked = (restoredAt?: string) =>
      readRunsWith(runs, restoredAt === undefined ? open : { ...open, restoredAt });
    expect(deliveryMetrics(marked(), 'prod', NOW)).toMatchObject({ changeFailureRate: 1, timeToRestoreMs: undefined });
    expect(deliveryMetrics(marked('2026-11-20T10:40:00.000Z'), 'prod', NOW).timeToRestoreMs).toBe(30 * MINUTE);
  });

  it('reads history lines written before the first served request and the marks existed', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'b2-history-')), 'history.jsonl');
    const oldLine = {
      runId: 'old',
      commit: 'abc',
      committedAt: '2026-11-21T10:00:00Z',
      trigger: 'push',
      startedAt: '2026-11-21T10:00:00Z',
      finishedAt: '2026-11-21T10:20:00Z',
      outcome: 'rolled-back',
      deployments: [
        {
          environment: 'prod',
          releaseId: 'r1',
          startedAt: '2026-11-21T10:10:00Z',
          finishedAt: '2026-11-21T10:12:00Z',
          outcome: 'rolled-back',
          rollback: {
            reason: 'alarm 5xx',
            detectedAt: '2026-11-21T10:11:00.000Z',
            restoredAt: '2026-11-21T10:11:00.003Z',
            trafficRestoredMs: 3,
            candidateStoppedMs: 800,
          },
        },
      ],
    };
    writeFileSync(file, `${JSON.stringify(oldLine)}\n`);
    const metrics = deliveryMetrics(readRuns(file), 'prod', NOW);
    // Without a first served request, time to restore starts at the detection.
    expect(metrics).toMatchObject({ productionDeployments: 1, changeFailureRate: 1, timeToRestoreMs: 3 });
  });
});

/** The runs as `readRuns` returns them after `mark` was recorded. */
function readRunsWith(runs: readonly RunRecord[], mark: ReturnType<typeof failedChangeMark>): RunRecord[] {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'b2-history-')), 'history.jsonl');
  for (const r of runs) appendRun(file, r);
  recordFailedChange({ history: file, audit: path.join(path.dirname(file), 'approvals.jsonl') }, mark);
  return readRuns(file);
}

describe('marking a failed change (npx projen pipeline:mark-failed)', () => {
  const workspace = mkdtempSync(path.join(tmpdir(), 'b2-mark-failed-'));
  const history = path.join(workspace, 'history.jsonl');
  const approvals = path.join(workspace, 'approvals.jsonl');
  afterAll(() => rmSync(workspace, { recursive: true, force: true }));

  mkdirSync(workspace, { recursive: true });
  appendRun(history, {
    ...run('r-staging', '2026-11-22T10:00:00Z', [
      { ...promotedProd('only-staging', '2026-11-22T10:05:00.000Z'), environment: 'staging' },
    ]),
    outcome: 'rejected',
  });
  appendRun(
    history,
    run('r-rolled', '2026-11-22T11:00:00Z', [prodDeployment('2026-11-22T11:10:00.000Z', 'rolled-back', 5, 'rolled')]),
  );
  appendRun(history, run('r-bad', '2026-11-22T12:00:00Z', [promotedProd('bad', '2026-11-22T12:10:00.000Z')]));

  function markFailed(...args: string[]) {
    const result = spawnSync('npx', ['projen', 'pipeline:mark-failed', '--', ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, B2_PIPELINE_DIR: workspace, FORCE_COLOR: '0' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  }
  const files = () => [history, approvals].map((f) => (existsSync(f) ? readFileSync(f, 'utf8') : undefined));

  it('records the mark in the history and the audit log, with who and why', () => {
    const answer = markFailed('--release', 'bad', '--by', 'Ann Lee', '--comment', 'search timed out for everyone');
    expect(answer.output).toContain('release bad (run r-bad) marked a failed change in prod by Ann Lee');
    expect(answer.status).toBe(0);
    expect(readHistory(history).failedChanges).toEqual([
      expect.objectContaining({ kind: 'failed-change', releaseId: 'bad', runId: 'r-bad', by: 'Ann Lee' }),
    ]);
    const audit = readFileSync(approvals, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(audit).toEqual([
      expect.objectContaining({
        runId: 'r-bad',
        environment: 'prod',
        releaseId: 'bad',
        decision: 'marked-failed',
        by: 'Ann Lee',
        comment: 'search timed out for everyone',
        via: 'command',
      }),
    ]);
  }, 60_000);

  it.each([
    {
      what: 'a release that never reached prod',
      release: 'only-staging',
      message: /^error: release only-staging never reached prod: mark a release promoted there \(the latest: bad\)$/,
    },
    {
      what: 'a release the pipeline rolled back in prod',
      release: 'rolled',
      message:
        /^error: release rolled was rolled-back in prod by the pipeline \(run r-rolled\): it already counts as a failed change; nothing to mark$/,
    },
    {
      what: 'a release already marked',
      release: 'bad',
      message: /^error: release bad is already marked a failed change, by Ann Lee at .*: nothing to mark again$/,
    },
  ])(
    'refuses $what in one line, writing nothing',
    ({ release, message }) => {
      const before = files();
      const answer = markFailed('--release', release, '--by', 'Bo', '--comment', 'why');
      expect(answer.status).not.toBe(0);
      expect(answer.output.split('\n').filter((l) => l.startsWith('error: '))).toEqual([
        expect.stringMatching(message),
      ]);
      expect(files()).toEqual(before);
    },
    60_000,
  );

  it('refuses a restore time that is not a time after the release started, and a mark without who and why, writing nothing', () => {
    const promoted = {
      runs: [run('a', '2026-11-20T10:00:00Z', [promotedProd('x', '2026-11-20T10:10:00.000Z')])],
      failedChanges: [],
    };
    const request = { releaseId: 'x', environment: 'prod', by: 'Bo', comment: 'why' };
    expect(() => failedChangeMark(promoted, { ...request, restoredAt: 'later' })).toThrow(
      '--restored-at later is not a time: give an ISO 8601 time',
    );
    expect(() => failedChangeMark(promoted, { ...request, restoredAt: '2026-11-20T09:00:00Z' })).toThrow(
      'is before release x started in prod',
    );
    const before = files();
    const answer = markFailed('--release', 'bad', '--by', 'Bo');
    expect(answer.output).toContain('error: mark-failed needs --release <id>, --by <your name> and --comment <why>');
    expect(files()).toEqual(before);
  }, 60_000);
});
