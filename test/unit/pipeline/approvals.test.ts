import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Decision,
  decisionsOf,
  Evidence,
  evidenceDigest,
  recordDecision,
  renderEvidence,
} from '../../../pipeline/local/approval/approvals';

const evidence: Evidence = {
  runId: '20250101T000000Z-abc1234',
  commit: 'abc1234def5678',
  environment: 'prod',
  gates: [{ gate: 'smoke', scope: 'staging', status: 'passed', durationMs: 4_200, summary: 'smoke passed' }],
  load: [
    {
      scenario: 'tenfold',
      environment: 'staging',
      p95Ms: 120,
      p99Ms: 180,
      achievedRate: 99.5,
      targetRate: 100,
      errorRate: 0,
      p95ChangePercent: 12.5,
      baselineP95Ms: 106.7,
    },
  ],
  liveCommit: '0123456789ab',
  commitsSinceLive: [{ sha: 'abc1234def5678', subject: 'Faster search', author: 'Ann', date: '2025-01-01' }],
  waivers: [],
};

describe('approvals and their audit log', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('digests the evidence independently of key order, and differently when the evidence differs', () => {
    const reordered = Object.fromEntries(Object.entries(evidence).reverse()) as unknown as Evidence;
    expect(evidenceDigest(reordered)).toBe(evidenceDigest(evidence));
    expect(evidenceDigest({ ...evidence, commit: 'other' })).not.toBe(evidenceDigest(evidence));
    expect(evidenceDigest(evidence)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('appends every decision and reads back those of one run', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'b2-audit-'));
    dirs.push(dir);
    const file = path.join(dir, 'approvals.jsonl');
    const decision: Decision = {
      runId: 'r1',
      commit: 'c',
      environment: 'prod',
      decision: 'approved',
      by: 'Ann',
      at: '2025-01-01T00:00:00Z',
      comment: 'ok',
      evidenceDigest: 'sha256:x',
      via: 'command',
    };
    recordDecision(file, decision);
    recordDecision(file, { ...decision, runId: 'r2', decision: 'rejected' });
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
    expect(decisionsOf(file, 'r2')).toEqual([{ ...decision, runId: 'r2', decision: 'rejected' }]);
  });

  it('shows the approver the gates, the k6 numbers against the baseline and the changes since the live release', () => {
    const text = renderEvidence(evidence);
    expect(text).toContain('Promote abc1234def56 to prod');
    expect(text).toMatch(/passed\s+staging\/smoke/);
    expect(text).toContain('p95 120.0 ms (+12.5% vs 106.7 ms)');
    expect(text).toContain('Changes since 0123456789ab (live in prod)');
    expect(text).toContain('Faster search');
  });
});
