import type { TrendPoint } from './run-report';
import { Chart } from '../../kit/charts';
import type { RunSummary } from '../run/run-record';

/**
 * The run page's pictures, as Vega-Lite declarations over the run's record: where the time went,
 * how each endpoint's p95 moved over the releases, and each canary beside the release before it.
 */

const seconds = (from: string, to: number): number => Math.round((to - Date.parse(from)) / 100) / 10;

/**
 * Every stage's steps as bars on one time axis, the deployments among them: what ran in parallel
 * and where the time went.
 */
export function runTimeline(run: RunSummary): Chart | undefined {
  const bars = [
    ...run.steps
      .filter((s) => s.status !== 'skipped')
      .map((s) => ({
        row: s.id,
        kind: s.kind,
        status: s.status,
        start: seconds(run.startedAt, Date.parse(s.startedAt)),
        end: seconds(run.startedAt, Date.parse(s.startedAt) + s.durationMs),
      })),
    ...run.deployments.map((d) => ({
      row: `${d.environment}/traffic: ${d.releaseId.slice(0, 12)}`,
      kind: 'traffic',
      status: d.outcome,
      start: seconds(run.startedAt, Date.parse(d.startedAt)),
      end: seconds(run.startedAt, Date.parse(d.finishedAt)),
    })),
  ].sort((a, b) => a.start - b.start || a.row.localeCompare(b.row));
  if (bars.length === 0) return undefined;
  const longest = [...bars].sort((a, b) => b.end - b.start - (a.end - a.start))[0];
  return {
    title: 'Where the time went',
    description:
      `Each step of the run as a bar from its start to its end, in seconds since the run started (${bars.length} bars); ` +
      `bars that overlap ran in parallel. The longest was ${longest.row} (${(longest.end - longest.start).toFixed(1)} s).`,
    spec: {
      width: 640,
      height: { step: 14 },
      data: { values: bars },
      mark: { type: 'bar', cornerRadius: 2 },
      encoding: {
        y: { field: 'row', type: 'nominal', title: null, sort: null, axis: { labelLimit: 260 } },
        x: { field: 'start', type: 'quantitative', title: 'seconds since the run started' },
        x2: { field: 'end' },
        color: {
          field: 'status',
          type: 'nominal',
          title: 'result',
          scale: {
            domain: ['passed', 'promoted', 'approved', 'failed', 'rolled-back', 'unavailable', 'rejected', 'waived'],
            range: ['#1a7f37', '#1a7f37', '#1a7f37', '#cf222e', '#cf222e', '#cf222e', '#cf222e', '#9a6700'],
          },
        },
        tooltip: [{ field: 'row', title: 'step' }, { field: 'status' }, { field: 'start' }, { field: 'end' }],
      },
    },
  };
}

/**
 * Each endpoint's p95 in the runs that reached prod (and this one), one line per endpoint, with
 * the reference baseline's p95 as a dashed line of the same colour: whether a release continues a
 * drift.
 */
export function endpointTrend(points: readonly TrendPoint[], scenario: string): Chart | undefined {
  const runs = points.filter((p) => p.scenario === scenario && p.endpoints);
  const values = runs.flatMap((p) =>
    Object.entries(p.endpoints ?? {}).map(([endpoint, p95]) => ({ run: p.runId, endpoint, p95 })),
  );
  if (new Set(values.map((v) => v.run)).size < 2) return undefined;
  const last = runs[runs.length - 1];
  const reference = Object.entries(last.referenceEndpoints ?? {}).map(([endpoint, p95]) => ({
    endpoint,
    p95,
    label: `reference p95 of ${endpoint}`,
  }));
  return {
    title: `p95 per endpoint over the releases (${scenario})`,
    description:
      `Each endpoint's p95 in the ${scenario} load gate of the last ${new Set(values.map((v) => v.run)).size} runs ` +
      `that promoted a release, this run last${reference.length ? ', with the reference baseline of each endpoint as a dashed line' : ''}.`,
    spec: {
      width: 640,
      height: 200,
      layer: [
        {
          data: { values },
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'run', type: 'ordinal', title: 'run', sort: null, axis: { labelAngle: -30, labelLimit: 140 } },
            y: { field: 'p95', type: 'quantitative', title: 'p95 (ms)' },
            color: { field: 'endpoint', type: 'nominal', title: 'endpoint' },
            tooltip: [{ field: 'run' }, { field: 'endpoint' }, { field: 'p95' }],
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

/** A canary beside the release before it, per endpoint: p50 and p95 of each side, with the verdict. */
export function canaryBeside(deployment: RunSummary['deployments'][number]): Chart | undefined {
  const judgement = deployment.judgement;
  if (!judgement || judgement.endpoints.length === 0) return undefined;
  const values = judgement.endpoints.flatMap((e) =>
    (['canary', 'previous'] as const).flatMap((side) =>
      (['p50', 'p95'] as const).map((percentile) => ({
        endpoint: e.endpoint,
        side: side === 'canary' ? 'new release' : 'previous release',
        percentile,
        ms: e[side][`${percentile}Ms`],
        requests: e[side].requests,
        outcome: e.outcome,
      })),
    ),
  );
  return {
    title: `${deployment.environment}: the new release beside the previous one — ${judgement.outcome}`,
    description:
      `p50 and p95 of each endpoint on the new release and on the previous release over the same seconds. ` +
      `The judge's verdict: ${judgement.outcome}. ${judgement.summary}`,
    spec: {
      data: { values },
      facet: { column: { field: 'percentile', type: 'nominal', title: null } },
      spec: {
        width: 300,
        height: 180,
        mark: 'bar',
        encoding: {
          x: { field: 'endpoint', type: 'nominal', title: null, axis: { labelAngle: 0 } },
          xOffset: { field: 'side', type: 'nominal' },
          y: { field: 'ms', type: 'quantitative', title: 'latency (ms)' },
          color: {
            field: 'side',
            type: 'nominal',
            title: null,
            scale: { domain: ['previous release', 'new release'], range: ['#8c959f', '#2563eb'] },
          },
          tooltip: [
            { field: 'endpoint' },
            { field: 'side' },
            { field: 'percentile' },
            { field: 'ms' },
            { field: 'requests' },
            { field: 'outcome' },
          ],
        },
      },
    },
  };
}
