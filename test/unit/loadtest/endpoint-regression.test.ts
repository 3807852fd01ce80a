import { describe, expect, it } from 'vitest';
import { EndpointLatency, k6Export, Measured, summaryOf } from './fixtures';
import { DEFAULT_REGRESSION_TOLERANCE } from '../../../loadtest/budget';
import { gateScenario, planLoad } from '../../../loadtest/plan';
import { Endpoint, LOAD_PROFILE } from '../../../loadtest/profile';
import { BaselineLookup, EndpointStats } from '../../../loadtest/summary';
import { evaluateRun, REGRESSION_EXIT_CODE } from '../../../loadtest/verdict';

/*
 * The comparison with the last promoted release, endpoint by endpoint. The numbers are the
 * shape of a real run: login's password hashing sets the blended p95 of the session mix, and
 * the memories endpoints answer in a few to a few tens of milliseconds.
 */

const current = planLoad(LOAD_PROFILE, gateScenario('current'), { warmupSeconds: 5, holdSeconds: 30 });

const LOGIN: EndpointLatency = { p50: 90, p95: 130 };
const BEFORE: Record<Endpoint, EndpointLatency> = {
  login: LOGIN,
  list: { p50: 14.2, p95: 20 },
  search: { p50: 12, p95: 18 },
  read: { p50: 10, p95: 16 },
  create: { p50: 15, p95: 22 },
};
/** Blended over the session mix, p95 lands in login's numbers. */
const BLENDED_P95 = 128;

const stats = (latency: Record<Endpoint, EndpointLatency>): Record<string, EndpointStats> =>
  Object.fromEntries(
    Object.entries(latency).map(([name, l]) => [name, { p50: l.p50, p95: l.p95, p99: l.p95, max: l.p95 }]),
  );

const lastPromoted: BaselineLookup = {
  summary: summaryOf({
    latencyMs: { p50: 14, p95: BLENDED_P95, p99: 140, max: 160 },
    endpoints: stats(BEFORE),
    promotion: { environment: 'prod', release: 'abc1234', promotedAt: '2026-11-20T09:00:00.000Z' },
  }),
  source: '.pipeline/baselines/prod/load-current.json',
};

function runWith(endpoints: Partial<Record<Endpoint, EndpointLatency>>, blendedP95 = BLENDED_P95) {
  const measured: Measured = { p95: blendedP95, endpoints: { ...BEFORE, ...endpoints } };
  return evaluateRun(
    {
      plan: current,
      k6: k6Export(current, measured),
      k6ExitCode: 0,
      target: 'http://127.0.0.1:9',
      startedAt: '2026-11-25T12:00:00Z',
    },
    { baseline: lastPromoted, tolerance: DEFAULT_REGRESSION_TOLERANCE },
  );
}

const tripled = (l: EndpointLatency): EndpointLatency => ({ p50: l.p50 * 3, p95: l.p95 * 3 });

describe('the per-endpoint comparison with the last promoted release', () => {
  it('fails a uniform 3x slowdown of every memories endpoint under 200 ms, naming list, search, read and create with their numbers', () => {
    const { summary, exitCode } = runWith({
      list: { p50: 41, p95: 60 },
      search: tripled(BEFORE.search),
      read: tripled(BEFORE.read),
      create: tripled(BEFORE.create),
    });
    expect(exitCode).toBe(REGRESSION_EXIT_CODE);
    expect(summary.thresholds.every((t) => t.passed)).toBe(true);
    expect(summary.failures).toHaveLength(1);
    const [failure] = summary.failures;
    expect(failure).toMatch(/^scenario current: list, search, read, create slower than the last promoted release: /);
    expect(failure).toContain('list p50 14.2 ms → 41.0 ms (+189%, tolerance 20%)');
    expect(failure).toContain('list p95 20.0 ms → 60.0 ms (+200%, tolerance 20%)');
    expect(failure).toContain('create p50 15.0 ms → 45.0 ms (+200%, tolerance 20%)');
    expect(failure).not.toContain('login');
    expect(summary.baseline?.endpoints?.list).toEqual({
      p50: 14.2,
      p95: 20,
      p50ChangePercent: 188.7,
      p95ChangePercent: 200,
      passed: false,
    });
    expect(summary.endpoints?.search).toMatchObject({
      passed: false,
      failures: [
        'p50 12.0 ms → 36.0 ms (+200%, tolerance 20%) against the last promoted release',
        'p95 18.0 ms → 54.0 ms (+200%, tolerance 20%) against the last promoted release',
      ],
    });
  });

  it('still fails per endpoint when login keeps the blended p95 where it was', () => {
    const { summary, exitCode } = runWith({
      list: tripled(BEFORE.list),
      search: tripled(BEFORE.search),
      read: tripled(BEFORE.read),
      create: tripled(BEFORE.create),
    });
    expect(summary.latencyMs.p95).toBe(BLENDED_P95);
    expect(summary.baseline).toMatchObject({ p95ChangePercent: 0, blendedPassed: true, passed: false });
    expect(summary.endpoints?.login).toMatchObject({ passed: true, failures: [] });
    expect(
      Object.entries(summary.endpoints ?? {})
        .filter(([, e]) => !e.passed)
        .map(([name]) => name),
    ).toEqual(['list', 'search', 'read', 'create']);
    expect(exitCode).toBe(REGRESSION_EXIT_CODE);
  });

  it('fails when one endpoint only is slower, naming it alone', () => {
    const { summary, exitCode } = runWith({ search: { p50: 20, p95: 18 } });
    expect(exitCode).toBe(REGRESSION_EXIT_CODE);
    expect(summary.failures).toEqual([
      'scenario current: search slower than the last promoted release: search p50 12.0 ms → 20.0 ms (+67%, tolerance 20%)',
    ]);
    expect(
      Object.entries(summary.endpoints ?? {})
        .filter(([, e]) => !e.passed)
        .map(([name]) => name),
    ).toEqual(['search']);
  });

  it('passes noise within the tolerance: under 20% slower, or more in percent but under 5 ms', () => {
    const { summary, exitCode } = runWith({
      list: { p50: 16.5, p95: 23.9 },
      search: { p50: 11, p95: 17 },
      login: { p50: 104, p95: 150 },
      create: { p50: 15, p95: 26.5 },
    });
    expect(summary.failures).toEqual([]);
    expect(exitCode).toBe(0);
    expect(summary.baseline?.endpoints?.create).toMatchObject({ p95ChangePercent: 20.5, passed: true });
  });

  it('is not defeated by a noisy p95 in the baseline: a median that tripled fails on its own', () => {
    const noisy: BaselineLookup = {
      ...lastPromoted,
      summary: { ...lastPromoted.summary!, endpoints: stats({ ...BEFORE, read: { p50: 10, p95: 95 } }) },
    };
    const { summary, exitCode } = evaluateRun(
      {
        plan: current,
        k6: k6Export(current, { p95: BLENDED_P95, endpoints: { ...BEFORE, read: { p50: 30, p95: 60 } } }),
        k6ExitCode: 0,
        target: 'http://127.0.0.1:9',
        startedAt: '2026-11-25T12:00:00Z',
      },
      { baseline: noisy, tolerance: DEFAULT_REGRESSION_TOLERANCE },
    );
    expect(exitCode).toBe(REGRESSION_EXIT_CODE);
    expect(summary.failures).toEqual([
      'scenario current: read slower than the last promoted release: read p50 10.0 ms → 30.0 ms (+200%, tolerance 20%)',
    ]);
  });

  it('says which endpoints the baseline has no numbers for, and compares the rest', () => {
    const partial: BaselineLookup = {
      ...lastPromoted,
      summary: { ...lastPromoted.summary!, endpoints: stats({ ...BEFORE }) },
    };
    delete partial.summary!.endpoints!.create;
    const { summary } = evaluateRun(
      {
        plan: current,
        k6: k6Export(current, { p95: BLENDED_P95, endpoints: BEFORE }),
        k6ExitCode: 0,
        target: 'http://127.0.0.1:9',
        startedAt: '2026-11-25T12:00:00Z',
      },
      { baseline: partial, tolerance: DEFAULT_REGRESSION_TOLERANCE },
    );
    expect(Object.keys(summary.baseline?.endpoints ?? {})).toEqual(['login', 'list', 'search', 'read']);
    expect(summary.baseline?.endpointsNote).toBe('the baseline has no numbers for create: not compared');
  });
});
