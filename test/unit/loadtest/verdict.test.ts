import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { k6Export, Measured, summaryOf } from './fixtures';
import { DEFAULT_REGRESSION_TOLERANCE } from '../../../loadtest/budget';
import { gateScenario, planLoad } from '../../../loadtest/plan';
import { LOAD_PROFILE } from '../../../loadtest/profile';
import { untilJudged } from '../../../loadtest/run';
import { BaselineLookup, findBaseline, parseSummary, readSummary, unfitAsBaseline } from '../../../loadtest/summary';
import {
  evaluateRun,
  HostDuringRun,
  NOT_JUDGED_EXIT_CODE,
  REGRESSION_EXIT_CODE,
  THRESHOLD_EXIT_CODE,
} from '../../../loadtest/verdict';

const tenfold = planLoad(LOAD_PROFILE, gateScenario('tenfold'), { warmupSeconds: 5, holdSeconds: 30 });
const NO_BASELINE = { note: 'no baseline given' };

function evaluate(measured: Measured, k6ExitCode = 0, baseline: BaselineLookup = NO_BASELINE, host?: HostDuringRun) {
  return evaluateRun(
    {
      plan: tenfold,
      k6: k6Export(tenfold, measured),
      k6ExitCode,
      target: 'http://127.0.0.1:9',
      startedAt: '2026-11-25T12:00:00Z',
      ...(host ? { host } : {}),
    },
    { baseline, tolerance: DEFAULT_REGRESSION_TOLERANCE },
  );
}

const scratch = mkdtempSync(path.join(tmpdir(), 'b2-verdict-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the load verdict', () => {
  it('passes a run under 200 ms at the planned rate, and records the numbers', () => {
    const { summary, exitCode } = evaluate({ p95: 42 });
    expect(exitCode).toBe(0);
    expect(summary).toMatchObject({
      scenario: 'tenfold',
      profileVersion: LOAD_PROFILE.version,
      targetRate: 50,
      achievedRate: 50,
      requests: 1500,
      errorRate: 0,
      latencyMs: { p50: 21, p95: 42, p99: 63, max: 84 },
      passed: true,
      failures: [],
      baselineNote: 'no baseline given',
    });
    expect(summary.thresholds.every((t) => t.passed)).toBe(true);
    expect(Object.keys(summary.endpoints ?? {})).toEqual(['login', 'list', 'search', 'read', 'create']);
    expect(Object.values(summary.endpoints ?? {}).every((e) => e.passed && e.failures?.length === 0)).toBe(true);
  });

  it('fails with exit 99 and names the scenario and the p95 when p95 reaches 200 ms', () => {
    const fast = { p50: 10, p95: 20 };
    const { summary, exitCode } = evaluate(
      { p95: 243.14, endpoints: { login: { p50: 150, p95: 190 }, list: fast, search: fast, read: fast, create: fast } },
      THRESHOLD_EXIT_CODE,
    );
    expect(exitCode).toBe(THRESHOLD_EXIT_CODE);
    expect(summary.passed).toBe(false);
    expect(summary.failures).toEqual(['scenario tenfold: p95 243.1 ms is not under the 200 ms limit']);
    expect(summary.thresholds.find((t) => t.name.startsWith('p95'))).toMatchObject({ actual: 243.14, passed: false });
  });

  it('fails with exit 99 naming an endpoint whose own p95 reaches 200 ms while the blend stays under it', () => {
    const { summary, exitCode } = evaluate(
      { p95: 120, endpoints: { search: { p50: 150, p95: 240 } } },
      THRESHOLD_EXIT_CODE,
    );
    expect(exitCode).toBe(THRESHOLD_EXIT_CODE);
    expect(summary.failures).toEqual(['scenario tenfold: search p95 240.0 ms is not under the 200 ms limit']);
    expect(summary.thresholds.find((t) => t.endpoint === 'search')).toMatchObject({
      name: 'p95 latency of search: http_req_duration{scenario:tenfold,endpoint:search}',
      limit: 'p(95)<200',
      actual: 240,
      passed: false,
    });
    expect(summary.endpoints?.search).toMatchObject({
      passed: false,
      failures: ['p95 240.0 ms is not under the 200 ms limit'],
    });
    expect(summary.endpoints?.list?.passed).toBe(true);
  });

  it('fails when the error rate is over budget, even when it is fast', () => {
    const { summary, exitCode } = evaluate({ p95: 12, errorRate: 0.05, checksRate: 0.95 }, THRESHOLD_EXIT_CODE);
    expect(exitCode).toBe(THRESHOLD_EXIT_CODE);
    expect(summary.failures.join('\n')).toContain('scenario tenfold: error rate 5.00% is over the 1.00% budget');
  });

  it('fails a run whose generator fell short of the planned rate, although k6 saw no crossed threshold', () => {
    const { summary, exitCode } = evaluate({ p95: 12, requests: 900 }, 0);
    expect(exitCode).toBe(THRESHOLD_EXIT_CODE);
    expect(summary.achievedRate).toBe(30);
    expect(summary.failures).toEqual([
      'scenario tenfold: achieved 30.0 req/s, under 95% of the planned 50 req/s: the load was not delivered',
    ]);
  });

  it('fails when k6 dropped sessions for want of VUs', () => {
    const { summary, exitCode } = evaluate({ p95: 150, dropped: 40 }, THRESHOLD_EXIT_CODE);
    expect(exitCode).toBe(THRESHOLD_EXIT_CODE);
    expect(summary.failures[0]).toMatch(/^scenario tenfold: k6 dropped 40 of 214 sessions/);
  });

  it('never passes a run k6 failed, even if no threshold result says why', () => {
    const { summary, exitCode } = evaluate({ p95: 12 }, THRESHOLD_EXIT_CODE);
    expect(exitCode).toBe(THRESHOLD_EXIT_CODE);
    expect(summary.passed).toBe(false);
  });
});

describe('a run the host starved of CPU', () => {
  const baseline = {
    summary: summaryOf({
      scenario: 'tenfold',
      latencyMs: { p50: 10, p95: 20, p99: 20, max: 20 },
      endpoints: undefined,
    }),
    source: 'baselines/prod/load-tenfold.json',
  };
  const gateOn = (steal: number): HostDuringRun => ({ steal, judgeStarved: false });

  it('is not judged by a gate: no regression, and no pass either, so it can never become a baseline', () => {
    const slow = evaluate({ p95: 60 }, 0, baseline, gateOn(0.35));
    expect(slow.exitCode).toBe(NOT_JUDGED_EXIT_CODE);
    expect(slow.summary.host).toEqual({ stealPercent: 35, starved: true, judged: false });
    expect(slow.summary.passed).toBe(false);
    expect(slow.summary.failures[0]).toBe(
      "scenario tenfold: not judged: the host took 35% of this machine's CPU (steal) while k6 ran, at or over the 20% at which a latency measures the host, not the release",
    );
    // What it measured is still shown.
    expect(slow.summary.failures[1]).toContain("200% above the baseline's 20.0 ms");

    const fast = evaluate({ p95: 21 }, 0, baseline, gateOn(0.35));
    expect(fast.exitCode).toBe(NOT_JUDGED_EXIT_CODE);
    expect(fast.summary.passed).toBe(false);
    expect(unfitAsBaseline(fast.summary, 'summary.json', 'the baseline')).toContain('not judged: the host took 35%');
  });

  it('is judged as measured under the share, with the share recorded', () => {
    const slow = evaluate({ p95: 60 }, 0, baseline, gateOn(0.19));
    expect(slow.exitCode).toBe(REGRESSION_EXIT_CODE);
    expect(slow.summary.host).toEqual({ stealPercent: 19, starved: false, judged: true });
    const fast = evaluate({ p95: 21 }, 0, baseline, gateOn(0.19));
    expect(fast.exitCode).toBe(0);
    expect(fast.summary.passed).toBe(true);
  });

  it('is judged as measured in a headroom step, which only records the share', () => {
    const step = evaluate({ p95: 21 }, 0, baseline, { steal: 0.35, judgeStarved: true });
    expect(step.exitCode).toBe(0);
    expect(step.summary).toMatchObject({ passed: true, host: { stealPercent: 35, starved: true, judged: true } });
  });

  it('reads a summary that does not say whether it was judged as judged (summaries written before it was recorded)', () => {
    const written = JSON.stringify({ ...summaryOf({}), host: { stealPercent: 35, starved: true } });
    expect(parseSummary(written, 'summary.json').host).toEqual({ stealPercent: 35, starved: true, judged: true });
  });

  it('is run again by a gate, at most three times, until a run is judged, whatever the runs measured', async () => {
    const steals = [0.4, 0.3, 0.05];
    const lines: string[] = [];
    let runs = 0;
    const verdict = await untilJudged(
      async () => evaluate({ p95: 21 }, 0, baseline, gateOn(steals[runs++])),
      (line) => lines.push(line),
    );
    expect(runs).toBe(3);
    expect(verdict.exitCode).toBe(0);
    expect(verdict.summary.host).toEqual({ stealPercent: 5, starved: false, judged: true });
    expect(lines).toEqual([
      "run 1 of 3 not judged: the host took 40% of this machine's CPU (steal) while k6 ran; running again",
      "run 2 of 3 not judged: the host took 30% of this machine's CPU (steal) while k6 ran; running again",
    ]);

    // A judged first run is the verdict, a regression included: it is never run again.
    runs = 0;
    const slow = await untilJudged(
      async () => (runs++, evaluate({ p95: 60 }, 0, baseline, gateOn(0.1))),
      () => {},
    );
    expect(runs).toBe(1);
    expect(slow.exitCode).toBe(REGRESSION_EXIT_CODE);
  });

  it('fails a gate unjudged when the host starved every run', async () => {
    let runs = 0;
    const verdict = await untilJudged(
      async () => (runs++, evaluate({ p95: 21 }, 0, baseline, gateOn(0.5))),
      () => {},
    );
    expect(runs).toBe(3);
    expect(verdict.exitCode).toBe(NOT_JUDGED_EXIT_CODE);
    expect(verdict.summary.passed).toBe(false);
    expect(verdict.summary.host?.judged).toBe(false);
  });
});

describe('the comparison of the blended p95 with the last promoted release', () => {
  // A baseline written before per-endpoint verdicts: only its blended numbers are compared.
  const baselineOf = (p95: number) => ({
    summary: summaryOf({
      scenario: 'tenfold',
      latencyMs: { p50: p95 / 2, p95, p99: p95, max: p95 },
      endpoints: undefined,
    }),
    source: 'baselines/prod/load-tenfold.json',
  });

  it('fails with its own exit code when p95 grew beyond the tolerance, although under 200 ms', () => {
    const { summary, exitCode } = evaluate({ p95: 60 }, 0, baselineOf(20));
    expect(exitCode).toBe(REGRESSION_EXIT_CODE);
    expect(summary.baseline).toMatchObject({
      p95: 20,
      p95ChangePercent: 200,
      tolerancePercent: 20,
      blendedPassed: false,
      passed: false,
    });
    expect(summary.failures).toEqual([
      "scenario tenfold: p95 60.0 ms is 200% above the baseline's 20.0 ms (tolerance 20%)",
    ]);
  });

  it('compares a baseline without per-endpoint numbers on the blended p95 alone, and says so', () => {
    const { summary } = evaluate({ p95: 22 }, 0, baselineOf(20));
    expect(summary.baseline?.endpoints).toBeUndefined();
    expect(summary.baseline?.endpointsNote).toBe(
      'the baseline records no per-endpoint latencies: only the blended p95 is compared',
    );
    expect(summary.passed).toBe(true);
  });

  it('passes a change within the tolerance, and one too small in milliseconds to be more than noise', () => {
    expect(evaluate({ p95: 23 }, 0, baselineOf(20)).exitCode).toBe(0);
    const noise = evaluate({ p95: 6 }, 0, baselineOf(3));
    expect(noise.summary.baseline).toMatchObject({ p95ChangePercent: 100, passed: true });
    expect(noise.exitCode).toBe(0);
  });

  it('reports a crossed threshold before a regression', () => {
    expect(evaluate({ p95: 250 }, THRESHOLD_EXIT_CODE, baselineOf(20)).exitCode).toBe(THRESHOLD_EXIT_CODE);
  });

  it('compares only with a baseline of the same profile version, and says so when it cannot', () => {
    const file = path.join(scratch, 'old-profile.json');
    writeFileSync(file, JSON.stringify(summaryOf({ profileVersion: '0.9.0' })));
    expect(findBaseline(file, 'current', '1.0.0')).toEqual({
      source: file,
      note: 'the baseline was measured under load profile 0.9.0, this run under 1.0.0: not comparable',
    });
    expect(findBaseline(path.join(scratch, 'none.json'), 'current', '1.0.0').note).toMatch(/^no baseline yet/);
    expect(findBaseline(undefined, 'current', '1.0.0').note).toMatch(
      /none of B2_LOAD_BASELINE_LOCATION, B2_LOAD_BASELINE_ENVIRONMENT, B2_LOAD_BASELINE is set/,
    );
    expect(() => findBaseline(file, 'tenfold', '0.9.0')).toThrow(/of scenario current, not tenfold/);
  });

  it('rejects a file that is not a load summary, naming the field', () => {
    const file = path.join(scratch, 'wrong.json');
    writeFileSync(file, JSON.stringify({ ...summaryOf(), latencyMs: { p95: 'fast' } }));
    expect(() => readSummary(file)).toThrow(/is not a load summary: latencyMs\.p50/);
  });
});
