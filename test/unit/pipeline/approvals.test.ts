import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readApiContractChange } from '../../../pipeline/kit/api-contract-change';
import {
  Decision,
  decisionsOf,
  Evidence,
  evidenceDigest,
  recordDecision,
  renderEvidence,
  requireAcknowledgement,
} from '../../../pipeline/local/approval/approvals';

/** What the api-compat gate writes (`<reportsDir>/api-compat/changes.json`): one breaking change, one compatible. */
const API_CHANGES_FIXTURE = path.join(__dirname, 'fixtures', 'api-compat', 'changes.json');

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

  it('adds the API contract change the api-compat gate wrote, the breaking ones marked in red, and the digest covers it', () => {
    const apiContract = readApiContractChange(API_CHANGES_FIXTURE);
    expect(apiContract).toMatchObject({
      base: '20261201T090000Z-1a2b3c4',
      breaking: [expect.objectContaining({ id: 'response-required-property-removed', path: '/memories/{id}' })],
      nonBreaking: [expect.objectContaining({ id: 'endpoint-added' })],
      marked: [expect.objectContaining({ token: 'breaking-api' })],
    });
    const withContract: Evidence = { ...evidence, apiContract };
    expect(evidenceDigest(withContract)).not.toBe(evidenceDigest(evidence));
    const text = renderEvidence(withContract);
    expect(text).toContain('API contract (against 20261201T090000Z-1a2b3c4):');
    expect(text).toMatch(/✖ the API contract breaks 1 thing .*\[acknowledge: breaking-api\]/);
    expect(text).toContain(
      "breaking response-required-property-removed (GET /memories/{id}): removed the required property 'category'",
    );
    expect(text).toContain('compatible endpoint-added (GET /memories/export): endpoint added');
    expect(text).toContain('To approve, name in the comment: breaking-api');
  });

  it('says the contract was not compared when the api-compat gate wrote nothing, and that there is no change when its lists are empty', () => {
    expect(readApiContractChange(path.join(__dirname, 'fixtures', 'no-such-file.json'))).toBeUndefined();
    expect(renderEvidence(evidence)).toContain('not compared (the api-compat gate did not run)');
    const dir = mkdtempSync(path.join(tmpdir(), 'b2-api-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'changes.json'), JSON.stringify({ base: 'r1', breaking: [], nonBreaking: [] }));
    const none = readApiContractChange(path.join(dir, 'changes.json'));
    expect(none?.marked).toEqual([]);
    expect(renderEvidence({ ...evidence, apiContract: none })).toContain('no API contract change');
  });

  it('refuses to read a change list that is not what the gate writes, rather than showing no change', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'b2-api-'));
    dirs.push(dir);
    const file = path.join(dir, 'changes.json');
    writeFileSync(file, JSON.stringify({ base: 'r1', breaking: 'yes' }));
    expect(() => readApiContractChange(file)).toThrow(
      /is not the api-compat gate's change list .*run the api-compat gate again/,
    );
  });

  it('refuses an approval whose comment does not name each red mark, in one line that says how to approve, and takes one that does', () => {
    const marked: Evidence = { ...evidence, apiContract: readApiContractChange(API_CHANGES_FIXTURE) };
    let refusal = '';
    try {
      requireAcknowledgement(marked, 'approved', 'looks good', 'run the approve command again');
    } catch (err) {
      refusal = (err as Error).message;
    }
    expect(refusal).toMatch(
      /^the evidence marks a change in red that the comment does not acknowledge \(the API contract breaks 1 thing .*\): run the approve command again with each named in --comment, e.g. --comment "<why>; acknowledged: breaking-api"$/,
    );
    expect(refusal.split('\n')).toHaveLength(1);
    expect(() =>
      requireAcknowledgement(marked, 'approved', 'clients updated; acknowledged: breaking-api', 'x'),
    ).not.toThrow();
    expect(() => requireAcknowledgement(marked, 'rejected', 'not now', 'x')).not.toThrow();
    expect(() => requireAcknowledgement(evidence, 'approved', 'looks good', 'x')).not.toThrow();
  });
});
