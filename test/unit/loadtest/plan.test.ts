import { describe, expect, it } from 'vitest';
import {
  arrivalRate,
  GATE_SCENARIOS,
  gateScenario,
  gateThresholds,
  k6Options,
  planLoad,
  SESSIONS_PER_USER_PER_MINUTE,
} from '../../../loadtest/plan';
import { endpointMix, LOAD_PROFILE, LoadProfile, profileProblem } from '../../../loadtest/profile';
import { DEFAULT_RATE_LIMITS } from '../../../service/src/config';

describe('the load profile', () => {
  it('declares a version, a rate and a session that starts by signing in', () => {
    expect(LOAD_PROFILE.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(profileProblem(LOAD_PROFILE)).toBeUndefined();
  });

  it('yields an endpoint mix over login, list, create, search and read that adds up to the whole', () => {
    const mix = endpointMix(LOAD_PROFILE);
    expect(Object.keys(mix).sort()).toEqual(['create', 'list', 'login', 'read', 'search']);
    expect(Object.values(mix).reduce((a, b) => a + b, 0)).toBeCloseTo(1);
    expect(Object.values(mix).every((share) => share > 0)).toBe(true);
  });

  it('rejects a profile without a rate, or whose session does not sign in first', () => {
    expect(profileProblem({ ...LOAD_PROFILE, requestsPerSecond: 0 })).toMatch(/requestsPerSecond/);
    expect(profileProblem({ ...LOAD_PROFILE, session: ['list', 'login'] })).toMatch(/start with login/);
    expect(() => planLoad({ ...LOAD_PROFILE, version: ' ' }, gateScenario('current'))).toThrow(/no version/);
  });
});

describe('the scenarios derived from the profile', () => {
  it('derives 10x from the current load instead of stating it twice', () => {
    expect(GATE_SCENARIOS.tenfold).toBe(10 * GATE_SCENARIOS.current);
    const profile: LoadProfile = { ...LOAD_PROFILE, requestsPerSecond: 7 };
    expect(planLoad(profile, gateScenario('current')).targetRate).toBe(7);
    expect(planLoad(profile, gateScenario('tenfold')).targetRate).toBe(70);
  });

  it('starts sessions at the request rate divided by the session length, as a whole rate per time unit', () => {
    expect(arrivalRate(5, 7)).toEqual({ rate: 5, timeUnit: '7s' });
    expect(arrivalRate(50, 7)).toEqual({ rate: 50, timeUnit: '7s' });
    expect(arrivalRate(5.5, 7)).toEqual({ rate: 55, timeUnit: '70s' });
    const plan = planLoad(LOAD_PROFILE, gateScenario('tenfold'));
    expect(plan.sessionsPerSecond * LOAD_PROFILE.session.length).toBeCloseTo(plan.targetRate);
  });

  it('runs an open model: an unmeasured ramp, then a constant arrival rate for the measured window', () => {
    const plan = planLoad(LOAD_PROFILE, gateScenario('tenfold'), { warmupSeconds: 5, holdSeconds: 30 });
    const { scenarios } = k6Options(plan);
    expect(scenarios?.['tenfold-warmup']).toMatchObject({
      executor: 'ramping-arrival-rate',
      startRate: 0,
      stages: [{ target: 50, duration: '5s' }],
    });
    expect(scenarios?.tenfold).toMatchObject({
      executor: 'constant-arrival-rate',
      rate: 50,
      timeUnit: '7s',
      duration: '30s',
      startTime: '5s',
    });
    expect(Object.keys(k6Options({ ...plan, warmupSeconds: 0 }).scenarios ?? {})).toEqual(['tenfold']);
  });

  it('tags every threshold with the measured scenario, so the warm-up never counts, and holds each endpoint to the p95 limit', () => {
    const plan = planLoad(LOAD_PROFILE, gateScenario('current'));
    const keys = Object.keys(k6Options(plan).thresholds ?? {});
    expect(keys.length).toBeGreaterThan(4);
    expect(keys.every((k) => k.includes('{scenario:current'))).toBe(true);
    expect(gateThresholds(plan).map((t) => `${t.metric} ${t.expression}`)).toEqual([
      'http_req_duration{scenario:current} p(95)<200',
      'http_req_failed{scenario:current} rate<0.01',
      'checks{scenario:current} rate>0.99',
      'dropped_iterations{scenario:current} count<=0',
      'http_req_duration{scenario:current,endpoint:login} p(95)<200',
      'http_req_duration{scenario:current,endpoint:list} p(95)<200',
      'http_req_duration{scenario:current,endpoint:search} p(95)<200',
      'http_req_duration{scenario:current,endpoint:read} p(95)<200',
      'http_req_duration{scenario:current,endpoint:create} p(95)<200',
    ]);
  });

  it('spreads sessions over enough users to stay well inside the service rate limits', () => {
    for (const multiplier of [1, 10, 40]) {
      const plan = planLoad(LOAD_PROFILE, { name: 'probe', multiplier });
      const sessionsPerUserPerMinute = (plan.sessionsPerSecond * 60) / plan.users;
      const requestsPerUserPerMinute = sessionsPerUserPerMinute * (LOAD_PROFILE.session.length - 1);
      expect(sessionsPerUserPerMinute).toBeLessThanOrEqual(SESSIONS_PER_USER_PER_MINUTE);
      expect(sessionsPerUserPerMinute).toBeLessThanOrEqual(DEFAULT_RATE_LIMITS.loginPerEmail / 3);
      expect(requestsPerUserPerMinute).toBeLessThanOrEqual(DEFAULT_RATE_LIMITS.requestsPerUser / 3);
    }
  });

  it('has VUs for twice the sessions in flight at the latency budget, and room to grow', () => {
    const plan = planLoad(LOAD_PROFILE, gateScenario('tenfold'));
    const inFlightAtBudget = plan.sessionsPerSecond * LOAD_PROFILE.session.length * 0.2;
    expect(plan.preAllocatedVUs).toBeGreaterThanOrEqual(2 * inFlightAtBudget);
    expect(plan.maxVUs).toBeGreaterThan(plan.preAllocatedVUs);
  });
});
