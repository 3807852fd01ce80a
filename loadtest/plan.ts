import type { Options, Scenario } from 'k6/options';
import { LOAD_BUDGET, LoadBudget } from './budget';
import { Endpoint, LoadProfile, profileProblem } from './profile';
import { LOAD_SCENARIOS, LoadScenarioName } from '../pipeline/model/load';

/**
 * From the profile to one k6 run: the scenario's rate, its timing, the VUs and users it needs,
 * and the k6 options with the thresholds tagged by scenario. Pure, and bundled into the k6
 * script, so the gate wrapper and k6 derive the same plan from the same inputs.
 */

/** The gates' scenarios, each a multiple of the profile's current load: the pipeline model's list. */
export type GateScenario = LoadScenarioName;

export const GATE_SCENARIOS = Object.fromEntries(
  Object.values(LOAD_SCENARIOS).map((scenario) => [scenario.name, scenario.multiplier]),
) as Record<GateScenario, number>;

export interface ScenarioChoice {
  /** The k6 scenario name every threshold and metric is tagged with. */
  readonly name: string;
  readonly multiplier: number;
}

export function gateScenario(name: GateScenario): ScenarioChoice {
  return { name, multiplier: GATE_SCENARIOS[name] };
}

/** A headroom step: `step-15x` is 15 times the current load. */
export function headroomScenario(multiplier: number): ScenarioChoice {
  return { name: `step-${String(multiplier).replace('.', '_')}x`, multiplier };
}

export interface LoadTiming {
  /** An unmeasured ramp from zero to the rate: connections, JIT and caches warm up first. */
  readonly warmupSeconds: number;
  /** The measured window at the full rate. */
  readonly holdSeconds: number;
}

export const DEFAULT_TIMING: LoadTiming = { warmupSeconds: 5, holdSeconds: 30 };

/**
 * A real user runs a session every few minutes; the generator reuses each of its users for at
 * most this many sessions a minute, so that it measures the service, not its rate limiter. The
 * service allows 30 logins per email and 600 signed-in requests per user a minute (its
 * DEFAULT_RATE_LIMITS): 10 sessions (10 logins, 60 requests) stay at a third of the one and a
 * tenth of the other, even when a fixed window's boundary lets two minutes' worth land together.
 */
export const SESSIONS_PER_USER_PER_MINUTE = 10;

/** Below this many users the pool would not spread the load over DynamoDB partitions at all. */
export const MIN_USERS = 10;

/** How long a request may take before it counts as failed: far past the budget, short enough to end a run. */
export const REQUEST_TIMEOUT = '10s';

export interface ArrivalRate {
  /** Sessions started per `timeUnit` (k6 wants a whole number). */
  readonly rate: number;
  readonly timeUnit: string;
}

export interface LoadPlan {
  readonly profileVersion: string;
  readonly scenario: string;
  readonly multiplier: number;
  /** Planned requests per second, all endpoints together. */
  readonly targetRate: number;
  readonly session: readonly Endpoint[];
  readonly sessionsPerSecond: number;
  readonly arrival: ArrivalRate;
  readonly warmupSeconds: number;
  readonly holdSeconds: number;
  /** Distinct users the run registers and spreads its sessions over. */
  readonly users: number;
  readonly preAllocatedVUs: number;
  readonly maxVUs: number;
  readonly budget: LoadBudget;
}

/**
 * k6 wants `rate` sessions per `timeUnit` with a whole `rate`. Sessions arrive at
 * `requestsPerSecond / session.length` a second, so the session length in seconds is the
 * natural time unit, scaled until the rate is whole (5.5 req/s -> 55 sessions per 70 s).
 */
export function arrivalRate(requestsPerSecond: number, requestsPerSession: number): ArrivalRate {
  for (const scale of [1, 10, 100, 1000]) {
    const rate = requestsPerSecond * scale;
    if (Math.abs(rate - Math.round(rate)) < 1e-9) {
      return { rate: Math.round(rate), timeUnit: `${requestsPerSession * scale}s` };
    }
  }
  return { rate: Math.round(requestsPerSecond * 1000), timeUnit: `${requestsPerSession * 1000}s` };
}

export function planLoad(
  profile: LoadProfile,
  choice: ScenarioChoice,
  timing: LoadTiming = DEFAULT_TIMING,
  budget: LoadBudget = LOAD_BUDGET,
): LoadPlan {
  const problem = profileProblem(profile);
  if (problem) throw new Error(problem);
  if (!(choice.multiplier > 0)) throw new Error(`scenario ${choice.name} needs a positive multiplier`);
  if (!(timing.holdSeconds > 0)) throw new Error('the load duration must be positive');
  if (!(timing.warmupSeconds >= 0)) throw new Error('the warm-up cannot be negative');
  const targetRate = profile.requestsPerSecond * choice.multiplier;
  const sessionsPerSecond = targetRate / profile.session.length;
  // A session at the latency budget lasts session.length * p95; twice that many VUs in flight
  // absorb jitter without k6 creating VUs mid-run, and five times as many let a slow service
  // show up as latency before it shows up as dropped sessions.
  const sessionSecondsAtBudget = (profile.session.length * budget.p95Ms) / 1000;
  const preAllocatedVUs = Math.ceil(sessionsPerSecond * sessionSecondsAtBudget * 2) + 2;
  const sessionsPerMinute = sessionsPerSecond * 60;
  return {
    profileVersion: profile.version,
    scenario: choice.name,
    multiplier: choice.multiplier,
    targetRate,
    session: profile.session,
    sessionsPerSecond,
    arrival: arrivalRate(targetRate, profile.session.length),
    warmupSeconds: timing.warmupSeconds,
    holdSeconds: timing.holdSeconds,
    users: Math.max(MIN_USERS, Math.ceil(sessionsPerMinute / SESSIONS_PER_USER_PER_MINUTE)),
    preAllocatedVUs,
    maxVUs: preAllocatedVUs * 5,
    budget,
  };
}

/** Sessions the measured window starts when the generator keeps up. */
export function plannedSessions(plan: LoadPlan): number {
  return plan.sessionsPerSecond * plan.holdSeconds;
}

export const warmupScenarioName = (plan: LoadPlan): string => `${plan.scenario}-warmup`;

/** A metric restricted to the measured scenario (and optionally one endpoint): what thresholds watch. */
export function scenarioMetric(metric: string, plan: LoadPlan, endpoint?: Endpoint): string {
  return endpoint
    ? `${metric}{scenario:${plan.scenario},endpoint:${endpoint}}`
    : `${metric}{scenario:${plan.scenario}}`;
}

/** The endpoints of the plan's session, each once, in the order a session first calls them. */
export function planEndpoints(plan: Pick<LoadPlan, 'session'>): Endpoint[] {
  return [...new Set(plan.session)];
}

export interface ThresholdSpec {
  readonly metric: string;
  readonly expression: string;
  /** What the readable report calls it. */
  readonly title: string;
  /** The endpoint a per-endpoint threshold watches; none for the whole session mix. */
  readonly endpoint?: Endpoint;
}

/**
 * The thresholds that fail the run (k6 exits 99 when one is crossed): the session mix's p95,
 * errors, checks and dropped sessions, then p95 of each endpoint on its own. The blended p95 is
 * set by login's password hashing; a threshold per endpoint keeps a slow list or search from
 * hiding under it.
 */
export function gateThresholds(plan: LoadPlan): ThresholdSpec[] {
  const { budget } = plan;
  const allowedDrops = Math.floor(plannedSessions(plan) * budget.droppedSessionsRatio);
  const perEndpoint: ThresholdSpec[] = planEndpoints(plan).map((endpoint) => ({
    metric: scenarioMetric('http_req_duration', plan, endpoint),
    expression: `p(95)<${budget.p95Ms}`,
    title: `p95 latency of ${endpoint}`,
    endpoint,
  }));
  return [
    {
      metric: scenarioMetric('http_req_duration', plan),
      expression: `p(95)<${budget.p95Ms}`,
      title: 'p95 latency',
    },
    {
      metric: scenarioMetric('http_req_failed', plan),
      expression: `rate<${budget.errorRate}`,
      title: 'error rate',
    },
    {
      metric: scenarioMetric('checks', plan),
      expression: `rate>${1 - budget.errorRate}`,
      title: 'response checks',
    },
    {
      metric: scenarioMetric('dropped_iterations', plan),
      expression: `count<=${allowedDrops}`,
      title: 'sessions dropped by the generator',
    },
    ...perEndpoint,
  ];
}

/**
 * k6 reports a sub-metric (one scenario, one endpoint) only when a threshold names it. This one
 * always holds: it is there for the request count. (Each endpoint's latency sub-metric is named
 * by its own p95 threshold.)
 */
export function reportingMetrics(plan: LoadPlan): Record<string, string[]> {
  return { [scenarioMetric('http_reqs', plan)]: ['count>=0'] };
}

export const SUMMARY_TREND_STATS = ['min', 'med', 'avg', 'p(95)', 'p(99)', 'max'];

/** The k6 options of a plan: an unmeasured ramp, then the measured constant arrival rate. */
export function k6Options(plan: LoadPlan): Options {
  const scenarios: Record<string, Scenario> = {};
  const vus = { preAllocatedVUs: plan.preAllocatedVUs, maxVUs: plan.maxVUs };
  if (plan.warmupSeconds > 0) {
    scenarios[warmupScenarioName(plan)] = {
      executor: 'ramping-arrival-rate',
      startRate: 0,
      timeUnit: plan.arrival.timeUnit,
      stages: [{ target: plan.arrival.rate, duration: `${plan.warmupSeconds}s` }],
      gracefulStop: '10s',
      ...vus,
    };
  }
  scenarios[plan.scenario] = {
    executor: 'constant-arrival-rate',
    rate: plan.arrival.rate,
    timeUnit: plan.arrival.timeUnit,
    duration: `${plan.holdSeconds}s`,
    startTime: `${plan.warmupSeconds}s`,
    gracefulStop: '10s',
    ...vus,
  };
  const thresholds: Record<string, string[]> = reportingMetrics(plan);
  for (const t of gateThresholds(plan)) thresholds[t.metric] = [t.expression];
  return {
    scenarios,
    thresholds,
    summaryTrendStats: SUMMARY_TREND_STATS,
    // Registering the pool hashes a password per user: allow for a slow environment.
    setupTimeout: '120s',
    userAgent: `b2-load/${plan.profileVersion}`,
    tags: { profile: plan.profileVersion },
  };
}
