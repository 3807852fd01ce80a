import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summaryOf } from './fixtures';
import { promoteBaseline } from '../../../loadtest/baseline';
import { baselineFile } from '../../../loadtest/baseline-store';
import { findBaseline, readSummary } from '../../../loadtest/summary';

const scratch = mkdtempSync(path.join(tmpdir(), 'b2-baseline-'));
const workspace = path.join(scratch, 'pipeline');
const previousWorkspace = process.env.B2_PIPELINE_DIR;

beforeAll(() => {
  process.env.B2_PIPELINE_DIR = workspace;
});

afterAll(() => {
  if (previousWorkspace === undefined) delete process.env.B2_PIPELINE_DIR;
  else process.env.B2_PIPELINE_DIR = previousWorkspace;
  rmSync(scratch, { recursive: true, force: true });
});

function summaryFile(name: string, overrides: Parameters<typeof summaryOf>[0] = {}): string {
  const file = path.join(scratch, `${name}.json`);
  writeFileSync(file, JSON.stringify(summaryOf(overrides)));
  return file;
}

describe('the load baselines', () => {
  it("are kept per environment and scenario in the local engine's workspace", () => {
    expect(baselineFile('prod', 'tenfold')).toBe(path.join(workspace, 'baselines', 'prod', 'load-tenfold.json'));
    expect(() => baselineFile('../prod', 'current')).toThrow(/is not an environment name/);
  });

  it('move to a passed run when a release is promoted, recording which release and when', async () => {
    const { baseline: file } = await promoteBaseline(summaryFile('passed'), 'prod', {
      release: 'abc1234',
      promotedAt: new Date('2026-11-25T12:30:00Z'),
    });
    expect(file).toBe(baselineFile('prod', 'current'));
    const baseline = readSummary(file);
    expect(baseline).toEqual({
      ...summaryOf(),
      promotion: { environment: 'prod', release: 'abc1234', promotedAt: '2026-11-25T12:30:00.000Z' },
    });
    expect(findBaseline(file, 'current', baseline.profileVersion).summary?.latencyMs.p95).toBe(20);
  });

  it("keep each environment's own: promoting to staging leaves prod's alone", async () => {
    await promoteBaseline(summaryFile('prod', { latencyMs: { p50: 5, p95: 10, p99: 12, max: 15 } }), 'prod');
    await promoteBaseline(summaryFile('staging', { latencyMs: { p50: 50, p95: 90, p99: 99, max: 120 } }), 'staging');
    expect(readSummary(baselineFile('prod', 'current')).latencyMs.p95).toBe(10);
    expect(readSummary(baselineFile('staging', 'current')).latencyMs.p95).toBe(90);
  });

  it('never move to a failed run or to a headroom step', async () => {
    const before = readSummary(baselineFile('prod', 'current'));
    const failed = summaryFile('failed', {
      passed: false,
      failures: ['scenario current: p95 300.0 ms is not under the 200 ms limit'],
    });
    await expect(promoteBaseline(failed, 'prod')).rejects.toThrow(
      /records a failed load run \(scenario current: p95 300\.0 ms/,
    );
    await expect(promoteBaseline(summaryFile('step', { scenario: 'step-15x' }), 'prod')).rejects.toThrow(
      /is a headroom step/,
    );
    expect(readSummary(baselineFile('prod', 'current'))).toEqual(before);
    expect(existsSync(baselineFile('prod', 'step-15x'))).toBe(false);
  });

  it('refuse a file that is not a load summary, naming it', async () => {
    const file = path.join(scratch, 'not-a-summary.json');
    writeFileSync(file, '{"scenario": "current"}');
    await expect(promoteBaseline(file, 'prod')).rejects.toThrow(/not-a-summary\.json is not a load summary/);
  });
});
