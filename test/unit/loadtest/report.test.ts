import { describe, expect, it } from 'vitest';
import { summaryOf } from './fixtures';
import { renderHeadroomHtml, renderLoadJunit, renderReportHtml } from '../../../loadtest/report';
import {
  endpointsAgainstBaseline,
  failuresOverTime,
  latencyOverTime,
  loadReportCharts,
  thresholdLimit,
  toleranceCeiling,
} from '../../../loadtest/report-charts';
import type { TimeSeries } from '../../../loadtest/timeseries';
import { Chart, renderFigure, renderSvg } from '../../../pipeline/kit/charts';

const failedRun = summaryOf({
  scenario: 'tenfold',
  multiplier: 10,
  targetRate: 50,
  achievedRate: 49.6,
  latencyMs: { p50: 120, p95: 243.1, p99: 300.5, max: 410 },
  thresholds: [
    { name: 'p95 latency: http_req_duration{scenario:tenfold}', limit: 'p(95)<200', actual: 243.1, passed: false },
    { name: 'error rate: http_req_failed{scenario:tenfold}', limit: 'rate<0.01', actual: 0, passed: true },
  ],
  baseline: {
    source: 'baselines/prod/load-tenfold.json',
    p95: 40,
    achievedRate: 50.1,
    errorRate: 0,
    p95ChangePercent: 507.8,
    tolerancePercent: 20,
    minimumChangeMs: 5,
    passed: false,
  },
  passed: false,
  failures: ['scenario tenfold: p95 243.1 ms is not under the 200 ms limit'],
});

/** A run whose memories endpoints got three times slower while login kept the blend where it was. */
const slowerEndpoints = summaryOf({
  latencyMs: { p50: 30, p95: 128, p99: 140, max: 160 },
  endpoints: {
    login: { p50: 90, p95: 130, p99: 140, max: 160, passed: true, failures: [] },
    list: {
      p50: 41,
      p95: 60,
      p99: 70,
      max: 80,
      passed: false,
      failures: ['p50 14.2 ms → 41.0 ms (+189%, tolerance 20%) against the last promoted release'],
    },
  },
  thresholds: [
    { name: 'p95 latency: http_req_duration{scenario:current}', limit: 'p(95)<200', actual: 128, passed: true },
    {
      name: 'p95 latency of login: http_req_duration{scenario:current,endpoint:login}',
      limit: 'p(95)<200',
      actual: 130,
      passed: true,
      endpoint: 'login',
    },
    {
      name: 'p95 latency of list: http_req_duration{scenario:current,endpoint:list}',
      limit: 'p(95)<200',
      actual: 60,
      passed: true,
      endpoint: 'list',
    },
  ],
  baseline: {
    source: '.pipeline/baselines/prod/load-current.json',
    p95: 128,
    achievedRate: 5,
    errorRate: 0,
    p95ChangePercent: 0,
    tolerancePercent: 20,
    minimumChangeMs: 5,
    blendedPassed: true,
    endpoints: {
      login: { p50: 90, p95: 130, p50ChangePercent: 0, p95ChangePercent: 0, passed: true },
      list: { p50: 14.2, p95: 20, p50ChangePercent: 188.7, p95ChangePercent: 200, passed: false },
    },
    passed: false,
  },
  referenceNote: 'no reference baseline yet (.pipeline/baselines/prod/reference/load-current.json does not exist)',
  passed: false,
  failures: [
    'scenario current: list slower than the last promoted release: list p50 14.2 ms → 41.0 ms (+189%, tolerance 20%)',
  ],
});

describe('the JUnit rendering of a load run', () => {
  it('has one test case per threshold, per baseline and per endpoint, failing the crossed ones', () => {
    const xml = renderLoadJunit(failedRun);
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    // 2 thresholds, the baseline, the reference (skipped), one endpoint (login)
    expect(xml).toContain('<testsuite name="load-tenfold" tests="5" failures="2" skipped="1"');
    expect(xml.match(/<testcase /g)).toHaveLength(5);
    expect(xml).toContain(
      '<failure message="p95 latency: http_req_duration{scenario:tenfold}: 243.1 breaks p(95)&lt;200"',
    );
    expect(xml).toContain('type="regression"');
  });

  it('marks the baseline comparisons as skipped, with the reason, when there is no baseline', () => {
    const xml = renderLoadJunit(
      summaryOf({
        baselineNote: 'no baseline yet (x.json does not exist)',
        referenceNote: 'no reference baseline yet (reference/x.json does not exist)',
      }),
    );
    expect(xml).toContain('failures="0" skipped="2"');
    expect(xml).toContain('<skipped message="no baseline yet (x.json does not exist)"/>');
    expect(xml).toContain('<skipped message="no reference baseline yet (reference/x.json does not exist)"/>');
  });

  it('fails a case saying so when the host starved a run it did not judge, and adds none for a run it judged', () => {
    const notJudged = "scenario current: not judged: the host took 35% of this machine's CPU (steal) while k6 ran";
    const starved = renderLoadJunit(
      summaryOf({ host: { stealPercent: 35, starved: true, judged: false }, passed: false, failures: [notJudged] }),
    );
    expect(starved).toContain(
      `name="the host left this machine's CPU to the run (steal under 20%)"`.replace(/'/g, '&apos;'),
    );
    expect(starved).toContain(`<failure message="${notJudged.replace(/'/g, '&apos;')}" type="not-judged"`);
    // A headroom step records a starved host and is judged as measured: past the knee it fails on
    // its thresholds, and says that, not that it was left unjudged.
    const pastTheKnee = 'scenario current: p95 412 ms over the 200 ms limit';
    const judged = renderLoadJunit(
      summaryOf({ host: { stealPercent: 35, starved: true, judged: true }, passed: false, failures: [pastTheKnee] }),
    );
    expect(judged).not.toContain('not-judged');
    expect(judged).not.toContain('the host left this machine');
  });

  it('has one case per endpoint, failing the slower one with its numbers, while the blend passes', () => {
    const xml = renderLoadJunit(slowerEndpoints);
    expect(xml).toContain('tests="5" failures="1" skipped="1"');
    expect(xml).toContain(
      'name="endpoint list: p(95)&lt;200, p50 and p95 within tolerance of the last promoted release and the reference baseline"',
    );
    expect(xml).toContain(
      '<failure message="list: p50 14.2 ms → 41.0 ms (+189%, tolerance 20%) against the last promoted release" type="endpoint"',
    );
    expect(xml).not.toContain('type="regression"');
  });
});

describe('the readable load report', () => {
  const html = renderReportHtml(failedRun, { dashboard: 'dashboard.html', summary: 'summary.json' });

  it('shows the scenario with p50, p95, p99, throughput planned and achieved, and error rate', () => {
    expect(html).toContain('load-tenfold: k6 at 10x the current load');
    for (const cell of ['120.0 ms', '243.1 ms', '300.5 ms', '50 req/s', '49.6 req/s', '0.00%']) {
      expect(html).toContain(cell);
    }
  });

  it('lists every threshold with its verdict, and the failures in words', () => {
    expect(html).toContain('p(95)&lt;200');
    expect(html).toContain('<li>scenario tenfold: p95 243.1 ms is not under the 200 ms limit</li>');
    expect(html).toContain('<span class="verdict fail">failed</span>');
  });

  it('says what the host took of the CPU while k6 ran, and when that left the run unjudged', () => {
    expect(html).not.toContain('(steal)');
    const quiet = renderReportHtml({ ...failedRun, host: { stealPercent: 3.1, starved: false, judged: true } }, {});
    expect(quiet).toContain("the host took 3.1% of this machine's CPU (steal)</p>");
    const starved = renderReportHtml({ ...failedRun, host: { stealPercent: 35, starved: true, judged: false } }, {});
    expect(starved).toContain(
      "the host took 35% of this machine's CPU (steal): <strong>starved</strong>, its latencies measure the host</p>",
    );
  });

  it('shows the change against the baseline and links the k6 dashboard', () => {
    expect(html).toContain('+507.8%');
    expect(html).toContain('baselines/prod/load-tenfold.json');
    expect(html).toContain('href="dashboard.html"');
  });

  it('compares p50, p95 and p99 with the baseline and names the promoted release it came from', () => {
    const page = renderReportHtml(
      summaryOf({
        latencyMs: { p50: 10, p95: 22, p99: 40, max: 50 },
        baseline: {
          source: '/w/baselines/prod/load-current.json',
          promotion: { environment: 'prod', release: 'abc1234', promotedAt: '2026-11-20T09:00:00.000Z' },
          p50: 8,
          p95: 20,
          p99: 32,
          achievedRate: 5,
          errorRate: 0,
          p95ChangePercent: 10,
          tolerancePercent: 20,
          passed: true,
        },
      }),
    );
    expect(page).toContain('release <code>abc1234</code>, promoted to prod at 2026-11-20T09:00:00.000Z');
    expect(page).toContain(
      '<tr><td>p50</td><td class="num">8.0 ms</td><td class="num">10.0 ms</td><td class="num">+25.0%</td></tr>',
    );
    expect(page).toContain(
      '<tr><td>p99</td><td class="num">32.0 ms</td><td class="num">40.0 ms</td><td class="num">+25.0%</td></tr>',
    );
  });

  it('says why there is no comparison when there is no baseline', () => {
    const page = renderReportHtml(
      summaryOf({
        baselineNote:
          'no baseline given (neither B2_LOAD_BASELINE_ENVIRONMENT nor B2_LOAD_BASELINE is set): no comparison',
      }),
    );
    expect(page).toContain('load-current: k6 at the current load');
    expect(page).toContain(
      'no baseline given (neither B2_LOAD_BASELINE_ENVIRONMENT nor B2_LOAD_BASELINE is set): no comparison',
    );
  });

  it('shows a table per endpoint with its change against both baselines and a passed or failed badge per row', () => {
    const page = renderReportHtml(slowerEndpoints);
    expect(page).toContain(
      '<tr><th>endpoint</th><th class="num">p50</th><th class="num">p95</th><th class="num">p99</th><th class="num">max</th>' +
        '<th class="num">vs last promoted</th><th class="num">vs reference</th><th class="num">result</th></tr>',
    );
    expect(page).toContain(
      '<tr><td>list</td><td class="num">41.0 ms</td><td class="num">60.0 ms</td><td class="num">70.0 ms</td><td class="num">80.0 ms</td>' +
        '<td class="num">+188.7% / +200.0%</td><td class="num">&ndash;</td><td class="num"><span class="verdict fail">failed</span>' +
        '<br><span class="muted">p50 14.2 ms → 41.0 ms (+189%, tolerance 20%) against the last promoted release</span></td></tr>',
    );
    expect(page).toContain(
      '<tr><td>login</td><td class="num">90.0 ms</td><td class="num">130.0 ms</td><td class="num">140.0 ms</td><td class="num">160.0 ms</td>' +
        '<td class="num">0.0% / 0.0%</td><td class="num">&ndash;</td><td class="num"><span class="verdict pass">passed</span></td></tr>',
    );
  });

  it('says when there is no reference baseline yet, and who set it and why when there is one', () => {
    expect(renderReportHtml(slowerEndpoints)).toContain(
      '<h2>Against the reference baseline</h2>\n<p class="muted">no reference baseline yet (.pipeline/baselines/prod/reference/load-current.json does not exist)</p>',
    );
    const page = renderReportHtml(
      summaryOf({
        reference: {
          source: '.pipeline/baselines/prod/reference/load-current.json',
          referenceAct: {
            by: 'Ada Lovelace',
            setAt: '2026-11-26T10:00:00.000Z',
            comment: 'the new index is the expected speed',
            from: 'reports/load-current/summary.json',
          },
          p95: 20,
          achievedRate: 5,
          errorRate: 0,
          p95ChangePercent: 0,
          tolerancePercent: 30,
          passed: true,
        },
      }),
    );
    expect(page).toContain(
      'set by Ada Lovelace at 2026-11-26T10:00:00.000Z: &ldquo;the new index is the expected speed&rdquo;',
    );
    expect(page).toContain('p95 may grow by at most 30%');
  });

  it('escapes what it did not write itself', () => {
    const page = renderReportHtml(summaryOf({ target: 'http://127.0.0.1:1/<script>' }));
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;script&gt;');
  });
});

describe('the headroom page', () => {
  it('shows each step with its rates, p95 and verdict, and the multiple that held', () => {
    const page = renderHeadroomHtml({
      profileVersion: '1.0.0',
      currentRate: 5,
      target: 'http://127.0.0.1:4101',
      measuredAt: '2026-11-25T12:00:00.000Z',
      stepSeconds: 20,
      steps: [
        {
          scenario: 'step-10x',
          multiplier: 10,
          targetRate: 50,
          achievedRate: 50.2,
          p95: 61,
          errorRate: 0,
          held: true,
          failures: [],
        },
        { scenario: 'step-15x', multiplier: 15, targetRate: 75, held: false, failures: ['k6 stopped'] },
      ],
      headroomMultiple: 10,
      headroomRate: 50,
      stoppedBecause: '15x did not complete: k6 stopped',
    });
    expect(page).toContain('load-headroom: 10x the current load held');
    expect(page).toContain('<strong>50 req/s</strong>');
    expect(page).toContain('<a href="step-10x/report.html">10x</a>');
    expect(page).toContain('61.0 ms');
    expect(page).toContain('<span class="verdict fail">broke</span>');
  });
});

describe('the load report’s pictures', () => {
  /** A run whose list endpoint slowed from the 10th second on, login steady. */
  const series: TimeSeries = {
    bucketSeconds: 2,
    warmupSeconds: 5,
    buckets: [0, 2, 4, 6, 8, 10, 12, 14].flatMap((t) => [
      { t, endpoint: 'login', requests: 10, failed: 0, p50: 90, p95: 130 },
      { t, endpoint: 'list', requests: 10, failed: t === 12 ? 1 : 0, p50: t >= 10 ? 41 : 14, p95: t >= 10 ? 60 : 20 },
    ]),
  };

  /** The data of a drawn chart, as its marks' ARIA labels say it. */
  const markLabels = (svg: string): string[] =>
    [...svg.matchAll(/<[^>]*aria-roledescription="(?:bar|line|point|rule mark|circle|symbol)"[^>]*>/g)].flatMap(
      ([tag]) => /aria-label="([^"]*)"/.exec(tag)?.[1] ?? [],
    );

  it('draws latency over the run per endpoint, with a point for every bucket of every endpoint and the p95 limit', async () => {
    const chart = latencyOverTime(slowerEndpoints, series);
    expect(chart).toBeDefined();
    const svg = await renderSvg(chart as Chart);
    const labels = markLabels(svg);
    expect(labels.filter((l) => l.includes('endpoint: list') && l.includes('percentile: p95'))).toHaveLength(8);
    expect(labels.filter((l) => l.includes('endpoint: login') && l.includes('percentile: p50'))).toHaveLength(8);
    expect(labels).toContainEqual(expect.stringContaining('p95 limit 200 ms'));
    expect(labels).toContainEqual(expect.stringContaining('end of warm-up'));
    expect(svg).toContain('seconds into the run');
    expect(svg).toContain('latency (ms)');
  });

  it('draws failed requests over time against the error budget', async () => {
    const svg = await renderSvg(failuresOverTime(failedRun, series) as Chart);
    const bars = markLabels(svg).filter((l) => l.includes('failed'));
    expect(bars).toHaveLength(8);
    expect(bars).toContainEqual(expect.stringMatching(/s: 12; failed: 1; requests: 20/));
    expect(markLabels(svg)).toContainEqual(expect.stringContaining('error budget 1%'));
  });

  it('stands the slowed endpoint’s bar above its baseline band, and the steady one within it', async () => {
    const chart = endpointsAgainstBaseline(slowerEndpoints) as Chart;
    expect(chart.description).toContain('Above the band: list (60 ms against at most 25 ms)');
    const labels = markLabels(await renderSvg(chart));
    expect(labels).toContainEqual(expect.stringMatching(/^endpoint: list; p95: 60;.* verdict: above the band$/));
    expect(labels).toContainEqual(expect.stringMatching(/^endpoint: login; p95: 130;.* verdict: within$/));
    expect(labels).toContainEqual(expect.stringMatching(/^endpoint: list; p95 \(ms\): 20; ceiling: 25/));
  });

  it('puts the figures, with their text alternatives, into the page before the per-endpoint table', async () => {
    const figures = await Promise.all(loadReportCharts(slowerEndpoints, series).map(renderFigure));
    expect(figures).toHaveLength(3);
    const html = renderReportHtml(slowerEndpoints, {}, figures);
    expect(html.match(/<figure class="chart"><svg/g)).toHaveLength(3);
    expect(html).toContain('<figcaption>Bars: this run&#39;s p95 per endpoint.');
    expect(html.indexOf('<figure')).toBeLessThan(html.indexOf('<h2>Per endpoint</h2>'));
    expect(html).not.toMatch(/<script|(?:src|href)="https?:/);
  });

  it('draws no chart of over-time data when there is none, and no band when there is no baseline', () => {
    expect(latencyOverTime(failedRun, { bucketSeconds: 2, warmupSeconds: 5, buckets: [] })).toBeUndefined();
    expect(endpointsAgainstBaseline(failedRun)).toBeUndefined();
    expect(toleranceCeiling(20, 20, 5)).toBe(25);
    expect(toleranceCeiling(100, 20, 5)).toBe(120);
    expect(thresholdLimit('p(95)<200')).toBe(200);
    expect(thresholdLimit('rate<0.01')).toBe(0.01);
  });
});
