import { LoadSummary } from './summary';
import type { TimeSeries } from './timeseries';
import type { TrendEntry } from './trend';
import { Chart } from '../pipeline/kit/charts';

/**
 * The load report's pictures, as Vega-Lite declarations over the run's own numbers: latency over
 * the run per endpoint, failures over the run, and each endpoint's p95 against the baseline's
 * tolerance band. Pure functions of the summary and the time series; `renderFigure` draws them.
 */

/** The number a threshold expression compares with: `p(95)<200` → 200, `rate<0.01` → 0.01. */
export function thresholdLimit(expression: string): number | undefined {
  const match = /<=?\s*([\d.]+)/.exec(expression);
  return match ? Number(match[1]) : undefined;
}

/** The per-endpoint p95 limits, one per endpoint that has one. */
function endpointLimits(summary: LoadSummary): { endpoint: string; limit: number }[] {
  return summary.thresholds.flatMap((t) => {
    const limit = t.endpoint && t.limit.startsWith('p(95)') ? thresholdLimit(t.limit) : undefined;
    return limit === undefined ? [] : [{ endpoint: t.endpoint as string, limit }];
  });
}

/** p50 and p95 of each endpoint per few seconds, with the p95 limits and the end of the warm-up as lines. */
export function latencyOverTime(summary: LoadSummary, series: TimeSeries): Chart | undefined {
  if (series.buckets.length === 0) return undefined;
  const points = series.buckets.flatMap((b) => [
    { t: b.t, endpoint: b.endpoint, percentile: 'p95', ms: b.p95 },
    { t: b.t, endpoint: b.endpoint, percentile: 'p50', ms: b.p50 },
  ]);
  const limits = [...new Set(endpointLimits(summary).map((l) => l.limit))].map((limit) => ({
    limit,
    label: `p95 limit ${limit} ms`,
  }));
  return {
    title: `Latency over the run, per endpoint (every ${series.bucketSeconds} s)`,
    description:
      `p95 (solid) and p50 (dashed) of each endpoint in ${series.bucketSeconds}-second buckets over the run, ` +
      `${limits.map((l) => l.label).join(', ') || 'no p95 limit'} drawn as a red line, and the end of the ` +
      `${series.warmupSeconds}-second warm-up (not measured) as a grey line.`,
    spec: {
      width: 640,
      height: 240,
      layer: [
        {
          data: { values: points },
          mark: { type: 'line', point: { size: 18 } },
          encoding: {
            x: { field: 't', type: 'quantitative', title: 'seconds into the run' },
            y: { field: 'ms', type: 'quantitative', title: 'latency (ms)' },
            color: { field: 'endpoint', type: 'nominal', title: 'endpoint' },
            strokeDash: { field: 'percentile', type: 'nominal', title: 'percentile', sort: ['p95', 'p50'] },
            tooltip: [{ field: 'endpoint' }, { field: 'percentile' }, { field: 't', title: 's' }, { field: 'ms' }],
          },
        },
        {
          data: { values: limits },
          mark: { type: 'rule', color: '#cf222e', strokeDash: [6, 3] },
          encoding: { y: { field: 'limit', type: 'quantitative' }, tooltip: [{ field: 'label' }] },
        },
        {
          data: { values: [{ t: series.warmupSeconds, label: 'end of warm-up' }] },
          mark: { type: 'rule', color: '#8c959f' },
          encoding: { x: { field: 't', type: 'quantitative' }, tooltip: [{ field: 'label' }] },
        },
      ],
    },
  };
}

/** The share of requests that failed per few seconds, all endpoints together, against the error budget. */
export function failuresOverTime(summary: LoadSummary, series: TimeSeries): Chart | undefined {
  if (series.buckets.length === 0) return undefined;
  const byTime = new Map<number, { requests: number; failed: number }>();
  for (const b of series.buckets) {
    const entry = byTime.get(b.t) ?? { requests: 0, failed: 0 };
    byTime.set(b.t, { requests: entry.requests + b.requests, failed: entry.failed + b.failed });
  }
  const points = [...byTime]
    .sort(([a], [b]) => a - b)
    .map(([t, { requests, failed }]) => ({ t, requests, failed, percent: requests ? (failed / requests) * 100 : 0 }));
  const budget = summary.thresholds
    .filter((t) => !t.endpoint && t.limit.startsWith('rate'))
    .map((t) => thresholdLimit(t.limit))
    .find((limit) => limit !== undefined);
  return {
    title: `Failed requests over the run (every ${series.bucketSeconds} s)`,
    description:
      `The percentage of requests k6 counted as failed in each ${series.bucketSeconds}-second bucket ` +
      `(${points.reduce((n, p) => n + p.failed, 0)} of ${points.reduce((n, p) => n + p.requests, 0)} in all)` +
      (budget !== undefined ? `, against the error budget of ${budget * 100}% drawn as a red line.` : '.'),
    spec: {
      width: 640,
      height: 120,
      layer: [
        {
          data: { values: points },
          mark: { type: 'bar', color: '#cf222e' },
          encoding: {
            x: { field: 't', type: 'quantitative', title: 'seconds into the run', bin: false },
            y: { field: 'percent', type: 'quantitative', title: 'failed (%)' },
            tooltip: [{ field: 't', title: 's' }, { field: 'failed' }, { field: 'requests' }],
          },
        },
        ...(budget !== undefined
          ? [
              {
                data: { values: [{ percent: budget * 100, label: `error budget ${budget * 100}%` }] },
                mark: { type: 'rule' as const, color: '#cf222e', strokeDash: [6, 3] },
                encoding: {
                  y: { field: 'percent', type: 'quantitative' as const },
                  tooltip: [{ field: 'label' }],
                },
              },
            ]
          : []),
      ],
    },
  };
}

/** How far above a baseline an endpoint may go before it regressed: both the percentage and the minimum. */
export function toleranceCeiling(baselineMs: number, tolerancePercent: number, minimumMs = 0): number {
  return Math.max(baselineMs * (1 + tolerancePercent / 100), baselineMs + minimumMs);
}

/**
 * Each endpoint's p95 as a bar, beside the band it may move in against the last promoted release
 * (or, with none, the reference baseline): from the baseline's p95 up to the tolerance. A bar
 * standing above its band is a regression.
 */
export function endpointsAgainstBaseline(summary: LoadSummary): Chart | undefined {
  const comparison = summary.baseline?.endpoints ? summary.baseline : summary.reference;
  const endpoints = Object.entries(summary.endpoints ?? {});
  if (!comparison?.endpoints || endpoints.length === 0) return undefined;
  const which = comparison === summary.baseline ? 'the last promoted release' : 'the reference baseline';
  const rows = endpoints.flatMap(([endpoint, now]) => {
    const before = comparison.endpoints?.[endpoint];
    if (!before) return [];
    const ceiling = toleranceCeiling(before.p95, comparison.tolerancePercent, comparison.minimumChangeMs);
    return [
      {
        endpoint,
        p95: now.p95,
        baseline: before.p95,
        ceiling: Math.round(ceiling * 10) / 10,
        verdict: now.p95 > ceiling ? 'above the band' : 'within',
      },
    ];
  });
  return {
    title: `p95 per endpoint against ${which}`,
    description:
      `Bars: this run's p95 per endpoint. Grey band: from ${which}'s p95 up to its tolerance ` +
      `(${comparison.tolerancePercent}%${comparison.minimumChangeMs ? `, at least ${comparison.minimumChangeMs} ms` : ''}). ` +
      (rows.some((r) => r.verdict !== 'within')
        ? `Above the band: ${rows
            .filter((r) => r.verdict !== 'within')
            .map((r) => `${r.endpoint} (${r.p95} ms against at most ${r.ceiling} ms)`)
            .join(', ')}.`
        : 'Every endpoint is within its band.'),
    spec: {
      width: 420,
      height: 220,
      data: { values: rows },
      encoding: { x: { field: 'endpoint', type: 'nominal', title: 'endpoint', sort: null, axis: { labelAngle: 0 } } },
      layer: [
        {
          mark: { type: 'bar', width: { band: 0.8 }, color: '#d0d7de', opacity: 0.7 },
          encoding: {
            y: { field: 'baseline', type: 'quantitative', title: 'p95 (ms)' },
            y2: { field: 'ceiling' },
            tooltip: [{ field: 'endpoint' }, { field: 'baseline' }, { field: 'ceiling' }],
          },
        },
        {
          mark: { type: 'bar', width: { band: 0.4 } },
          encoding: {
            y: { field: 'p95', type: 'quantitative' },
            color: {
              field: 'verdict',
              type: 'nominal',
              title: 'this run',
              scale: { domain: ['within', 'above the band'], range: ['#2563eb', '#cf222e'] },
            },
            tooltip: [{ field: 'endpoint' }, { field: 'p95' }, { field: 'verdict' }],
          },
        },
      ],
    },
  };
}

/**
 * Each endpoint's p95 in the last promoted releases and in this run, one line per endpoint, with
 * the reference baseline's p95 of each as a dashed line: whether this release continues a drift.
 */
export function trendAcrossReleases(summary: LoadSummary, trend: readonly TrendEntry[]): Chart | undefined {
  if (trend.length === 0 || !summary.endpoints) return undefined;
  const label = (entry: TrendEntry, i: number): string =>
    `${i + 1}. ${entry.release ? entry.release.slice(0, 12) : entry.promotedAt.slice(0, 16)}`;
  const values = [
    ...trend.flatMap((entry, i) =>
      Object.entries(entry.endpoints).map(([endpoint, p95]) => ({ release: label(entry, i), endpoint, p95 })),
    ),
    ...Object.entries(summary.endpoints).map(([endpoint, e]) => ({ release: 'this run', endpoint, p95: e.p95 })),
  ];
  const reference = Object.entries(summary.reference?.endpoints ?? {}).map(([endpoint, e]) => ({
    endpoint,
    p95: e.p95,
    label: `reference p95 of ${endpoint}`,
  }));
  return {
    title: 'p95 per endpoint over the last promoted releases and this run',
    description:
      `Each endpoint's p95 in the ${trend.length} last promoted release${trend.length === 1 ? '' : 's'} of this scenario ` +
      `and in this run (last)${reference.length ? ', with the reference baseline of each endpoint as a dashed line' : ''}.`,
    spec: {
      width: 640,
      height: 200,
      layer: [
        {
          data: { values },
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'release', type: 'ordinal', title: 'release', sort: null, axis: { labelAngle: -30 } },
            y: { field: 'p95', type: 'quantitative', title: 'p95 (ms)' },
            color: { field: 'endpoint', type: 'nominal', title: 'endpoint' },
            tooltip: [{ field: 'release' }, { field: 'endpoint' }, { field: 'p95' }],
          },
        },
        ...(reference.length
          ? [
              {
                data: { values: reference },
                mark: { type: 'rule' as const, strokeDash: [4, 4] },
                encoding: {
                  y: { field: 'p95', type: 'quantitative' as const },
                  color: { field: 'endpoint', type: 'nominal' as const },
                  tooltip: [{ field: 'label' }, { field: 'p95' }],
                },
              },
            ]
          : []),
      ],
    },
  };
}

/** The load report's charts, in the order the page shows them; those without data are left out. */
export function loadReportCharts(
  summary: LoadSummary,
  series: TimeSeries | undefined,
  trend: readonly TrendEntry[] = [],
): Chart[] {
  return [
    series ? latencyOverTime(summary, series) : undefined,
    series ? failuresOverTime(summary, series) : undefined,
    endpointsAgainstBaseline(summary),
    trendAcrossReleases(summary, trend),
  ].filter((chart): chart is Chart => chart !== undefined);
}
