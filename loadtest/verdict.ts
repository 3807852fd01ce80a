import { REFERENCE_REGRESSION_TOLERANCE, RegressionTolerance } from './budget';
import { gateThresholds, LoadPlan, planEndpoints, plannedSessions, scenarioMetric } from './plan';
import {
  BaselineComparison,
  BaselineLookup,
  EndpointChange,
  EndpointStats,
  LoadSummary,
  ThresholdResult,
} from './summary';
import { STARVED_HOST_STEAL_SHARE } from '../pipeline/kit/host-cpu';

/** k6's own exit code when a threshold is crossed; the gate passes it on. */
export const THRESHOLD_EXIT_CODE = 99;
/**
 * The gate's exit code when every threshold held but a latency regressed beyond the tolerance
 * against a baseline (the blended p95, or an endpoint's p50 or p95); k6 uses 97 and up for its
 * own outcomes, so this stays below them.
 */
export const REGRESSION_EXIT_CODE = 90;
/**
 * The gate's exit code when the run could not judge the release: the host took so much of this
 * machine's CPU while it ran that its latencies measured the host (see `HostDuringRun`).
 */
export const NOT_JUDGED_EXIT_CODE = 2;

/** One metric of k6's `--summary-export` file: its stats, and per threshold expression whether it was crossed. */
export interface K6Metric {
  readonly [stat: string]: number | Record<string, boolean> | undefined;
  readonly thresholds?: Record<string, boolean>;
}

export interface K6SummaryExport {
  readonly metrics: Record<string, K6Metric>;
}

export interface RunFacts {
  readonly plan: LoadPlan;
  readonly k6: K6SummaryExport;
  readonly k6ExitCode: number;
  readonly target: string;
  readonly startedAt: string;
  /** What the host took of this machine's CPU while k6 ran, where it can be read. */
  readonly host?: HostDuringRun;
}

/**
 * The share of this machine's CPU the host took while k6 ran (steal, from `/proc/stat`). At
 * `STARVED_HOST_STEAL_SHARE` or more the latencies measure the host, not the release, and a gate
 * (`judgeStarved: false`) does not judge the run: no pass and no regression, a run to take again.
 * A headroom step records the share and is judged as measured.
 */
export interface HostDuringRun {
  readonly steal: number;
  readonly judgeStarved: boolean;
}

export interface Verdict {
  readonly summary: LoadSummary;
  readonly exitCode: number;
}

/** What a run is compared with: the last promoted release's run, and the reference baseline. */
export interface Comparisons {
  /** The last promoted release's run, or why there is none. */
  readonly baseline: BaselineLookup;
  readonly tolerance: RegressionTolerance;
  /**
   * The reference baseline, or why there is none.
   * @default none, with the baseline's note when there is no baseline either (a headroom step)
   */
  readonly reference?: BaselineLookup;
  /** @default REFERENCE_REGRESSION_TOLERANCE */
  readonly referenceTolerance?: RegressionTolerance;
}

const round = (n: number, digits = 2): number => Number(n.toFixed(digits));
const ms = (n: number): string => `${n.toFixed(1)} ms`;
const percent = (ratio: number): string => `${(ratio * 100).toFixed(2)}%`;

function stat(k6: K6SummaryExport, metric: string, key: string): number {
  const value = k6.metrics[metric]?.[key];
  return typeof value === 'number' ? value : 0;
}

/** True when k6 recorded the threshold as crossed (the export's `true` means "failed"). */
function crossed(k6: K6SummaryExport, metric: string, expression: string): boolean {
  const recorded = k6.metrics[metric]?.thresholds?.[expression];
  if (recorded === undefined) throw new Error(`the k6 summary has no result for threshold ${metric}: ${expression}`);
  return recorded;
}

/** The measured value a threshold expression tests, from its aggregation (`p(95)`, `rate`, `count`). */
function thresholdActual(k6: K6SummaryExport, metric: string, expression: string): number {
  const aggregation = expression.match(/^[a-z]+(\(\d+\))?/)?.[0] ?? '';
  const key = aggregation === 'rate' ? 'value' : aggregation;
  return stat(k6, metric, key);
}

function thresholdFailure(plan: LoadPlan, title: string, actual: number, expression: string): string {
  const { budget } = plan;
  const s = `scenario ${plan.scenario}`;
  switch (title) {
    case 'p95 latency':
      return `${s}: p95 ${ms(actual)} is not under the ${budget.p95Ms} ms limit`;
    case 'error rate':
      return `${s}: error rate ${percent(actual)} is over the ${percent(budget.errorRate)} budget`;
    case 'response checks':
      return `${s}: only ${percent(actual)} of response checks passed (at most ${percent(budget.errorRate)} may fail)`;
    case 'sessions dropped by the generator':
      return `${s}: k6 dropped ${actual} of ${Math.round(plannedSessions(plan))} sessions for want of a free VU (${expression})`;
    default:
      return `${s}: ${title} ${actual} breaks ${expression}`;
  }
}

function latency(k6: K6SummaryExport, metric: string): EndpointStats {
  return {
    p50: round(stat(k6, metric, 'med')),
    p95: round(stat(k6, metric, 'p(95)')),
    p99: round(stat(k6, metric, 'p(99)')),
    max: round(stat(k6, metric, 'max')),
  };
}

const changePercent = (now: number, before: number): number => (before > 0 ? ((now - before) / before) * 100 : 0);

/** Grew by more than the tolerance in percent and by more than its minimum in milliseconds. */
function regressed(now: number, before: number, tolerance: RegressionTolerance): boolean {
  return changePercent(now, before) > tolerance.percent && now - before > tolerance.minimumMs;
}

/**
 * One endpoint against a baseline. p50 and p95 both count: a uniform slowdown shows at the
 * median first, and with a few dozen requests per endpoint a single slow request moves p95, so
 * a noisy p95 in the baseline cannot hide a median that tripled.
 */
function compareEndpoint(now: EndpointStats, before: EndpointStats, tolerance: RegressionTolerance): EndpointChange {
  return {
    p50: before.p50,
    p95: before.p95,
    p50ChangePercent: round(changePercent(now.p50, before.p50), 1),
    p95ChangePercent: round(changePercent(now.p95, before.p95), 1),
    passed: !regressed(now.p50, before.p50, tolerance) && !regressed(now.p95, before.p95, tolerance),
  };
}

/** What a run measured that a comparison reads. */
export type MeasuredLatency = Pick<LoadSummary, 'latencyMs' | 'endpoints'>;

/**
 * A run against a baseline: the blended p95 as before, and each endpoint both measured by its
 * p50 and p95. It fails when any of them grew by more than the tolerance in percent and in
 * milliseconds.
 */
export function compareWithBaseline(
  run: MeasuredLatency,
  baseline: LoadSummary,
  source: string,
  tolerance: RegressionTolerance,
): BaselineComparison {
  const base = baseline.latencyMs.p95;
  const blendedPassed = !regressed(run.latencyMs.p95, base, tolerance);
  const endpoints: Record<string, EndpointChange> = {};
  const uncompared: string[] = [];
  for (const [endpoint, now] of Object.entries(run.endpoints ?? {})) {
    const before = baseline.endpoints?.[endpoint];
    if (before) endpoints[endpoint] = compareEndpoint(now, before, tolerance);
    else uncompared.push(endpoint);
  }
  const endpointsNote =
    uncompared.length === 0
      ? undefined
      : Object.keys(baseline.endpoints ?? {}).length === 0
        ? 'the baseline records no per-endpoint latencies: only the blended p95 is compared'
        : `the baseline has no numbers for ${uncompared.join(', ')}: not compared`;
  return {
    source,
    ...(baseline.promotion ? { promotion: baseline.promotion } : {}),
    ...(baseline.referenceAct ? { referenceAct: baseline.referenceAct } : {}),
    p50: baseline.latencyMs.p50,
    p95: base,
    p99: baseline.latencyMs.p99,
    achievedRate: baseline.achievedRate,
    errorRate: baseline.errorRate,
    p95ChangePercent: round(changePercent(run.latencyMs.p95, base), 1),
    tolerancePercent: tolerance.percent,
    minimumChangeMs: tolerance.minimumMs,
    blendedPassed,
    ...(Object.keys(endpoints).length > 0 ? { endpoints } : {}),
    ...(endpointsNote ? { endpointsNote } : {}),
    passed: blendedPassed && Object.values(endpoints).every((e) => e.passed),
  };
}

const wholePercent = (n: number): string => `${n > 0 ? '+' : ''}${Math.round(n)}%`;

/**
 * An endpoint's regressed latencies against a baseline, each as `p50 14.2 ms → 41.0 ms (+189%,
 * tolerance 20%)`, without the endpoint's name.
 */
export function endpointRegressions(
  now: EndpointStats,
  change: EndpointChange,
  tolerance: RegressionTolerance,
): string[] {
  return (['p50', 'p95'] as const)
    .filter((percentile) => regressed(now[percentile], change[percentile], tolerance))
    .map(
      (percentile) =>
        `${percentile} ${ms(change[percentile])} → ${ms(now[percentile])} ` +
        `(${wholePercent(change[`${percentile}ChangePercent`])}, tolerance ${tolerance.percent}%)`,
    );
}

/** What a comparison is with, as a failure line says it. */
const AGAINST = { baseline: 'the last promoted release', reference: 'the reference baseline' } as const;

interface RegressionFailures {
  /** The run's failure lines: the blended p95's, then one naming every slower endpoint with its numbers. */
  readonly lines: string[];
  /** Each slower endpoint's own lines, without its name. */
  readonly byEndpoint: Map<string, string[]>;
}

/** What a failed comparison says, as the run's failure lines and per endpoint. */
function regressionFailures(
  scenario: string,
  kind: keyof typeof AGAINST,
  comparison: BaselineComparison,
  measured: MeasuredLatency,
  tolerance: RegressionTolerance,
): RegressionFailures {
  const lines: string[] = [];
  const byEndpoint = new Map<string, string[]>();
  if (comparison.blendedPassed === false) {
    const whose = kind === 'baseline' ? "the baseline's" : "the reference baseline's";
    lines.push(
      `scenario ${scenario}: p95 ${ms(measured.latencyMs.p95)} is ${comparison.p95ChangePercent}% above ${whose} ` +
        `${ms(comparison.p95)} (tolerance ${tolerance.percent}%)`,
    );
  }
  const details: string[] = [];
  for (const [endpoint, change] of Object.entries(comparison.endpoints ?? {})) {
    const now = measured.endpoints?.[endpoint];
    if (change.passed || !now) continue;
    const regressions = endpointRegressions(now, change, tolerance);
    details.push(...regressions.map((r) => `${endpoint} ${r}`));
    byEndpoint.set(
      endpoint,
      regressions.map((r) => `${r} against ${AGAINST[kind]}`),
    );
  }
  if (byEndpoint.size > 0) {
    lines.push(
      `scenario ${scenario}: ${[...byEndpoint.keys()].join(', ')} slower than ${AGAINST[kind]}: ${details.join(', ')}`,
    );
  }
  return { lines, byEndpoint };
}

/** From k6's export to the run's summary and the gate's exit code. */
export function evaluateRun(facts: RunFacts, comparisons: Comparisons): Verdict {
  const { plan, k6 } = facts;
  const failures: string[] = [];
  const endpointFailures = new Map<string, string[]>(planEndpoints(plan).map((e) => [e, []]));
  const thresholds: ThresholdResult[] = gateThresholds(plan).map((t) => {
    const actual = thresholdActual(k6, t.metric, t.expression);
    const name = `${t.title}: ${t.metric}`;
    if (t.endpoint) {
      // An endpoint no session reached has no sub-metric: that is not a pass.
      const recorded = k6.metrics[t.metric]?.thresholds?.[t.expression];
      const passed = recorded === false;
      if (!passed) {
        const why =
          recorded === undefined
            ? `no ${t.endpoint} request was measured`
            : `p95 ${ms(actual)} is not under the ${plan.budget.p95Ms} ms limit`;
        failures.push(`scenario ${plan.scenario}: ${t.endpoint} ${why}`);
        endpointFailures.get(t.endpoint)?.push(why);
      }
      return { name, limit: t.expression, actual: round(actual, 4), passed, endpoint: t.endpoint };
    }
    const passed = !crossed(k6, t.metric, t.expression);
    if (!passed) failures.push(thresholdFailure(plan, t.title, actual, t.expression));
    return { name, limit: t.expression, actual: round(actual, 4), passed };
  });

  const requests = stat(k6, scenarioMetric('http_reqs', plan), 'count');
  const achievedRate = requests / plan.holdSeconds;
  const minimumRate = plan.targetRate * plan.budget.minAchievedRateRatio;
  const rateHeld = achievedRate >= minimumRate;
  thresholds.push({
    name: `achieved request rate (req/s): ${scenarioMetric('http_reqs', plan)}`,
    limit: `>=${round(minimumRate)}`,
    actual: round(achievedRate),
    passed: rateHeld,
  });
  if (!rateHeld) {
    failures.push(
      `scenario ${plan.scenario}: achieved ${achievedRate.toFixed(1)} req/s, under ${plan.budget.minAchievedRateRatio * 100}% ` +
        `of the planned ${plan.targetRate} req/s: the load was not delivered`,
    );
  }
  if (facts.k6ExitCode === THRESHOLD_EXIT_CODE && thresholds.every((t) => t.passed)) {
    failures.push(`scenario ${plan.scenario}: k6 reported a crossed threshold (exit ${THRESHOLD_EXIT_CODE})`);
  }
  const thresholdsHeld = failures.length === 0;

  const measured: MeasuredLatency = {
    latencyMs: latency(k6, scenarioMetric('http_req_duration', plan)),
    endpoints: Object.fromEntries(
      planEndpoints(plan).map((e) => [e, latency(k6, scenarioMetric('http_req_duration', plan, e))]),
    ),
  };

  // A run compared with nothing at all (a headroom step, synthetic users) says so once, in its own words.
  const uncompared = !comparisons.baseline.summary && !comparisons.baseline.source;
  const reference: BaselineLookup = comparisons.reference ?? {
    note:
      uncompared && comparisons.baseline.note
        ? comparisons.baseline.note
        : 'no reference baseline given: no comparison',
  };
  const against = {
    baseline: { lookup: comparisons.baseline, tolerance: comparisons.tolerance },
    reference: { lookup: reference, tolerance: comparisons.referenceTolerance ?? REFERENCE_REGRESSION_TOLERANCE },
  };
  const compared: Partial<Record<keyof typeof against, BaselineComparison>> = {};
  for (const kind of ['baseline', 'reference'] as const) {
    const { lookup, tolerance } = against[kind];
    if (!lookup.summary || !lookup.source) continue;
    const comparison = compareWithBaseline(measured, lookup.summary, lookup.source, tolerance);
    compared[kind] = comparison;
    const regressions = regressionFailures(plan.scenario, kind, comparison, measured, tolerance);
    failures.push(...regressions.lines);
    for (const [endpoint, lines] of regressions.byEndpoint) endpointFailures.get(endpoint)?.push(...lines);
  }

  const endpoints: Record<string, EndpointStats> = {};
  for (const [endpoint, stats] of Object.entries(measured.endpoints ?? {})) {
    const why = endpointFailures.get(endpoint) ?? [];
    endpoints[endpoint] = { ...stats, passed: why.length === 0, failures: why };
  }

  const summary: LoadSummary = {
    profileVersion: plan.profileVersion,
    scenario: plan.scenario,
    multiplier: plan.multiplier,
    target: facts.target,
    startedAt: facts.startedAt,
    durationSeconds: plan.holdSeconds,
    targetRate: plan.targetRate,
    achievedRate: round(achievedRate),
    requests,
    errorRate: round(stat(k6, scenarioMetric('http_req_failed', plan), 'value'), 4),
    latencyMs: measured.latencyMs,
    endpoints,
    thresholds,
    ...(compared.baseline ? { baseline: compared.baseline } : { baselineNote: comparisons.baseline.note }),
    ...(compared.reference ? { reference: compared.reference } : { referenceNote: reference.note }),
    passed: failures.length === 0,
    failures,
  };
  const regressedAgainstAny = Object.values(compared).some((c) => !c.passed);
  const exitCode = !thresholdsHeld ? THRESHOLD_EXIT_CODE : regressedAgainstAny ? REGRESSION_EXIT_CODE : 0;
  const host = facts.host;
  if (!host) return { summary, exitCode };
  const starved = host.steal >= STARVED_HOST_STEAL_SHARE;
  const stealPercent = round(host.steal * 100, 1);
  if (!starved || host.judgeStarved) {
    return { summary: { ...summary, host: { stealPercent, starved, judged: true } }, exitCode };
  }
  const notJudged =
    `scenario ${plan.scenario}: not judged: the host took ${(host.steal * 100).toFixed(0)}% of this machine's CPU ` +
    `(steal) while k6 ran, at or over the ${STARVED_HOST_STEAL_SHARE * 100}% at which a latency measures the host, not the release`;
  return {
    summary: {
      ...summary,
      host: { stealPercent, starved, judged: false },
      passed: false,
      failures: [notJudged, ...failures],
    },
    exitCode: NOT_JUDGED_EXIT_CODE,
  };
}
