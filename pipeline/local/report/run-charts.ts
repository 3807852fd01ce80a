import type { TrendPoint } from './run-report';
import { Chart } from '../../kit/charts';
import type { RunSummary } from '../run/run-record';

/**
 * The run page's pictures, as Vega-Lite declarations over the run's record: where the time went,
 * how each endpoint's p95 moved over the releases, and each canary beside the release before it.
 */

/** Good green, bad red, waiting amber, as the page's badges. */
const STATUS_COLOURS: Record<string, string> = {
  passed: '#1a7f37',
  promoted: '#1a7f37',
  approved: '#1a7f37',
  failed: '#cf222e',
  'rolled-back': '#cf222e',
  unavailable: '#cf222e',
  rejected: '#cf222e',
  error: '#cf222e',
  waived: '#9a6700',
  'awaiting-approval': '#9a6700',
  running: '#9a6700',
};

/** A traffic share's segment narrower than this (on a run of minutes) has no room for its label. */
const MIN_LABELLED_SECONDS = 8;

const seconds = (from: string, to: number): number => Math.round((to - Date.parse(from)) / 100) / 10;

/**
 * Every stage's steps as bars on one time axis, the deployments among them: what ran in parallel
 * and where the time went.
 */
export function runTimeline(run: RunSummary): Chart | undefined {
  type Bar = { row: string; status: string; start: number; end: number; share?: string; label?: string };
  const steps: Bar[] = run.steps
    .filter((s) => s.status !== 'skipped')
    .map((s) => ({
      row: s.id,
      status: s.status,
      start: seconds(run.startedAt, Date.parse(s.startedAt)),
      end: seconds(run.startedAt, Date.parse(s.startedAt) + s.durationMs),
    }));
  // A deployment is one row: a segment per share of traffic the new release had, when recorded.
  const traffic: Bar[] = run.deployments.flatMap((d) => {
    const row = `${d.environment}/traffic: ${d.releaseId.slice(0, 12)}`;
    const finished = Date.parse(d.finishedAt);
    const shifts = d.shifts ?? [];
    if (shifts.length === 0) {
      return [
        {
          row,
          status: d.outcome,
          start: seconds(run.startedAt, Date.parse(d.startedAt)),
          end: seconds(run.startedAt, finished),
        },
      ];
    }
    return shifts.map((shift, i) => {
      const start = seconds(run.startedAt, Date.parse(shift.at));
      const until = i + 1 < shifts.length ? Date.parse(shifts[i + 1].at) : Math.max(finished, Date.parse(shift.at));
      const end = seconds(run.startedAt, until);
      // A share is written in its segment only where it fits; the tooltip always has it.
      const share = `${shift.share}%`;
      return {
        row,
        status: d.outcome,
        start,
        end,
        share,
        ...(end - start >= MIN_LABELLED_SECONDS ? { label: share } : {}),
      };
    });
  });
  const bars = [...steps, ...traffic].sort((a, b) => a.start - b.start || a.row.localeCompare(b.row));
  if (bars.length === 0) return undefined;
  const longest = [...steps, ...traffic].sort((a, b) => b.end - b.start - (a.end - a.start))[0];
  const statuses = [...new Set(bars.map((b) => b.status))];
  const y = { field: 'row', type: 'nominal' as const, title: null, sort: null, axis: { labelLimit: 260 } };
  return {
    title: 'Where the time went',
    description:
      `Each step of the run as a bar from its start to its end, in seconds since the run started (${steps.length} steps); ` +
      `bars that overlap ran in parallel. Each deployment's row shows the new release's share of traffic as it moved. ` +
      `The longest bar was ${longest.row} (${(longest.end - longest.start).toFixed(1)} s).`,
    spec: {
      width: 640,
      height: { step: 16 },
      data: { values: bars },
      layer: [
        {
          mark: { type: 'bar', cornerRadius: 2, stroke: 'white', strokeWidth: 1 },
          encoding: {
            y,
            x: { field: 'start', type: 'quantitative', title: 'seconds since the run started' },
            x2: { field: 'end' },
            color: {
              field: 'status',
              type: 'nominal',
              title: 'result',
              scale: { domain: statuses, range: statuses.map((status) => STATUS_COLOURS[status] ?? '#6e7781') },
            },
            tooltip: [
              { field: 'row', title: 'step' },
              { field: 'status' },
              { field: 'start' },
              { field: 'end' },
              { field: 'share', title: 'new release share' },
            ],
          },
        },
        {
          transform: [{ filter: 'datum.label != null' }],
          mark: { type: 'text', align: 'left', dx: 2, fontSize: 9, color: 'white' },
          encoding: { y, x: { field: 'start', type: 'quantitative' }, text: { field: 'label' } },
        },
      ],
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

/**
 * A canary beside the release before it, per endpoint: each side's latency distribution over the
 * same seconds (whisker min to max, box p25 to p75, the median as a white tick, p95 as a dot),
 * with the verdict in the title.
 */
export function canaryBeside(deployment: RunSummary['deployments'][number]): Chart | undefined {
  const judgement = deployment.judgement;
  if (!judgement || judgement.endpoints.length === 0) return undefined;
  const values = judgement.endpoints.flatMap((e) =>
    (['canary', 'previous'] as const).map((side) => {
      const n = e[side];
      return {
        endpoint: e.endpoint,
        side: side === 'canary' ? 'new release' : 'previous release',
        min: n.minMs ?? n.p50Ms,
        p25: n.p25Ms ?? n.p50Ms,
        p50: n.p50Ms,
        p75: n.p75Ms ?? n.p50Ms,
        p95: n.p95Ms,
        max: n.maxMs ?? n.p95Ms,
        requests: n.requests,
        outcome: e.outcome,
      };
    }),
  );
  const side = {
    field: 'side',
    type: 'nominal' as const,
    title: null,
    scale: { domain: ['previous release', 'new release'], range: ['#8c959f', '#2563eb'] },
  };
  const x = { field: 'endpoint', type: 'nominal' as const, title: null, axis: { labelAngle: 0 } };
  const xOffset = { field: 'side', type: 'nominal' as const, sort: ['previous release', 'new release'] };
  const tooltip = [
    { field: 'endpoint' },
    { field: 'side' },
    { field: 'p50', title: 'p50 (ms)' },
    { field: 'p95', title: 'p95 (ms)' },
    { field: 'requests' },
    { field: 'outcome' },
  ];
  return {
    title: `${deployment.environment}: the new release beside the previous one — ${judgement.outcome}`,
    description:
      `Each endpoint's latency on the new release and on the previous release over the same seconds: ` +
      `whiskers from the fastest to the slowest request, the box from p25 to p75, a white tick at the median and a dot at p95. ` +
      `The judge's verdict: ${judgement.outcome}. ${judgement.summary}`,
    spec: {
      width: 560,
      height: 220,
      data: { values },
      encoding: { x, xOffset },
      layer: [
        {
          mark: { type: 'rule' },
          encoding: {
            y: { field: 'min', type: 'quantitative', title: 'latency (ms)' },
            y2: { field: 'max' },
            color: side,
            tooltip,
          },
        },
        {
          mark: { type: 'bar', size: 14 },
          encoding: { y: { field: 'p25', type: 'quantitative' }, y2: { field: 'p75' }, color: side, tooltip },
        },
        {
          mark: { type: 'tick', color: 'white', size: 12, thickness: 2 },
          encoding: { y: { field: 'p50', type: 'quantitative' } },
        },
        {
          mark: { type: 'point', filled: true, size: 30 },
          encoding: { y: { field: 'p95', type: 'quantitative' }, color: side, tooltip },
        },
      ],
    },
  };
}
