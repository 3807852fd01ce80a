import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decisionsOf } from '../../../pipeline/local/approval/approvals';
import { LocalEnvironments } from '../../../pipeline/local/environments/local-environments';
import { CanaryJudgement, judgeCanary } from '../../../pipeline/local/judgement/canary-judge';
import {
  decideMarginal,
  judgementKey,
  recordJudgementDecision,
} from '../../../pipeline/local/judgement/marginal-decision';
import { RunContext } from '../../../pipeline/local/run/run-context';
import { RunJournal } from '../../../pipeline/local/run/run-journal';
import { readSummary, runAwaitingJudgement, RunSummary } from '../../../pipeline/local/run/run-record';
import { JUDGEMENT_POLICY, planFor } from '../../../pipeline/model';

const ENDPOINTS = ['list'];
const latencies = (ms: number): number[] => Array.from({ length: 40 }, (_, i) => ms + (i % 5) * 0.2);
/** list 1.6x slower: past the marginal ratio, short of the fail ratio. */
const MARGINAL: CanaryJudgement = judgeCanary(
  { list: { latenciesMs: latencies(16), errors: 0 } },
  { list: { latenciesMs: latencies(10), errors: 0 } },
  ENDPOINTS,
  JUDGEMENT_POLICY,
  0.001,
);

let workspace: string;
const lines: string[] = [];

function context(runId: string): RunContext {
  const run: RunSummary = {
    runId,
    commit: 'abc1234',
    version: 'abc1234',
    branch: 'main',
    subject: 'a marginal release',
    committedAt: '2026-01-01T00:00:00Z',
    dirty: false,
    trigger: 'test',
    startedAt: new Date().toISOString(),
    outcome: 'running',
    release: { id: runId, commit: 'abc1234', dir: '/nowhere', source: 'given' },
    skippedGates: [],
    minuteMs: 1_000,
    ports: { database: 1, environments: { prod: 2 } },
    stages: [],
    steps: [],
    deployments: [],
    approvals: [],
    waivers: [],
    baselinesPromoted: [],
  };
  const journal = new RunJournal(run);
  journal.save();
  return {
    run,
    plan: planFor(),
    options: { config: { ports: run.ports, minuteMs: 1_000 }, trigger: 'test', allowDirty: true, interactive: false },
    environments: new LocalEnvironments(run.ports),
    journal,
    signal: new AbortController().signal,
    parallelism: 1,
    gateDurations: new Map(),
    log: (line) => lines.push(line),
  };
}

beforeAll(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'b2-marginal-'));
  vi.stubEnv('B2_PIPELINE_DIR', workspace);
});
afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(workspace, { recursive: true, force: true });
});

describe('a marginal canary without a person at a terminal', () => {
  it('is judged marginal by the policy, for a person to decide', () => {
    expect(MARGINAL.outcome).toBe('marginal');
  });

  it('waits with the numbers and the commands, and promotes once approved by command', async () => {
    const ctx = context('20260101T000000Z-marg001');
    const decided = decideMarginal(ctx, 'prod', MARGINAL, ctx.signal);
    await vi.waitFor(() => expect(runAwaitingJudgement()?.runId).toBe(ctx.run.runId));
    expect(lines.join('\n')).toMatch(/Canary judgement: MARGINAL\n {2}marginal list {4}canary median 16\.\d ms/);
    expect(lines.join('\n')).toContain(`npx projen pipeline:approve --run ${ctx.run.runId}`);

    const { shown } = recordJudgementDecision(
      readSummary(ctx.run.runId),
      'approved',
      'Ann Lee',
      'within the noise we accept',
    );
    expect(shown).toContain('Canary judgement: MARGINAL');
    await expect(decided).resolves.toBe('promote');
    const [decision] = decisionsOf(path.join(workspace, 'approvals.jsonl'), ctx.run.runId);
    expect(decision).toMatchObject({
      environment: judgementKey('prod'),
      decision: 'approved',
      by: 'Ann Lee',
      via: 'command',
    });
    expect(decision.evidenceDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(ctx.run.steps.at(-1)?.summary).toBe(
      'marginal canary promoted by Ann Lee (command): within the noise we accept',
    );
    expect(readSummary(ctx.run.runId).awaitingJudgement).toBeUndefined();
  });

  it('rolls back when rejected by command, and refuses a second decision', async () => {
    const ctx = context('20260101T000001Z-marg002');
    const decided = decideMarginal(ctx, 'prod', MARGINAL, ctx.signal);
    await vi.waitFor(() => expect(runAwaitingJudgement(ctx.run.runId)).toBeDefined());
    const waiting = readSummary(ctx.run.runId);
    recordJudgementDecision(waiting, 'rejected', 'Ann Lee', 'list is slower than we accept');
    expect(() => recordJudgementDecision(waiting, 'approved', 'Bo', 'changed my mind')).toThrow(/already decided/);
    await expect(decided).resolves.toBe('rollback');
  });

  it('rolls back when the run is stopped while it waits', async () => {
    const ctx = context('20260101T000002Z-marg003');
    const stop = new AbortController();
    const decided = decideMarginal(ctx, 'prod', MARGINAL, stop.signal);
    await vi.waitFor(() => expect(runAwaitingJudgement(ctx.run.runId)).toBeDefined());
    stop.abort();
    await expect(decided).resolves.toBe('rollback');
    expect(ctx.run.steps.at(-1)?.summary).toBe('marginal canary rolled back: nobody decided in time');
  });
});
