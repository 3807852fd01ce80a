import { LoadPlan, gateThresholds, planEndpoints, reportingMetrics, scenarioMetric } from '../../../loadtest/plan';
import { Endpoint } from '../../../loadtest/profile';
import { LoadSummary } from '../../../loadtest/summary';
import { K6Metric, K6SummaryExport } from '../../../loadtest/verdict';

/** One endpoint's latencies in a k6 export. */
export interface EndpointLatency {
  readonly p50: number;
  readonly p95: number;
}

export interface Measured {
  /** The whole session mix's p95 (its p50 is half of it). */
  readonly p95: number;
  /** Each endpoint's latencies; default: the same as the whole mix. */
  readonly endpoints?: Partial<Record<Endpoint, EndpointLatency>>;
  readonly errorRate?: number;
  readonly checksRate?: number;
  readonly dropped?: number;
  /** Requests in the measured window; default: exactly the planned rate. */
  readonly requests?: number;
}

/**
 * A k6 `--summary-export` as k6 1.8 writes it for a plan: the tagged sub-metrics, with each
 * threshold recorded `true` when crossed.
 */
export function k6Export(plan: LoadPlan, measured: Measured): K6SummaryExport {
  const errorRate = measured.errorRate ?? 0;
  const checksRate = measured.checksRate ?? 1;
  const dropped = measured.dropped ?? 0;
  const requests = measured.requests ?? plan.targetRate * plan.holdSeconds;
  const trend = (p95: number, p50 = p95 / 2): K6Metric => ({
    min: p50 / 2,
    med: p50,
    avg: p50,
    'p(95)': p95,
    'p(99)': p95 * 1.5,
    max: p95 * 2,
  });
  const values: Record<string, K6Metric> = {
    [scenarioMetric('http_req_duration', plan)]: trend(measured.p95),
    [scenarioMetric('http_req_failed', plan)]: { value: errorRate },
    [scenarioMetric('checks', plan)]: { value: checksRate },
    [scenarioMetric('dropped_iterations', plan)]: { count: dropped, rate: 0 },
    [scenarioMetric('http_reqs', plan)]: { count: requests, rate: requests / (plan.holdSeconds + plan.warmupSeconds) },
  };
  const allowedDrops = gateThresholds(plan).find((t) => t.metric.startsWith('dropped_iterations'))!;
  const crossed: Record<string, boolean> = {
    [scenarioMetric('http_req_duration', plan)]: !(measured.p95 < plan.budget.p95Ms),
    [scenarioMetric('http_req_failed', plan)]: !(errorRate < plan.budget.errorRate),
    [scenarioMetric('checks', plan)]: !(checksRate > 1 - plan.budget.errorRate),
    [scenarioMetric('dropped_iterations', plan)]: dropped > Number(allowedDrops.expression.split('<=')[1]),
  };
  for (const endpoint of planEndpoints(plan)) {
    const own = measured.endpoints?.[endpoint];
    const metric = scenarioMetric('http_req_duration', plan, endpoint);
    values[metric] = own ? trend(own.p95, own.p50) : trend(measured.p95);
    crossed[metric] = !((own?.p95 ?? measured.p95) < plan.budget.p95Ms);
  }
  const metrics: Record<string, K6Metric> = {};
  for (const t of gateThresholds(plan)) {
    metrics[t.metric] = { ...values[t.metric], thresholds: { [t.expression]: crossed[t.metric] } };
  }
  for (const [metric, expressions] of Object.entries(reportingMetrics(plan))) {
    metrics[metric] = { ...values[metric], thresholds: { [expressions[0]]: false } };
  }
  return { metrics };
}

/** A passing summary, as a promoted release would have left it. */
export function summaryOf(overrides: Partial<LoadSummary> = {}): LoadSummary {
  return {
    profileVersion: '1.0.0',
    scenario: 'current',
    multiplier: 1,
    target: 'http://127.0.0.1:8080',
    startedAt: '2026-11-25T12:00:00.000Z',
    durationSeconds: 30,
    targetRate: 5,
    achievedRate: 5.03,
    requests: 151,
    errorRate: 0,
    latencyMs: { p50: 8, p95: 20, p99: 31, max: 44 },
    endpoints: { login: { p50: 30, p95: 41, p99: 44, max: 44 } },
    thresholds: [
      { name: 'p95 latency: http_req_duration{scenario:current}', limit: 'p(95)<200', actual: 20, passed: true },
    ],
    passed: true,
    failures: [],
    ...overrides,
  };
}
