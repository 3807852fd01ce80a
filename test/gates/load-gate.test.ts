import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOAD_BUDGET } from '../../loadtest/budget';
import { Endpoint, LOAD_PROFILE } from '../../loadtest/profile';
import { LoadSummary, readSummary } from '../../loadtest/summary';
import { REGRESSION_EXIT_CODE, THRESHOLD_EXIT_CODE } from '../../loadtest/verdict';
import { GATES } from '../../pipeline/model/gates';
import { SETTING } from '../../service/src/settings';
import { missingReports } from '../harness/gate-reports';
import { LocalEnvironment, runTaskAsync, runTaskCommand, useLocalEnvironments } from '../harness/local-environment';
import { measuredOnQuietHost } from '../harness/quiet-host';

/**
 * The load gates against real local environments with real k6: a healthy environment passes,
 * one whose every answer is 250 ms late fails with k6's exit 99, a run much slower than the
 * promoted baseline fails although it is under 200 ms, and a run whose memories endpoints are
 * three times slower than a normal run's fails naming them. Runs are kept short (a 2 s ramp,
 * 6 s measured) so the file stays within a few minutes; the thresholds are the gate's own.
 */

const local = useLocalEnvironments();
/** Far above the 200 ms budget, so the slowed environment fails whatever the machine's load. */
const INJECTED_DELAY_MS = 250;
const SHORT_RUN = { B2_LOAD_DURATION: '6s', B2_LOAD_WARMUP: '2s' };

let healthy: LocalEnvironment;
let slowed: LocalEnvironment;

beforeAll(async () => {
  [healthy, slowed] = await Promise.all([
    local.start({ environment: 'dev' }),
    local.start({ environment: 'dev', settings: { B2_TEST_DELAY_MS: String(INJECTED_DELAY_MS) } }),
  ]);
});

/** Each run in a reports root of its own, the way the engine gives each run its folder. */
function reportsFor(run: string): { root: string; gate: (file: string) => string } {
  const root = path.join(local.scratch, 'reports', run);
  return { root, gate: (file) => path.join(root, 'load-current', file) };
}

/** The model's reports of a load gate, relative to the gate's own folder. */
const filesOf = (gate: 'load-current' | 'load-tenfold'): string[] =>
  GATES[gate].reports.map((report) => path.relative(gate, report.path));

describe('the reports the model declares for the load gates', () => {
  it('are the same files for both scenarios, so the current-load runs below cover the tenfold gate too', () => {
    expect(filesOf('load-tenfold')).toEqual(filesOf('load-current'));
  });
});

const workspace = path.join(local.scratch, 'pipeline');

describe('the load gate at the current load', () => {
  it('passes against a healthy environment and writes the k6 dashboard, summary, JUnit and readable report', async () => {
    const reports = reportsFor('healthy');
    const run = await runTaskAsync('load:current', {
      ...SHORT_RUN,
      B2_API_URL: healthy.url,
      B2_REPORTS_DIR: reports.root,
    });
    expect(run.output).toContain('load-current passed');
    expect(run.status).toBe(0);
    expect(missingReports(GATES['load-current'], reports.root)).toEqual([]);

    const summary = readSummary(reports.gate('summary.json'));
    expect(summary).toMatchObject({
      scenario: 'current',
      profileVersion: LOAD_PROFILE.version,
      targetRate: LOAD_PROFILE.requestsPerSecond,
      errorRate: 0,
      passed: true,
    });
    expect(summary.achievedRate).toBeGreaterThanOrEqual(
      LOAD_PROFILE.requestsPerSecond * LOAD_BUDGET.minAchievedRateRatio,
    );
    expect(summary.latencyMs.p95).toBeLessThan(LOAD_BUDGET.p95Ms);
    expect(Object.keys(summary.endpoints ?? {}).sort()).toEqual(['create', 'list', 'login', 'read', 'search']);
    expect(Object.values(summary.endpoints ?? {}).every((e) => e.passed)).toBe(true);
    expect(summary.referenceNote).toMatch(/^no reference baseline given/);
    expect(run.output).toMatch(/scenario current: 5 req\/s planned, [\d.]+ achieved/);

    expect(readFileSync(reports.gate('junit.xml'), 'utf8')).toMatch(
      /<testsuite name="load-current" tests="\d+" failures="0"/,
    );
    const page = readFileSync(reports.gate('report.html'), 'utf8');
    expect(page).toContain('load-current: k6 at the current load');
    expect(page).toContain('href="dashboard.html"');
    expect(readFileSync(reports.gate('dashboard.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/i);
  });

  it('fails with exit 99 and names the scenario and its p95 when every answer is 250 ms late', async () => {
    const reports = reportsFor('slowed');
    const run = await runTaskCommand('load:current', {
      ...SHORT_RUN,
      B2_API_URL: slowed.url,
      B2_REPORTS_DIR: reports.root,
    });
    expect(run.output).toMatch(/load-current FAILED: scenario current: p95 \d+\.\d ms is not under the 200 ms limit/);
    expect(run.status).toBe(THRESHOLD_EXIT_CODE);
    expect(missingReports(GATES['load-current'], reports.root)).toEqual([]);

    const summary = readSummary(reports.gate('summary.json'));
    expect(summary.passed).toBe(false);
    expect(summary.latencyMs.p95).toBeGreaterThanOrEqual(INJECTED_DELAY_MS);
    expect(summary.thresholds.find((t) => t.limit === 'p(95)<200')).toMatchObject({ passed: false });
    expect(readFileSync(reports.gate('junit.xml'), 'utf8')).toMatch(
      /<failure message="p95 latency: http_req_duration\{scenario:current\}: \d+(\.\d+)? breaks p\(95\)&lt;200"/,
    );
  });
});

describe('the load gate against the last promoted release', () => {
  let planted: string;

  beforeAll(() => {
    // A baseline of a release that answered in 1 ms at p95: far faster than anything here.
    const fast: LoadSummary = {
      profileVersion: LOAD_PROFILE.version,
      scenario: 'current',
      multiplier: 1,
      target: healthy.url,
      startedAt: new Date().toISOString(),
      durationSeconds: 6,
      targetRate: LOAD_PROFILE.requestsPerSecond,
      achievedRate: LOAD_PROFILE.requestsPerSecond,
      requests: 42,
      errorRate: 0,
      latencyMs: { p50: 0.5, p95: 1, p99: 1.2, max: 2 },
      thresholds: [],
      passed: true,
      failures: [],
    };
    mkdirSync(path.join(local.scratch, 'planted'), { recursive: true });
    planted = path.join(local.scratch, 'planted', 'summary.json');
    writeFileSync(planted, JSON.stringify(fast));
  });

  it("promotes a passed run to an environment's baseline with load:promote-baseline", async () => {
    const run = await runTaskAsync('load:promote-baseline', { B2_PIPELINE_DIR: workspace }, [
      '--environment',
      'prod',
      '--release',
      'abc1234',
      planted,
    ]);
    expect(run.output).toContain('baseline of load-current in prod is now');
    expect(run.status).toBe(0);
    const baseline = readSummary(path.join(workspace, 'baselines', 'prod', 'load-current.json'));
    expect(baseline.promotion).toMatchObject({ environment: 'prod', release: 'abc1234' });
  });

  it('makes that first promoted run the reference baseline too, recorded as set by the promotion', () => {
    const reference = readSummary(path.join(workspace, 'baselines', 'prod', 'reference', 'load-current.json'));
    expect(reference.latencyMs.p95).toBe(1);
    expect(reference.referenceAct).toMatchObject({ by: 'the promotion of release abc1234 to prod', byPromotion: true });
    const history = readFileSync(
      path.join(workspace, 'baselines', 'prod', 'reference', 'reference-history.jsonl'),
      'utf8',
    );
    expect(history.trim().split('\n')).toHaveLength(1);
  });

  it('fails a run more than 20% slower than that baseline, although it is under 200 ms', async () => {
    const reports = reportsFor('regressed');
    const run = await runTaskCommand('load:current', {
      ...SHORT_RUN,
      B2_API_URL: healthy.url,
      B2_REPORTS_DIR: reports.root,
      B2_PIPELINE_DIR: workspace,
      B2_LOAD_BASELINE_ENVIRONMENT: 'prod',
    });
    expect(run.output).toMatch(
      /load-current FAILED: scenario current: p95 \d+\.\d ms is \d+(\.\d)?% above the baseline's 1\.0 ms \(tolerance 20%\)/,
    );
    expect(run.status).toBe(REGRESSION_EXIT_CODE);

    const summary = readSummary(reports.gate('summary.json'));
    expect(summary.thresholds.every((t) => t.passed)).toBe(true);
    expect(summary.baseline).toMatchObject({
      p95: 1,
      passed: false,
      promotion: { environment: 'prod', release: 'abc1234' },
    });
    expect(summary.reference).toMatchObject({
      p95: 1,
      tolerancePercent: 30,
      passed: false,
      referenceAct: { byPromotion: true },
    });
    expect(readFileSync(reports.gate('report.html'), 'utf8')).toContain(
      'release <code>abc1234</code>, promoted to prod',
    );
    expect(readFileSync(reports.gate('junit.xml'), 'utf8')).toContain('type="regression"');
  });

  it('never makes a failed run the baseline', async () => {
    const failed = reportsFor('slowed').gate('summary.json');
    expect(existsSync(failed)).toBe(true);
    const run = await runTaskAsync('load:promote-baseline', { B2_PIPELINE_DIR: workspace }, [
      '--environment',
      'prod',
      failed,
    ]);
    expect(run.output).toMatch(/records a failed load run .*: it cannot become the baseline/);
    expect(run.status).not.toBe(0);
    expect(readSummary(path.join(workspace, 'baselines', 'prod', 'load-current.json')).latencyMs.p95).toBe(1);
  });
});

describe('the load gate per endpoint', () => {
  const MEMORIES: readonly Endpoint[] = ['list', 'search', 'read', 'create'];

  it('fails a run whose memories endpoints answer three times slower than a normal run, under 200 ms, naming each with its numbers', async () => {
    const normal = reportsFor('per-endpoint-normal');
    const first = await runTaskCommand('load:current', {
      ...SHORT_RUN,
      B2_API_URL: healthy.url,
      B2_REPORTS_DIR: normal.root,
    });
    expect(first.status, first.output.split('\n').slice(-8).join('\n')).toBe(0);
    const baseline = readSummary(normal.gate('summary.json'));
    const before = baseline.endpoints ?? {};

    // The memories endpoints' answers late by two and a half times the slowest one's median, so
    // each of them about triples and stays well under the 200 ms limit; login is left alone, as
    // a regression in the memories code would leave it.
    const delayMs = Math.max(20, Math.ceil(2.5 * Math.max(...MEMORIES.map((e) => before[e]?.p50 ?? 0))));
    const slowestP95 = Math.max(...MEMORIES.map((e) => before[e]?.p95 ?? 0));
    expect(slowestP95 + delayMs, `p95 ${slowestP95} ms + ${delayMs} ms must stay under 200 ms`).toBeLessThan(
      LOAD_BUDGET.p95Ms - 50,
    );
    const tripled = await local.start({
      environment: 'dev',
      settings: {
        [SETTING.testDelayMs]: String(delayMs),
        [SETTING.testDelayRequests]: 'GET /memories,GET /memories/:id,POST /memories',
      },
    });

    const reports = reportsFor('per-endpoint-tripled');
    const run = await runTaskCommand('load:current', {
      ...SHORT_RUN,
      B2_API_URL: tripled.url,
      B2_REPORTS_DIR: reports.root,
      B2_LOAD_BASELINE: normal.gate('summary.json'),
      B2_LOAD_REFERENCE: normal.gate('summary.json'),
    });
    // Login is not delayed, but on a busy machine it may drift beyond the tolerance on its own.
    expect(run.output).toMatch(
      /load-current FAILED: .*(login, )?list, search, read, create slower than the last promoted release: /,
    );
    expect(run.output).toMatch(/[:,] list p50 \d+\.\d ms → \d+\.\d ms \(\+\d+%, tolerance 20%\)/);
    expect(run.output).toMatch(/(login, )?list, search, read, create slower than the reference baseline: /);
    expect(run.status, run.output.split('\n').slice(-8).join('\n')).toBe(REGRESSION_EXIT_CODE);

    const summary = readSummary(reports.gate('summary.json'));
    expect(summary.thresholds.every((t) => t.passed)).toBe(true);
    for (const endpoint of MEMORIES) {
      expect(summary.endpoints?.[endpoint]?.p95).toBeLessThan(LOAD_BUDGET.p95Ms);
      // At least doubled, whatever the noise between two short runs on a shared machine.
      expect(summary.endpoints?.[endpoint]?.p50).toBeGreaterThanOrEqual(2 * (before[endpoint]?.p50 ?? 0));
      expect(summary.endpoints?.[endpoint]).toMatchObject({ passed: false });
      expect(summary.baseline?.endpoints?.[endpoint]).toMatchObject({ passed: false });
    }
    const junit = readFileSync(reports.gate('junit.xml'), 'utf8');
    for (const endpoint of MEMORIES) {
      expect(junit).toMatch(new RegExp(`<failure message="${endpoint}: p50 [\\d.]+ ms → [\\d.]+ ms`));
    }
    const page = readFileSync(reports.gate('report.html'), 'utf8');
    expect(page).toMatch(/<tr><td>list<\/td>.*<span class="verdict fail">failed<\/span>/);
  });
});

describe('load:set-reference', () => {
  let accepted: string;

  beforeAll(() => {
    const run: LoadSummary = {
      ...readSummary(path.join(workspace, 'baselines', 'prod', 'load-current.json')),
      latencyMs: { p50: 12, p95: 80, p99: 95, max: 110 },
      promotion: undefined,
    };
    accepted = path.join(local.scratch, 'planted', 'accepted.json');
    writeFileSync(accepted, JSON.stringify(run));
  });

  it('moves the reference only with a name and a reason, refusing a failed run in one line', async () => {
    const failed = await runTaskAsync('load:set-reference', { B2_PIPELINE_DIR: workspace }, [
      '--',
      '--from',
      reportsFor('slowed').gate('summary.json'),
      '--environment',
      'prod',
      '--by',
      'tester',
      '--comment',
      'a slow run',
    ]);
    expect(failed.output).toMatch(/error: .*records a failed load run .*: it cannot become the reference baseline\n/);
    expect(failed.status).not.toBe(0);

    const anonymous = await runTaskAsync('load:set-reference', { B2_PIPELINE_DIR: workspace }, [
      '--',
      '--from',
      accepted,
      '--environment',
      'prod',
    ]);
    expect(anonymous.output).toMatch(/error: --by is missing: who moves the reference/);
    expect(anonymous.status).not.toBe(0);

    const moved = await runTaskAsync('load:set-reference', { B2_PIPELINE_DIR: workspace }, [
      '--',
      '--from',
      accepted,
      '--environment',
      'prod',
      '--by',
      'tester',
      '--comment',
      'the new hashing cost is the expected speed',
    ]);
    expect(moved.output).toContain('reference baseline of load-current is now');
    expect(moved.status).toBe(0);
    const history = readFileSync(
      path.join(workspace, 'baselines', 'prod', 'reference', 'reference-history.jsonl'),
      'utf8',
    )
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { by: string; comment: string });
    expect(history.map((entry) => entry.by)).toEqual(['the promotion of release abc1234 to prod', 'tester']);
    expect(history[1].comment).toBe('the new hashing cost is the expected speed');
    expect(readSummary(path.join(workspace, 'baselines', 'prod', 'reference', 'load-current.json')).latencyMs.p95).toBe(
      80,
    );
  });
});

describe('the headroom search', () => {
  it('reports the highest multiple of the current load that held', async () => {
    const reports = reportsFor('headroom');
    const run = await measuredOnQuietHost('load-headroom against a healthy environment', () =>
      runTaskAsync('load:headroom', {
        B2_API_URL: healthy.url,
        B2_REPORTS_DIR: reports.root,
        B2_HEADROOM_STEPS: '1,2',
        B2_HEADROOM_STEP_DURATION: '5s',
      }),
    );
    expect(run.output).toMatch(/load-headroom: 2x the current load held \(10 req\/s\)/);
    expect(run.status).toBe(0);
    const result = JSON.parse(readFileSync(path.join(reports.root, 'load-headroom', 'headroom.json'), 'utf8'));
    expect(result).toMatchObject({ headroomMultiple: 2, headroomRate: 10 });
    expect(result.steps.map((s: { multiplier: number }) => s.multiplier)).toEqual([1, 2]);
  });

  it('stops at the first step that breaks the budget and fails when not even the current load held', async () => {
    const reports = reportsFor('headroom-slowed');
    const run = await runTaskAsync('load:headroom', {
      B2_API_URL: slowed.url,
      B2_REPORTS_DIR: reports.root,
      B2_HEADROOM_STEPS: '1,2',
      B2_HEADROOM_STEP_DURATION: '5s',
    });
    expect(run.output).toMatch(
      /load-headroom: not even the current load held \(1x broke the budget: scenario step-1x: p95 \d+\.\d ms/,
    );
    expect(run.status).not.toBe(0);
    const result = JSON.parse(readFileSync(path.join(reports.root, 'load-headroom', 'headroom.json'), 'utf8'));
    expect(result.steps).toHaveLength(1);
    expect(result.headroomMultiple).toBe(0);
  });
});
