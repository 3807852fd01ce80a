import { RegressionTolerance } from './budget';
import { gateThresholds, LoadPlan, plannedSessions, scenarioMetric } from './plan';
import { ENDPOINTS } from './profile';
import { BaselineComparison, BaselineLookup, EndpointStats, LoadSummary, ThresholdResult } from './summary';

/** k6's own exit code when a threshold is crossed; the gate passes it on. */
export const THRESHOLD_EXIT_CODE = 99;
/**
 * The gate's exit code when every threshold held but p95 regressed beyond the tolerance; k6
 * uses 97 and up for its own outcomes, so this stays below them.
 */
export const REGRESSION_EXIT_CODE = 90;

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
}

export interface Verdict {
  readonly summary: LoadSummary;
  readonly exitCode: number;
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

/**
 * p95 against the last promoted release's. It regresses when it grew by more than the tolerance
 * in percent and by more than the tolerance's minimum in milliseconds.
 */
export function compareWithBaseline(
  p95: number,
  baseline: LoadSummary,
  source: string,
  tolerance: RegressionTolerance,
): BaselineComparison {
  const base = baseline.latencyMs.p95;
  const change = base > 0 ? ((p95 - base) / base) * 100 : 0;
  const regressed = change > tolerance.percent && p95 - base > tolerance.minimumMs;
  return {
    source,
    ...(baseline.promotion ? { promotion: baseline.promotion } : {}),
    p50: baseline.latencyMs.p50,
    p95: base,
    p99: baseline.latencyMs.p99,
    achievedRate: baseline.achievedRate,
    errorRate: baseline.errorRate,
    p95ChangePercent: round(change, 1),
    tolerancePercent: tolerance.percent,
    minimumChangeMs: tolerance.minimumMs,
    passed: !regressed,
  };
}

/** From k6's export to the run's summary and the gate's exit code. */
export function evaluateRun(facts: RunFacts, baseline: BaselineLookup, tolerance: RegressionTolerance): Verdict {
  const { plan, k6 } = facts;
  const failures: string[] = [];
  const thresholds: ThresholdResult[] = gateThresholds(plan).map((t) => {
    const actual = thresholdActual(k6, t.metric, t.expression);
    const passed = !crossed(k6, t.metric, t.expression);
    if (!passed) failures.push(thresholdFailure(plan, t.title, actual, t.expression));
    return { name: `${t.title}: ${t.metric}`, limit: t.expression, actual: round(actual, 4), passed };
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

  const overall = latency(k6, scenarioMetric('http_req_duration', plan));
  const comparison =
    baseline.summary && baseline.source
      ? compareWithBaseline(overall.p95, baseline.summary, baseline.source, tolerance)
      : undefined;
  if (comparison && !comparison.passed) {
    failures.push(
      `scenario ${plan.scenario}: p95 ${ms(overall.p95)} is ${comparison.p95ChangePercent}% above the baseline's ` +
        `${ms(comparison.p95)} (tolerance ${tolerance.percent}%)`,
    );
  }

  const endpoints: Record<string, EndpointStats> = {};
  for (const endpoint of ENDPOINTS.filter((e) => plan.session.includes(e))) {
    endpoints[endpoint] = latency(k6, scenarioMetric('http_req_duration', plan, endpoint));
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
    latencyMs: overall,
    endpoints,
    thresholds,
    ...(comparison ? { baseline: comparison } : { baselineNote: baseline.note }),
    passed: failures.length === 0,
    failures,
  };
  const exitCode = !thresholdsHeld ? THRESHOLD_EXIT_CODE : comparison && !comparison.passed ? REGRESSION_EXIT_CODE : 0;
  return { summary, exitCode };
}
