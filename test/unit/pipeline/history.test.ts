import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendRun, deliveryMetrics, DeploymentRecord, readRuns, RunRecord } from '../../../pipeline/local/report/history';

const NOW = new Date('2026-11-25T12:00:00Z');

function prodDeployment(
  finishedAt: string,
  outcome: DeploymentRecord['outcome'],
  restoredAfterMs?: number,
): DeploymentRecord {
  return {
    environment: 'prod',
    releaseId: 'r',
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
