import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { chromium } from '@playwright/test';
import { describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../loadtest/report';
import { loadReportCharts } from '../../loadtest/report-charts';
import type { TimeSeries } from '../../loadtest/timeseries';
import { renderFigure } from '../../pipeline/kit/charts';
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
