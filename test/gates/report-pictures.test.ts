import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { chromium } from '@playwright/test';
import { describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../loadtest/report';
import { loadReportCharts } from '../../loadtest/report-charts';
import type { TimeSeries } from '../../loadtest/timeseries';
import { Chart, renderFigure } from '../../pipeline/kit/charts';
import { canaryBeside, endpointTrend, runTimeline } from '../../pipeline/local/report/run-charts';
import { renderRunReport, TrendPoint } from '../../pipeline/local/report/run-report';
import type { RunSummary } from '../../pipeline/local/run/run-record';
import { requireTool } from '../../pipeline/toolchain/probe';
import { PROJECT_ROOT } from '../harness/scratch-project';
import { summaryOf } from '../unit/loadtest/fixtures';

/**
 * The reports' pictures as a reader sees them: a load report with a planted slowdown, opened from
 * its folder in Debian's Chromium, no network. The screenshot is attached to the test report.
 */

const OUT = path.join(PROJECT_ROOT, 'reports', 'test', 'pictures');

/** A run whose list endpoint tripled from the 10th second on; login steady. */
const slowed = summaryOf({
  latencyMs: { p50: 30, p95: 128, p99: 140, max: 160 },
  endpoints: {
    login: { p50: 90, p95: 130, p99: 140, max: 160, passed: true, failures: [] },
    list: { p50: 41, p95: 60, p99: 70, max: 80, passed: false, failures: ['p95 20.0 ms → 60.0 ms (+200%)'] },
  },
  thresholds: [
    { name: 'p95 latency of login', limit: 'p(95)<200', actual: 130, passed: true, endpoint: 'login' },
    { name: 'p95 latency of list', limit: 'p(95)<200', actual: 60, passed: true, endpoint: 'list' },
    { name: 'error rate', limit: 'rate<0.01', actual: 0, passed: true },
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
  passed: false,
  failures: ['scenario current: list slower than the last promoted release'],
});

const series: TimeSeries = {
  bucketSeconds: 2,
  warmupSeconds: 5,
  buckets: Array.from({ length: 18 }, (_, i) => i * 2).flatMap((t) => [
    { t, endpoint: 'login', requests: 10, failed: 0, p50: 90, p95: 130 },
    { t, endpoint: 'list', requests: 10, failed: 0, p50: t >= 10 ? 41 : 14, p95: t >= 10 ? 60 : 20 },
  ]),
};

describe('the load report in Chromium', () => {
  it('shows each chart with its data, the slowed endpoint above its band, and no request leaves the page', async ({
    annotate,
  }) => {
    mkdirSync(OUT, { recursive: true });
    const figures = await Promise.all(loadReportCharts(slowed, series).map(renderFigure));
    const page = path.join(OUT, 'load-report.html');
    writeFileSync(page, renderReportHtml(slowed, {}, figures));

    const browser = await chromium.launch({ executablePath: await requireTool('chromium'), args: ['--no-sandbox'] });
    try {
      const tab = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const outside: string[] = [];
      tab.on('request', (request) => {
        if (!request.url().startsWith('file:')) outside.push(request.url());
      });
      await tab.goto(`file://${page}`);
      const charts = tab.locator('figure.chart');
      await expect.poll(() => charts.count()).toBe(3);
      // Every chart is drawn, with a mark per data point a reader can hover or a screen reader read.
      const labels = await tab
        .locator('figure.chart [aria-roledescription="bar"]')
        .evaluateAll((marks) => marks.map((m) => m.getAttribute('aria-label') ?? ''));
      expect(labels.filter((l) => l.includes('verdict: above the band'))).toEqual([
        expect.stringMatching(/^endpoint: list; p95: 60;/),
      ]);
      const points = await tab.locator('figure.chart').first().locator('[aria-roledescription="point"]').count();
      expect(points).toBe(18 * 2 * 2);
      const box = await charts.first().locator('svg').boundingBox();
      expect(box?.width).toBeGreaterThan(300);
      expect(outside).toEqual([]);
      const screenshot = path.join(OUT, 'load-report.png');
      await tab.screenshot({ path: screenshot, fullPage: true });
      await annotate('the load report with a planted slowdown of list, as Chromium shows it', {
        path: screenshot,
        contentType: 'image/png',
      });
    } finally {
      await browser.close();
    }
  });
});

/** A run that rolled prod back: its canary's list endpoint was three times slower. */
const at = (second: number): string => new Date(Date.UTC(2026, 11, 2, 10, 0, second)).toISOString();
const step = (id: string, from: number, seconds: number, status: 'passed' | 'failed' = 'passed') => ({
  id,
  stage: id.split('/')[0],
  kind: 'gate' as const,
  status,
  startedAt: at(from),
  durationMs: seconds * 1000,
  summary: `${id} ${status}`,
});
const rolledBack: RunSummary = {
  runId: '20261202T100000Z-abc1234',
  commit: 'abc1234',
  version: 'abc1234',
  branch: 'main',
  subject: 'List memories newest first',
  committedAt: at(0),
  dirty: false,
  trigger: 'push',
  startedAt: at(0),
  finishedAt: at(200),
  outcome: 'rolled-back',
  reason: 'rolled back in prod: canary judged fail: list slower',
  release: { id: 'r-abc1234', commit: 'abc1234', dir: '/x', source: 'built' },
  skippedGates: [],
  minuteMs: 3_000,
  ports: { database: 4100, environments: { dev: 4101, prod: 4103 } },
  stages: [],
  steps: [
    step('pre-deploy/lint', 2, 40),
    step('pre-deploy/unit', 2, 60),
    step('pre-deploy/sast', 42, 30),
    step('dev/smoke', 110, 5),
    step('dev/load-current', 116, 40),
  ],
  deployments: [
    {
      environment: 'prod',
      releaseId: 'r-abc1234',
      previousReleaseId: 'r-0000000',
      startedAt: at(160),
      finishedAt: at(200),
      outcome: 'rolled-back',
      reason: 'canary judged fail: list slower',
      shifts: [
        { at: at(162), share: 10 },
        { at: at(190), share: 0 },
      ],
      judgement: {
        outcome: 'fail',
        summary: 'canary judged fail: list median 62.5 ms against 12.5 ms',
        endpoints: ['login', 'list'].map((endpoint) => ({
          endpoint,
          outcome: endpoint === 'list' ? ('fail' as const) : ('pass' as const),
          canary:
            endpoint === 'list'
              ? { requests: 40, errors: 0, minMs: 40, p25Ms: 55, p50Ms: 62.5, p75Ms: 70, p95Ms: 80, maxMs: 120 }
              : { requests: 40, errors: 0, minMs: 20, p25Ms: 24, p50Ms: 26, p75Ms: 28, p95Ms: 31, maxMs: 40 },
          previous:
            endpoint === 'list'
              ? { requests: 41, errors: 0, minMs: 8, p25Ms: 10, p50Ms: 12.5, p75Ms: 15, p95Ms: 20, maxMs: 30 }
              : { requests: 41, errors: 0, minMs: 19, p25Ms: 23, p50Ms: 25, p75Ms: 27, p95Ms: 30, maxMs: 41 },
          latencyPValue: endpoint === 'list' ? 0.000001 : 0.4,
          errorPValue: 1,
          reason: endpoint === 'list' ? 'slower' : 'no difference',
        })),
      },
    },
  ],
  approvals: [],
  waivers: [],
  baselinesPromoted: [],
};

const trend: TrendPoint[] = [14, 15, 14, 41].map((list, i) => ({
  runId: `2026120${i + 1}T100000Z`,
  scenario: 'current',
  environment: 'dev',
  p95Ms: 30,
  p99Ms: 40,
  achievedRate: 5,
  errorRate: 0,
  passed: i < 3,
  endpoints: { login: 28, list },
  referenceEndpoints: { login: 27, list: 14 },
}));

describe('the run page in Chromium', () => {
  it('shows the timeline, the canary beside the previous release and the trend, each with its marks', async ({
    annotate,
  }) => {
    mkdirSync(OUT, { recursive: true });
    const draw = (chart: Chart | undefined): Promise<string> => renderFigure(chart as Chart);
    const page = path.join(OUT, 'run-page.html');
    writeFileSync(
      page,
      renderRunReport({
        run: rolledBack,
        load: [],
        findings: [],
        delivery: {
          windowDays: 30,
          productionDeployments: 3,
          deploymentsPerDay: 0.1,
          leadTimeMs: 600_000,
          changeFailureRate: 0.25,
          timeToRestoreMs: 4,
        },
        trend,
        links: [],
        figures: {
          timeline: await draw(runTimeline(rolledBack)),
          canaries: [await draw(canaryBeside(rolledBack.deployments[0]))],
          trends: [await draw(endpointTrend(trend, 'current'))],
        },
      }),
    );
    const browser = await chromium.launch({ executablePath: await requireTool('chromium'), args: ['--no-sandbox'] });
    try {
      const tab = await browser.newPage({ viewport: { width: 1300, height: 900 } });
      await tab.goto(`file://${page}`);
      const charts = tab.locator('figure.chart');
      await expect.poll(() => charts.count()).toBe(3);
      const labelsOf = (chart: number, role: string): Promise<string[]> =>
        charts
          .nth(chart)
          .locator(`[aria-roledescription="${role}"]`)
          .evaluateAll((marks) => marks.map((m) => m.getAttribute('aria-label') ?? ''));
      // The timeline: five gates and the prod deployment's two traffic segments.
      expect(await labelsOf(0, 'bar')).toHaveLength(7);
      // The canary: a box per side per endpoint; the slowed list's new box stands above the old one.
      const boxes = await labelsOf(1, 'bar');
      expect(boxes).toHaveLength(4);
      expect(boxes).toContainEqual(expect.stringMatching(/^endpoint: list;.*side: new release; p50 \(ms\): 62.5/));
      // The trend: list's p95 rises in this run.
      const points = await labelsOf(2, 'point');
      const list = points.filter((l) => l.includes('endpoint: list;')).map((l) => Number(/p95: ([\d.]+)/.exec(l)?.[1]));
      expect(list).toEqual([14, 15, 14, 41]);
      const screenshot = path.join(OUT, 'run-page.png');
      await tab.screenshot({ path: screenshot, fullPage: true });
      await annotate('a run page whose prod canary was rolled back, as Chromium shows it', {
        path: screenshot,
        contentType: 'image/png',
      });
    } finally {
      await browser.close();
    }
  });
});
