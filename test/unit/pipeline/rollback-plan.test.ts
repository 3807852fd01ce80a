import { describe, expect, it } from 'vitest';
import { DeploymentRecord, History, RunRecord } from '../../../pipeline/local/report/history';
import { checkDataFits, liveSequence, rollbackTarget } from '../../../pipeline/local/rollback/rollback-plan';

/** A run that promoted `releaseId` to prod, finishing at `at`. */
function promoted(releaseId: string, at: string, outcome: DeploymentRecord['outcome'] = 'promoted'): RunRecord {
  return {
    runId: releaseId,
    commit: releaseId,
    committedAt: at,
    trigger: 'manual',
    startedAt: at,
    finishedAt: at,
    outcome: outcome === 'promoted' ? 'promoted' : 'rolled-back',
    deployments: [
      { environment: 'staging', releaseId, startedAt: at, finishedAt: at, outcome: 'promoted' },
      { environment: 'prod', releaseId, startedAt: at, finishedAt: at, outcome },
    ],
  };
}

const history: History = {
  runs: [
    promoted('r1', '2026-12-01T10:00:00Z'),
    promoted('r2', '2026-12-01T11:00:00Z'),
    promoted('r3', '2026-12-01T12:00:00Z', 'rolled-back'),
    promoted('r4', '2026-12-01T13:00:00Z'),
  ],
  failedChanges: [],
};

describe('which release a rollback on demand goes back to', () => {
  it('goes back to the release live before the live one by default, skipping one the pipeline rolled back', () => {
    expect(liveSequence(history, 'prod').map((e) => e.releaseId)).toEqual(['r1', 'r2', 'r4']);
    expect(rollbackTarget(history, { environment: 'prod', live: 'r4' })).toEqual({
      environment: 'prod',
      from: 'r4',
      to: 'r2',
      fromPromoted: true,
    });
  });

  it('goes back to the release named with --to when it ran there', () => {
    expect(rollbackTarget(history, { environment: 'prod', live: 'r4', to: 'r1' }).to).toBe('r1');
  });

  it('leaves out a release marked a failed change, and counts a rollback as a release going live', () => {
    const after: History = {
      ...history,
      failedChanges: [
        {
          kind: 'failed-change',
          environment: 'prod',
          releaseId: 'r2',
          runId: 'r2',
          commit: 'r2',
          by: 'Ann',
          comment: 'broke export',
          at: '2026-12-01T12:30:00Z',
        },
      ],
      rollbacks: [
        {
          kind: 'rollback',
          environment: 'prod',
          fromReleaseId: 'r4',
          toReleaseId: 'r1',
          by: 'Ann',
          comment: 'slow',
          startedAt: '2026-12-01T14:00:00Z',
          restoredAt: '2026-12-01T14:00:02Z',
          trafficRestoredMs: 2_000,
          durationMs: 2_500,
          requests: 100,
          failed: 0,
        },
      ],
    };
    expect(liveSequence(after, 'prod').map((e) => e.releaseId)).toEqual(['r1', 'r2', 'r4', 'r1']);
    // r1 is live through the rollback: rolling it back is no new failed change; r2 is marked failed, so r4 is next.
    expect(rollbackTarget(after, { environment: 'prod', live: 'r1' })).toEqual({
      environment: 'prod',
      from: 'r1',
      to: 'r4',
      fromPromoted: false,
    });
  });

  it('refuses, in one line with what to do, a release that never ran there, the live one, and an environment with nothing before', () => {
    expect(() => rollbackTarget(history, { environment: 'prod', live: 'r4', to: 'r3' })).toThrow(
      /^release r3 never ran in prod: roll back to one that did \(the latest: r2, r1\), or leave out --to for the one before r4$/,
    );
    expect(() => rollbackTarget(history, { environment: 'prod', live: 'r4', to: 'nope' })).toThrow(/never ran in prod/);
    expect(() => rollbackTarget(history, { environment: 'prod', live: 'r4', to: 'r4' })).toThrow(
      'release r4 is already live in prod: nothing to roll back',
    );
    expect(() => rollbackTarget(history, { environment: 'prod', live: undefined })).toThrow(
      'nothing is live in prod: there is nothing to roll back',
    );
    const first: History = { runs: [promoted('r1', '2026-12-01T10:00:00Z')], failedChanges: [] };
    expect(() => rollbackTarget(first, { environment: 'prod', live: 'r1' })).toThrow(
      /^prod has had no good release before r1: there is nothing to roll back to; fix forward with a new run$/,
    );
  });

  it("refuses a release whose data schema the environment's data no longer fits, and takes one it fits", () => {
    const target = { environment: 'prod', from: 'r4', to: 'r2', fromPromoted: true };
    expect(() => checkDataFits(target, { version: 1, readableFrom: 1 }, { version: 2, readableFrom: 2 })).toThrow(
      /^release r2 reads data version 1, but prod's data was since written by a release that only data version 2 or later can read: roll back to a release of data version 2 or later, or fix forward$/,
    );
    // An expanding change (version 2, still readable from 1) leaves the older release able to read the data.
    expect(() => checkDataFits(target, { version: 1, readableFrom: 1 }, { version: 2, readableFrom: 1 })).not.toThrow();
    expect(() => checkDataFits(target, { version: 1, readableFrom: 1 }, undefined)).not.toThrow();
  });
});
