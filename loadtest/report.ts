import type { HeadroomResult } from './headroom-result';
import { LoadSummary } from './summary';
import { CHART_STYLE } from '../pipeline/kit/charts';
import { STARVED_HOST_STEAL_SHARE } from '../pipeline/kit/host-cpu';
import { JunitTestCase, renderJunit } from '../pipeline/kit/junit';

/**
 * The two renderings of a load run's summary: a page a person reads (`report.html`) and JUnit
 * (`junit.xml`) for CI report groups. Both are pure functions of the summary.
 */

const escapeXml = (text: string): string =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');

const ms = (n: number): string => `${n.toFixed(1)} ms`;
const pct = (ratio: number): string => `${(ratio * 100).toFixed(2)}%`;
const signed = (n: number): string => `${n > 0 ? '+' : ''}${n.toFixed(1)}%`;

export interface ReportLinks {
  /** k6's web-dashboard export, relative to the report. */
  readonly dashboard?: string;
  readonly summary?: string;
}

/** The gate's name (`load-current`) for a summary, as the reports folder and JUnit call it. */
export function gateNameFor(summary: LoadSummary): string {
  return `load-${summary.scenario}`;
}

type Comparison = NonNullable<LoadSummary['baseline']>;

/** The blended p95's own verdict; a summary from before per-endpoint verdicts has only `passed`. */
const blendedPassed = (b: Comparison): boolean => b.blendedPassed ?? b.passed;

/** A comparison's blended p95 as one JUnit case, skipped with the reason when there was none. */
function comparisonCase(summary: LoadSummary, b: Comparison | undefined, what: string, note: string): JunitTestCase {
  if (!b) return { name: `p95 against ${what}`, skipped: note };
  return {
    name: `p95 within ${b.tolerancePercent}% of ${what} (${b.source})`,
    failure: blendedPassed(b)
      ? undefined
      : {
          message: `p95 ${ms(summary.latencyMs.p95)} is ${signed(b.p95ChangePercent)} against ${ms(b.p95)}`,
          type: 'regression',
        },
  };
}

/**
 * The load run as JUnit: one test case per threshold of the whole session mix, one per
 * comparison of its blended p95 (with the last promoted release, with the reference), and one
 * per endpoint (its own p95 limit and its p50 and p95 against both baselines).
 */
export function renderLoadJunit(summary: LoadSummary): string {
  const suite = gateNameFor(summary);
  const cases: JunitTestCase[] = summary.thresholds
    .filter((t) => t.endpoint === undefined)
    .map((t) => ({
      name: `${t.name} ${t.limit}`,
      seconds: summary.durationSeconds,
      failure: t.passed ? undefined : { message: `${t.name}: ${t.actual} breaks ${t.limit}`, type: 'threshold' },
    }));
  cases.push(comparisonCase(summary, summary.baseline, 'the baseline', summary.baselineNote ?? 'no baseline'));
  cases.push(
    comparisonCase(summary, summary.reference, 'the reference baseline', summary.referenceNote ?? 'not compared'),
  );
  if (summary.host?.judged === false) {
    // A gate's run the host starved is not judged: its reports say so, not only its exit code.
    cases.unshift({
      name: `the host left this machine's CPU to the run (steal under ${STARVED_HOST_STEAL_SHARE * 100}%)`,
      seconds: summary.durationSeconds,
      failure: { message: summary.failures[0], type: 'not-judged' },
    });
  }
  for (const [endpoint, e] of Object.entries(summary.endpoints ?? {})) {
    const limit = summary.thresholds.find((t) => t.endpoint === endpoint)?.limit;
    cases.push({
      name:
        `endpoint ${endpoint}: ${limit ? `${limit}, ` : ''}p50 and p95 within tolerance of the last promoted release ` +
        'and the reference baseline',
      seconds: summary.durationSeconds,
      failure:
        e.passed === false
          ? { message: `${endpoint}: ${(e.failures ?? []).join('; ') || 'failed'}`, type: 'endpoint' }
          : undefined,
    });
  }
  return renderJunit({
    name: suite,
    suites: [{ name: suite, cases, seconds: summary.durationSeconds, timestamp: summary.startedAt }],
  });
}

const STYLE = `
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.5rem;margin-bottom:.25rem}h2{font-size:1.1rem;margin-top:2rem}
.verdict{display:inline-block;padding:.2rem .6rem;border-radius:.3rem;font-weight:600;color:#fff}
.pass{background:#1a7f37}.fail{background:#cf222e}.none{background:#6e7781}
table{border-collapse:collapse;width:100%;margin-top:.5rem}th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #d0d7de}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}.muted{color:#57606a}ul.failures li{color:#cf222e}
`;

function row(cells: string[], header = false): string {
  const tag = header ? 'th' : 'td';
  return `<tr>${cells.map((c, i) => `<${tag}${i > 0 ? ' class="num"' : ''}>${c}</${tag}>`).join('')}</tr>`;
}

/** A threshold's measured value in its unit: latency in ms, rates in percent, counts whole. */
function thresholdActual(t: LoadSummary['thresholds'][number]): string {
  if (t.limit.startsWith('p(')) return ms(t.actual);
  if (t.limit.startsWith('rate')) return pct(t.actual);
  if (t.limit.startsWith('count')) return String(Math.round(t.actual));
  if (t.name.startsWith('achieved request rate')) return `${t.actual.toFixed(1)} req/s`;
  return String(t.actual);
}

function verdictBadge(passed: boolean | undefined): string {
  if (passed === undefined) return '<span class="verdict none">no baseline</span>';
  return passed ? '<span class="verdict pass">passed</span>' : '<span class="verdict fail">failed</span>';
}

function promotionText(b: Comparison): string {
  const p = b.promotion;
  if (!p) return `<code>${escapeXml(b.source)}</code>`;
  const release = p.release ? `release <code>${escapeXml(p.release)}</code>` : 'the release';
  const to = p.environment ? ` to ${escapeXml(p.environment)}` : '';
  return `${release}, promoted${to} at ${escapeXml(p.promotedAt)} (<code>${escapeXml(b.source)}</code>)`;
}

function referenceActText(b: Comparison): string {
  const act = b.referenceAct;
  if (!act) return `<code>${escapeXml(b.source)}</code>`;
  return (
    `set by ${escapeXml(act.by)} at ${escapeXml(act.setAt)}: &ldquo;${escapeXml(act.comment)}&rdquo; ` +
    `(from <code>${escapeXml(act.from)}</code>; <code>${escapeXml(b.source)}</code>)`
  );
}

/** The blended numbers of a run against one baseline, with the verdict of its blended p95. */
function comparisonSection(summary: LoadSummary, b: Comparison, intro: string): string {
  const change = (now: number, before: number | undefined): string =>
    before !== undefined && before > 0 ? signed(((now - before) / before) * 100) : '&ndash;';
  const latencyRow = (name: string, now: number, before: number | undefined, stated?: number): string =>
    before === undefined
      ? ''
      : row([name, ms(before), ms(now), stated !== undefined ? signed(stated) : change(now, before)]);
  return [
    `<p>${intro}. p95 may grow by at most ${b.tolerancePercent}%` +
      (b.minimumChangeMs !== undefined ? ` (changes under ${b.minimumChangeMs} ms are noise)` : '') +
      `, and so may each endpoint's p50 and p95. ${verdictBadge(blendedPassed(b))}</p>`,
    '<table>',
    row(['', 'baseline', 'this run', 'change'], true),
    latencyRow('p50', summary.latencyMs.p50, b.p50),
    latencyRow('p95', summary.latencyMs.p95, b.p95, b.p95ChangePercent),
    latencyRow('p99', summary.latencyMs.p99, b.p99),
    row([
      'achieved rate',
      `${b.achievedRate.toFixed(1)} req/s`,
      `${summary.achievedRate.toFixed(1)} req/s`,
      change(summary.achievedRate, b.achievedRate),
    ]),
    row(['error rate', pct(b.errorRate), pct(summary.errorRate), '']),
    '</table>',
    b.endpointsNote ? `<p class="muted">${escapeXml(b.endpointsNote)}</p>` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

function baselineSection(summary: LoadSummary): string {
  const b = summary.baseline;
  if (!b) return `<p class="muted">${escapeXml(summary.baselineNote ?? 'No baseline: no comparison.')}</p>`;
  return comparisonSection(summary, b, `Against the last promoted release: ${promotionText(b)}`);
}

function referenceSection(summary: LoadSummary): string {
  const b = summary.reference;
  if (!b) {
    return `<p class="muted">${escapeXml(summary.referenceNote ?? 'Not compared with a reference baseline.')}</p>`;
  }
  return comparisonSection(
    summary,
    b,
    `Against the reference baseline, which moves only by <code>load:set-reference</code> (or the first promotion): ${referenceActText(b)}`,
  );
}

/** An endpoint's p50 and p95 change against one baseline, or a dash when it was not compared. */
function endpointChange(b: Comparison | undefined, endpoint: string): string {
  const e = b?.endpoints?.[endpoint];
  return e ? `${signed(e.p50ChangePercent)} / ${signed(e.p95ChangePercent)}` : '&ndash;';
}

/** Each endpoint of the profile: its latencies, its change against both baselines, and its verdict. */
function endpointSection(summary: LoadSummary): string {
  const entries = Object.entries(summary.endpoints ?? {});
  if (entries.length === 0) return '';
  const rows = entries.map(([name, e]) => {
    const result =
      e.passed === undefined
        ? ''
        : `${verdictBadge(e.passed)}${(e.failures ?? []).map((f) => `<br><span class="muted">${escapeXml(f)}</span>`).join('')}`;
    return row([
      escapeXml(name),
      ms(e.p50),
      ms(e.p95),
      ms(e.p99),
      ms(e.max),
      endpointChange(summary.baseline, name),
      endpointChange(summary.reference, name),
      result,
    ]);
  });
  return [
    '<h2>Per endpoint</h2>',
    '<p class="muted">Each endpoint is judged on its own: p95 under the limit, and p50 and p95 within the tolerance of the last promoted release and of the reference baseline (change shown as p50 / p95).</p>',
    '<table>',
    row(['endpoint', 'p50', 'p95', 'p99', 'max', 'vs last promoted', 'vs reference', 'result'], true),
    ...rows,
    '</table>',
  ].join('\n');
}

/** What the host took of this machine's CPU while k6 ran, and whether that left the run unjudged. */
function hostLine(summary: LoadSummary): string {
  if (!summary.host) return '';
  const share = `the host took ${summary.host.stealPercent}% of this machine's CPU (steal)`;
  return ` &middot; ${share}${summary.host.starved ? ': <strong>starved</strong>, its latencies measure the host' : ''}`;
}

/**
 * The page. `figures` are the charts of `loadReportCharts`, already drawn (`renderFigure`): over
 * the run first, then each endpoint against its baseline band beside the per-endpoint table.
 */
export function renderReportHtml(
  summary: LoadSummary,
  links: ReportLinks = {},
  figures: readonly string[] = [],
): string {
  const load =
    summary.multiplier === undefined || summary.multiplier === 1
      ? 'the current load'
      : `${summary.multiplier}x the current load`;
  const title = `${gateNameFor(summary)}: k6 at ${load}`;
  const l = summary.latencyMs;
  const linkItems = [
    links.dashboard ? `<a href="${escapeXml(links.dashboard)}">k6 web dashboard (full run, with the warm-up)</a>` : '',
    links.summary ? `<a href="${escapeXml(links.summary)}">summary.json</a>` : '',
  ].filter(Boolean);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeXml(title)}</title><style>${STYLE}${CHART_STYLE}</style></head>
<body>
<h1>${escapeXml(title)} ${verdictBadge(summary.passed)}</h1>
<p class="muted">Load profile ${escapeXml(summary.profileVersion)} &middot; scenario <code>${escapeXml(summary.scenario)}</code> &middot;
target ${escapeXml(summary.target)} &middot; started ${escapeXml(summary.startedAt)} &middot; measured over ${summary.durationSeconds} s${hostLine(summary)}</p>
${summary.failures.length ? `<ul class="failures">${summary.failures.map((f) => `<li>${escapeXml(f)}</li>`).join('')}</ul>` : ''}
<h2>Scenario ${escapeXml(summary.scenario)}</h2>
<table>
${row(['scenario', 'p50', 'p95', 'p99', 'max', 'planned', 'achieved', 'requests', 'error rate'], true)}
${row([
  escapeXml(summary.scenario),
  ms(l.p50),
  ms(l.p95),
  ms(l.p99),
  ms(l.max),
  `${summary.targetRate} req/s`,
  `${summary.achievedRate.toFixed(1)} req/s`,
  String(summary.requests),
  pct(summary.errorRate),
])}
</table>
<h2>Thresholds</h2>
<table>
${row(['threshold', 'limit', 'actual', 'result'], true)}
${summary.thresholds.map((t) => row([escapeXml(t.name), escapeXml(t.limit), thresholdActual(t), verdictBadge(t.passed)])).join('\n')}
</table>
${figures.length ? `<h2>Pictures</h2>\n${figures.join('\n')}` : ''}
${endpointSection(summary)}
<h2>Against the last promoted release</h2>
${baselineSection(summary)}
<h2>Against the reference baseline</h2>
${referenceSection(summary)}
${linkItems.length ? `<h2>More</h2>\n<p>${linkItems.join(' &middot; ')}</p>` : ''}
</body>
</html>
`;
}

/** The headroom search as a page: each step's planned and achieved rate, p95 and errors, and the multiple that held. */
export function renderHeadroomHtml(result: HeadroomResult): string {
  const title = `load-headroom: ${result.headroomMultiple}x the current load held`;
  const rows = result.steps.map((s) =>
    row([
      `<a href="${escapeXml(`${s.scenario}/report.html`)}">${s.multiplier}x</a>`,
      `${s.targetRate} req/s`,
      s.achievedRate === undefined ? '&ndash;' : `${s.achievedRate.toFixed(1)} req/s`,
      s.p95 === undefined ? '&ndash;' : ms(s.p95),
      s.errorRate === undefined ? '&ndash;' : pct(s.errorRate),
      s.held ? verdictBadge(true).replace('passed', 'held') : verdictBadge(false).replace('failed', 'broke'),
    ]),
  );
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeXml(title)}</title><style>${STYLE}</style></head>
<body>
<h1>${escapeXml(title)}</h1>
<p>The highest arrival rate that held p95 under the budget with errors in budget and the load delivered:
<strong>${result.headroomMultiple}x</strong> the current load of ${result.currentRate} req/s = <strong>${result.headroomRate} req/s</strong>.</p>
<p class="muted">Load profile ${escapeXml(result.profileVersion)} &middot; target ${escapeXml(result.target)} &middot;
measured ${escapeXml(result.measuredAt)} &middot; ${result.stepSeconds} s per step &middot; ${escapeXml(result.stoppedBecause)}</p>
<table>
${row(['step', 'planned', 'achieved', 'p95', 'error rate', 'result'], true)}
${rows.join('\n')}
</table>
</body>
</html>
`;
}
