import { describe, expect, it } from 'vitest';
import type { EndpointSamples } from '../../../pipeline/local/environments/release-metrics';
import { higherProportionPValue, judgeCanary, mannWhitneyPValue } from '../../../pipeline/local/judgement/canary-judge';
import { JUDGEMENT_POLICY } from '../../../pipeline/model';

const ENDPOINTS = ['login', 'list', 'search', 'read', 'create'];
/** Prod's rollback error rate: one request in a thousand. */
const MAX_ERROR_RATE = 0.001;

/** A deterministic spread of latencies around `center` (no randomness: a judge test must not flake). */
function latencies(center: number, count: number, spread = 0.3): number[] {
  return Array.from({ length: count }, (_, i) => center * (1 - spread / 2 + (spread * ((i * 7919) % count)) / count));
}

function side(
  center: Record<string, number>,
  count = 60,
  errors: Record<string, number> = {},
): Record<string, EndpointSamples> {
  return Object.fromEntries(
    ENDPOINTS.map((endpoint) => [
      endpoint,
      { latenciesMs: latencies(center[endpoint] ?? 5, count), errors: errors[endpoint] ?? 0 },
    ]),
  );
}

const HEALTHY = { login: 60, list: 6, search: 7, read: 4, create: 8 };

describe('the rank test and the proportion test', () => {
  it('give the p-values of the reference implementation (scipy, asymptotic, continuity-corrected)', () => {
    const a = Array.from({ length: 10 }, (_, i) => i + 1);
    const b = Array.from({ length: 10 }, (_, i) => i + 5);
    expect(mannWhitneyPValue(a, b)).toBeCloseTo(0.017006577801423665, 6);
    expect(mannWhitneyPValue([1, 2, 2, 3, 3, 3, 4], [3, 4, 4, 5, 5, 6, 7, 7])).toBeCloseTo(0.004793348746185457, 6);
    expect(mannWhitneyPValue(a, a)).toBe(1);
  });

  it('finds a higher failure share significant only with enough requests', () => {
    expect(higherProportionPValue(10, 100, 0, 100)).toBeLessThan(0.01);
    expect(higherProportionPValue(1, 20, 0, 20)).toBeGreaterThan(0.1);
    expect(higherProportionPValue(0, 100, 0, 100)).toBe(1);
  });
});

describe('the canary judge', () => {
  it('passes a canary that serves every endpoint like the previous release', () => {
    const judgement = judgeCanary(side(HEALTHY), side(HEALTHY, 120), ENDPOINTS, JUDGEMENT_POLICY, MAX_ERROR_RATE);
    expect(judgement.outcome).toBe('pass');
    expect(judgement.endpoints.map((e) => e.outcome)).toEqual(ENDPOINTS.map(() => 'pass'));
  });

  it('fails a canary three times slower on one endpoint, naming it and the numbers', () => {
    const judgement = judgeCanary(
      side({ ...HEALTHY, search: 21 }),
      side(HEALTHY, 120),
      ENDPOINTS,
      JUDGEMENT_POLICY,
      MAX_ERROR_RATE,
    );
    expect(judgement.outcome).toBe('fail');
    expect(judgement.endpoints.filter((e) => e.outcome !== 'pass').map((e) => e.endpoint)).toEqual(['search']);
    expect(judgement.summary).toMatch(
      /^canary judged fail: search slower: median 2\d\.\d ms against 7\.\d ms \(3\.\d\dx, p /,
    );
  });

  it('calls a significant but moderate slowdown marginal, for a person to decide', () => {
    const judgement = judgeCanary(
      side({ ...HEALTHY, login: 100 }),
      side(HEALTHY, 120),
      ENDPOINTS,
      JUDGEMENT_POLICY,
      MAX_ERROR_RATE,
    );
    expect(judgement.outcome).toBe('marginal');
    expect(judgement.summary).toMatch(/^canary judged marginal: login slower/);
  });

  it('ignores a significant difference of less than the smallest one worth acting on', () => {
    const judgement = judgeCanary(
      side({ ...HEALTHY, read: 8 }),
      side(HEALTHY, 120),
      ENDPOINTS,
      JUDGEMENT_POLICY,
      MAX_ERROR_RATE,
    );
    expect(judgement.outcome).toBe('pass');
  });

  it('fails an endpoint whose failures are significantly more than the previous release’s', () => {
    const judgement = judgeCanary(
      side(HEALTHY, 100, { read: 10 }),
      side(HEALTHY, 100),
      ENDPOINTS,
      JUDGEMENT_POLICY,
      MAX_ERROR_RATE,
    );
    expect(judgement.outcome).toBe('fail');
    expect(judgement.summary).toContain('read errors: 10/100 failed against 0/100');
  });

  it('calls failures over the budget but not yet significant marginal', () => {
    const judgement = judgeCanary(
      side(HEALTHY, 30, { read: 1 }),
      side(HEALTHY, 30),
      ENDPOINTS,
      JUDGEMENT_POLICY,
      MAX_ERROR_RATE,
    );
    expect(judgement.outcome).toBe('marginal');
  });

  it('fails closed on an endpoint with too little traffic to judge', () => {
    const judgement = judgeCanary(side(HEALTHY, 5), side(HEALTHY, 120), ENDPOINTS, JUDGEMENT_POLICY, MAX_ERROR_RATE);
    expect(judgement.outcome).toBe('fail');
    expect(judgement.summary).toContain(
      'too little traffic to judge: 5 canary and 120 previous requests, 12 needed of each',
    );
  });

  it('fails closed when an endpoint saw no traffic at all', () => {
    const canary = side(HEALTHY);
    delete canary.search;
    const judgement = judgeCanary(canary, side(HEALTHY), ENDPOINTS, JUDGEMENT_POLICY, MAX_ERROR_RATE);
    expect(judgement.outcome).toBe('fail');
    expect(judgement.summary).toContain('search too little traffic to judge: 0 canary');
  });
});
