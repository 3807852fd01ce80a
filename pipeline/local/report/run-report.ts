import { DeliveryMetrics, RollbackOnDemand } from './history';
import { GateFindings, LoadResult } from './run-results';
import { CHART_STYLE } from '../../kit/charts';
import { duration } from '../../kit/durations';
import { escapeHtml } from '../../kit/html';
import { isNoChange } from '../../kit/infrastructure-change';
import { Evidence, evidenceDigest, markedChanges } from '../approval/approvals';
import { RunSummary, StepResult } from '../run/run-record';

/**
 * The run's one HTML page: what ran, how long it took, what it found, who approved, what was
 * rolled back, and how delivery is going. Self-contained (no scripts, no external files) so
 * it opens from the run folder as it is; links are relative to that folder.
 */

/** One earlier load result of the same scenario, for the trend. */
export interface TrendPoint {
  readonly runId: string;
  readonly scenario: string;
  readonly environment: string;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly achievedRate: number;
  readonly errorRate: number;
  readonly passed: boolean;
  /** Each endpoint's p95 in that run. */
  readonly endpoints?: Readonly<Record<string, number>>;
  /** Each endpoint's p95 in the reference baseline that run was compared with. */
  readonly referenceEndpoints?: Readonly<Record<string, number>>;
}

/** The run page's charts, drawn (`run-charts.ts`, `renderFigure`). */
export interface RunFigures {
  readonly timeline?: string;
  readonly canaries: readonly string[];
  readonly trends: readonly string[];
}

export interface RunReportInput {
  readonly run: RunSummary;
  readonly load: readonly LoadResult[];
  readonly findings: readonly GateFindings[];
  readonly delivery: DeliveryMetrics;
  /** Earlier runs' load results, oldest first, this run's last. */
  readonly trend: readonly TrendPoint[];
  /** Links to what a gate left behind (Playwright's report, k6's dashboards), relative to the run folder. */
  readonly links: readonly { readonly label: string; readonly href: string }[];
  /** @default no charts */
  readonly figures?: RunFigures;
  /** The evidence each approval of the run was shown. @default none */
  readonly evidence?: readonly Evidence[];
  /** Rollbacks made on demand from or to this run's release. @default none */
  readonly rollbacksOnDemand?: readonly RollbackOnDemand[];
}

const escape = escapeHtml;

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
const ms = (x: number): string => `${x.toFixed(1)} ms`;

const STATUS_CLASS: Record<string, string> = {
  passed: 'ok',
  promoted: 'ok',
  approved: 'ok',
  failed: 'bad',
  unavailable: 'bad',
  'rolled-back': 'bad',
  rejected: 'bad',
  error: 'bad',
  'awaiting-approval': 'wait',
  running: 'wait',
  pass: 'ok',
  fail: 'bad',
  marginal: 'wait',
  skipped: 'muted',
};

const badge = (status: string): string =>
  `<span class="badge ${STATUS_CLASS[status] ?? 'muted'}">${escape(status)}</span>`;

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '<p class="muted">none</p>';
  return `<table><thead><tr>${head.map((h) => `<th>${escape(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function stepRow(step: StepResult): string[] {
  return [
    escape(step.stage),
    escape(step.id.split('/')[1] ?? step.id),
    badge(step.status),
    duration(step.durationMs),
    escape(step.summary),
    step.log ? `<a href="${escape(step.log)}">log</a>` : '',
  ];
}

/** A small line of p95 over the runs, drawn inline so the page needs nothing else. */
function sparkline(points: readonly TrendPoint[]): string {
  if (points.length < 2) return '';
  const values = points.map((p) => p.p95Ms);
  const max = Math.max(...values) || 1;
  const width = 160;
  const height = 32;
  const step = width / (values.length - 1);
  const path = values
    .map((v, i) => `${(i * step).toFixed(1)},${(height - (v / max) * (height - 2) - 1).toFixed(1)}`)
    .join(' ');
  return `<svg width="${width}" height="${height}" role="img" aria-label="p95 trend"><polyline fill="none" stroke="#2563eb" stroke-width="1.5" points="${path}"/></svg>`;
}

function loadSection(load: readonly LoadResult[], trend: readonly TrendPoint[]): string {
  if (load.length === 0) return '<p class="muted">No load gate ran in this run.</p>';
  return load
    .map(({ gate, environment, summary, report, dashboard }) => {
      const l = summary.latencyMs;
      const b = summary.baseline;
      const points = trend.filter((p) => p.scenario === summary.scenario).slice(-10);
      const endpoints = Object.entries(summary.endpoints ?? {}).map(([name, e]) => [
        escape(name),
        ms(e.p50),
        ms(e.p95),
        ms(e.p99),
        ms(e.max),
      ]);
      return `<h3>${escape(gate)} in ${escape(environment)} ${badge(summary.passed ? 'passed' : 'failed')}</h3>
${table(
  ['planned', 'achieved', 'requests', 'p50', 'p95', 'p99', 'max', 'error rate'],
  [
    [
      `${summary.targetRate} req/s`,
      `${summary.achievedRate.toFixed(1)} req/s`,
      String(summary.requests),
      ms(l.p50),
      ms(l.p95),
      ms(l.p99),
      ms(l.max),
      pct(summary.errorRate),
    ],
  ],
)}
<h4>Thresholds</h4>
${table(
  ['threshold', 'limit', 'actual', ''],
  summary.thresholds.map((t) => [
    escape(t.name),
    escape(t.limit),
    t.actual.toFixed(3),
    badge(t.passed ? 'passed' : 'failed'),
  ]),
)}
<h4>Against the last promoted release</h4>
${b ? `<p>p95 ${ms(b.p95)} then, ${ms(l.p95)} now: ${b.p95ChangePercent >= 0 ? '+' : ''}${b.p95ChangePercent.toFixed(1)}% (tolerance ${b.tolerancePercent}%) ${badge(b.passed ? 'passed' : 'failed')}</p>` : `<p class="muted">${escape(summary.baselineNote ?? 'no baseline')}</p>`}
${endpoints.length ? `<h4>Per endpoint</h4>${table(['endpoint', 'p50', 'p95', 'p99', 'max'], endpoints)}` : ''}
<h4>Trend (p95, last ${points.length} runs) ${sparkline(points)}</h4>
${table(
  ['run', 'environment', 'p95', 'p99', 'achieved', 'errors', ''],
  points.map((p) => [
    escape(p.runId),
    escape(p.environment),
    ms(p.p95Ms),
    ms(p.p99Ms),
    `${p.achievedRate.toFixed(1)} req/s`,
    pct(p.errorRate),
    badge(p.passed ? 'passed' : 'failed'),
  ]),
)}
<p>${[report ? `<a href="${escape(report)}">k6 report</a>` : '', dashboard ? `<a href="${escape(dashboard)}">k6 web dashboard</a>` : ''].filter(Boolean).join(' · ')}</p>`;
    })
    .join('\n');
}

function findingsSection(findings: readonly GateFindings[]): string {
  if (findings.length === 0) return '<p class="muted">No security report in this run.</p>';
  return findings
    .map((f) => {
      const counts = f.counts
        ? `<p>${Object.entries(f.counts)
            .map(([severity, n]) => `${escape(severity)}: ${n}`)
            .join(' · ')}</p>`
        : '';
      const note = f.note ? `<p>${escape(f.note)}</p>` : '';
      const list =
        f.counts || f.note
          ? ''
          : table(
              ['rule', 'level', 'where', 'message'],
              f.findings
                .slice(0, 50)
                .map((x) => [escape(x.rule), escape(x.level), escape(x.location ?? ''), escape(x.message)]),
            );
      const what =
        f.counts || f.note
          ? 'advisories by severity'
          : `${f.findings.length} finding${f.findings.length === 1 ? '' : 's'}`;
      return `<h3>${escape(f.gate)} <span class="muted">(${what})</span> <a href="${escape(f.report)}">report</a></h3>${note}${counts}${list}`;
    })
    .join('\n');
}

function deliverySection(d: DeliveryMetrics): string {
  return table(
    [
      'production deployments',
      'deployment frequency',
      'lead time (median)',
      'change failure rate',
      'time to restore (median)',
    ],
    [
      [
        `${d.productionDeployments} in ${d.windowDays} days`,
        `${d.deploymentsPerDay.toFixed(2)} per day`,
        duration(d.leadTimeMs),
        d.changeFailureRate === undefined ? '–' : pct(d.changeFailureRate),
        duration(d.timeToRestoreMs),
      ],
    ],
  );
}

/** What each approval was shown of the infrastructure and the API contract, the red marks first. */
function evidenceSection(all: readonly Evidence[]): string {
  if (all.length === 0) return '<p class="muted">No approval in this run.</p>';
  return all
    .map((evidence) => {
      const infra = evidence.infrastructure;
      const marked = markedChanges(evidence);
      const head = `<h3>${escape(evidence.environment)} <span class="muted">(digest <code>${escape(evidenceDigest(evidence).slice(0, 19))}…</code>)</span></h3>`;
      const marks = marked.length
        ? `<p class="bad marked">${marked.map((m) => `✖ ${escape(m.text)}: the approver names <code>${escape(m.token)}</code>`).join('<br>')}</p>`
        : '';
      let infraHtml: string;
      if (!infra) {
        infraHtml = '<p class="muted">Infrastructure: not compared (no templates kept for this run).</p>';
      } else if (infra.status === 'unknown') {
        infraHtml = `<p class="partial">Infrastructure: unknown: ${escape(infra.unknownReason ?? '')}</p>`;
      } else if (isNoChange(infra)) {
        infraHtml = `<p>Infrastructure against ${escape(infra.liveRelease ?? 'nothing live')}: no infrastructure change</p>`;
      } else {
        infraHtml =
          `<p>Infrastructure against ${escape(infra.liveRelease ?? 'nothing live')}${infra.stacksAdded.length ? `; stacks added: ${escape(infra.stacksAdded.join(', '))}` : ''}${infra.stacksRemoved.length ? `; stacks removed: ${escape(infra.stacksRemoved.join(', '))}` : ''}:</p>` +
          table(
            ['stack', 'resource', 'type', 'change', 'properties'],
            infra.resources.map((r) => [
              escape(r.stack),
              escape(r.logicalId),
              escape(r.type),
              r.stateful && r.change !== 'added' && r.change !== 'updated'
                ? `<span class="badge bad">${escape(r.change)}</span>`
                : escape(r.change),
              escape((r.properties ?? []).join(', ')),
            ]),
          ) +
          (infra.widenings.length
            ? table(
                ['stack', 'access widened', ''],
                infra.widenings.map((w) => [
                  escape(w.stack),
                  escape(w.text),
                  `<span class="badge bad">${escape(w.kind)}</span>`,
                ]),
              )
            : '') +
          (infra.acknowledgements.length
            ? table(
                ['stack', 'cdk-nag acknowledgement', 'rule', 'resource', 'reason'],
                infra.acknowledgements.map((a) => [
                  escape(a.stack),
                  escape(a.change),
                  escape(a.rule),
                  escape(a.path),
                  escape(a.reason),
                ]),
              )
            : '');
      }
      const api = evidence.apiContract;
      const apiHtml = !api
        ? '<p class="muted">API contract: not compared (the api-compat gate did not run).</p>'
        : api.breaking.length + api.nonBreaking.length === 0
          ? `<p>API contract against ${escape(api.base)}: no API contract change</p>`
          : `<p>API contract against ${escape(api.base)}:</p>` +
            table(
              ['change', 'id', 'operation', 'what'],
              [
                ...api.breaking.map((c) => [
                  '<span class="badge bad">breaking</span>',
                  escape(c.id),
                  escape([c.operation, c.path].filter(Boolean).join(' ')),
                  escape(c.text),
                ]),
                ...api.nonBreaking.map((c) => [
                  'compatible',
                  escape(c.id),
                  escape([c.operation, c.path].filter(Boolean).join(' ')),
                  escape(c.text),
                ]),
              ],
            );
      return `${head}${marks}${infraHtml}${apiHtml}`;
    })
    .join('\n');
}

function rollbacksOnDemandSection(rollbacks: readonly RollbackOnDemand[]): string {
  return table(
    [
      'environment',
      'from',
      'to',
      'by',
      'why',
      'started',
      'traffic back after',
      'stopped after',
      'failed requests meanwhile',
    ],
    rollbacks.map((r) => [
      escape(r.environment),
      escape(r.fromReleaseId),
      escape(r.toReleaseId),
      escape(r.by),
      escape(r.comment),
      escape(r.startedAt),
      duration(r.trafficRestoredMs),
      duration(r.durationMs),
      `${r.failed} of ${r.requests}`,
    ]),
  );
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#111;max-width:1200px}
table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top;max-width:70ch;overflow-wrap:anywhere}
th{background:#f5f5f5}.badge{padding:0 .4rem;border-radius:.3rem;font-size:12px;font-weight:600}
.ok{background:#dcfce7;color:#166534}.bad{background:#fee2e2;color:#991b1b}.wait{background:#fef9c3;color:#854d0e}
.muted{color:#666}.partial{background:#fef9c3;padding:.5rem;border-radius:.3rem}code{background:#f5f5f5;padding:0 .2rem}`;

export function renderRunReport(input: RunReportInput): string {
  const { run } = input;
  const title = `Pipeline run ${run.runId}`;
  const total = run.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.startedAt) : undefined;
  const deployments = run.deployments.map((d) => [
    escape(d.environment),
    escape(d.releaseId),
    escape(d.previousReleaseId ?? 'none'),
    badge(d.outcome),
    duration(Date.parse(d.finishedAt) - Date.parse(d.startedAt)),
    escape(d.reason ?? ''),
  ]);
  const rollbacks = run.deployments.flatMap((d) =>
    d.rollback
      ? [
          [
            escape(d.environment),
            escape(d.rollback.reason),
            d.rollback.candidateShare === undefined ? '–' : `${d.rollback.candidateShare}%`,
            d.rollback.firstFaultAt
              ? duration(Date.parse(d.rollback.detectedAt) - Date.parse(d.rollback.firstFaultAt))
              : '–',
            escape(d.rollback.detectedAt),
            duration(d.rollback.trafficRestoredMs),
            d.rollback.afterFirstFault
              ? `${d.rollback.afterFirstFault.failed} of ${d.rollback.afterFirstFault.requests}`
              : '–',
            duration(d.rollback.candidateStoppedMs),
          ],
        ]
      : [],
  );
  const judgements = run.deployments.flatMap((d) =>
    (d.judgement?.endpoints ?? []).map((e) => [
      escape(d.environment),
      escape(e.endpoint),
      badge(e.outcome),
      `${ms(e.canary.p50Ms)} / ${ms(e.canary.p95Ms)}`,
      `${ms(e.previous.p50Ms)} / ${ms(e.previous.p95Ms)}`,
      `${e.canary.errors}/${e.canary.requests} · ${e.previous.errors}/${e.previous.requests}`,
      e.latencyPValue.toPrecision(2),
      escape(e.reason),
    ]),
  );
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escape(title)}</title><style>${STYLE}${CHART_STYLE}</style></head>
<body>
<h1>${escape(title)} ${badge(run.outcome)}</h1>
<p><code>${escape(run.version)}</code> ${escape(run.subject)} · branch ${escape(run.branch)} · trigger ${escape(run.trigger)} · committed ${escape(run.committedAt)}<br>
started ${escape(run.startedAt)} · ${run.finishedAt ? `finished ${escape(run.finishedAt)} · took ${duration(total)}` : 'still running'} · release <code>${escape(run.release.id)}</code> (${escape(run.release.source)})</p>
${run.reason ? `<p><strong>${escape(run.reason)}</strong></p>` : ''}
${run.dirty ? '<p class="partial">The working tree had uncommitted changes: this release is not exactly the commit above.</p>' : ''}
${run.waivers?.length ? `<p class="partial">${run.waivers.map((w) => `${escape(w.gate)} could not check; waived by ${escape(w.by)}: ${escape(w.reason)}`).join('<br>')}</p>` : ''}
${run.skippedGates.length ? `<p class="partial">Partial run: the model's gates ${run.skippedGates.map((g) => `<code>${escape(g)}</code>`).join(', ')} were left out (<code>--only-gates</code>).</p>` : ''}
<h2>Stages</h2>
${table(
  ['stage', 'result', 'took'],
  run.stages.map((s) => [escape(s.name), badge(s.status), duration(s.durationMs)]),
)}
<h2>Steps</h2>
${input.figures?.timeline ?? ''}
${table(['stage', 'step', 'result', 'took', 'summary', ''], [...run.steps].sort((a, b) => a.startedAt.localeCompare(b.startedAt)).map(stepRow))}
<h2>Deployments</h2>
${table(['environment', 'release', 'previous', 'result', 'took', 'why'], deployments)}
<h2>Rollbacks</h2>
${table(
  [
    'environment',
    'what breached',
    'new release had',
    'first failed request before detection',
    'detected',
    'traffic back after',
    'failed until traffic was back',
    'new release stopped after',
  ],
  rollbacks,
)}
<h2>Rolled back on demand</h2>
${rollbacksOnDemandSection(input.rollbacksOnDemand ?? [])}
<h2>Canary judgements</h2>
<p class="muted">Each endpoint of the new release against the previous one, on what both served side by side after the canary's warm-up: medians and p95 (new / previous), failures, and the rank test's p.</p>
${(input.figures?.canaries ?? []).join('\n')}
${table(['environment', 'endpoint', 'outcome', 'new p50 / p95', 'previous p50 / p95', 'failed (new · previous)', 'rank test p', 'why'], judgements)}
<h2>Approvals</h2>
${table(
  ['environment', 'decision', 'by', 'at', 'comment', 'via', 'evidence digest'],
  run.approvals.map((a) => [
    escape(a.environment),
    badge(a.decision),
    escape(a.by),
    escape(a.at),
    escape(a.comment),
    escape(a.via),
    `<code title="${escape(a.evidenceDigest)}">${escape(a.evidenceDigest.slice(0, 19))}…</code>`,
  ]),
)}
<h2>Approval evidence</h2>
${evidenceSection(input.evidence ?? [])}
<h2>Load (k6)</h2>
${(input.figures?.trends ?? []).join('\n')}
${loadSection(input.load, input.trend)}
<h2>Security findings</h2>
${findingsSection(input.findings)}
<h2>Reports</h2>
${input.links.length ? `<ul>${input.links.map((l) => `<li><a href="${escape(l.href)}">${escape(l.label)}</a></li>`).join('')}</ul>` : '<p class="muted">none</p>'}
<h2>Delivery (last ${input.delivery.windowDays} days, prod)</h2>
${deliverySection(input.delivery)}
<p class="muted"><a href="summary.json">summary.json</a> · generated ${escape(new Date().toISOString())}</p>
</body>
</html>
`;
}
