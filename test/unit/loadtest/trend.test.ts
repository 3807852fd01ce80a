import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { summaryOf } from './fixtures';
import { promoteBaselineTo } from '../../../loadtest/baseline';
import { trendAcrossReleases } from '../../../loadtest/report-charts';
import { promotionTrend, trendName, TREND_PROMOTIONS } from '../../../loadtest/trend';
import { Chart, renderSvg } from '../../../pipeline/kit/charts';

const scratch = mkdtempSync(path.join(tmpdir(), 'b2-trend-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A passing run whose list endpoint had this p95. */
function passingRun(list: number): string {
  const file = path.join(scratch, `summary-${list}-${Math.random()}.json`);
  const summary = summaryOf({
    endpoints: {
      login: { p50: 20, p95: 28, p99: 30, max: 35, passed: true, failures: [] },
      list: { p50: list / 2, p95: list, p99: list, max: list, passed: true, failures: [] },
    },
  });
  writeFileSync(file, JSON.stringify(summary));
  return file;
}

describe('the load trend across releases', () => {
  it('grows by one entry per promotion, each endpoint’s p95 with the release, oldest first', async () => {
    const location = { kind: 'folder' as const, folder: path.join(scratch, 'one') };
    await promoteBaselineTo(passingRun(14), location, { release: 'r1' });
    await promoteBaselineTo(passingRun(15), location, { release: 'r2' });
    const trend = await promotionTrend(location, 'current', summaryOf().profileVersion);
    expect(trend.map((t) => [t.release, t.endpoints.list])).toEqual([
      ['r1', 14],
      ['r2', 15],
    ]);
  });

  it('keeps the last promotions of the same load profile, and skips a line it cannot read', async () => {
    const location = { kind: 'folder' as const, folder: path.join(scratch, 'many') };
    for (let i = 0; i < TREND_PROMOTIONS + 2; i++) await promoteBaselineTo(passingRun(10 + i), location);
    const file = path.join(location.folder, trendName('current'));
    writeFileSync(
      file,
      `not json\n${JSON.stringify({ promotedAt: 'x', profileVersion: '0.9', p95: 1, endpoints: {} })}\n`,
      {
        flag: 'a',
      },
    );
    const trend = await promotionTrend(location, 'current', summaryOf().profileVersion);
    expect(trend).toHaveLength(TREND_PROMOTIONS);
    expect(trend[trend.length - 1].endpoints.list).toBe(10 + TREND_PROMOTIONS + 1);
  });

  it('draws each endpoint over the promoted releases and this run: a slowed endpoint’s line rises at the end', async () => {
    const location = { kind: 'folder' as const, folder: path.join(scratch, 'drawn') };
    for (const list of [14, 15, 14]) await promoteBaselineTo(passingRun(list), location);
    const trend = await promotionTrend(location, 'current', summaryOf().profileVersion);
    const slowed = summaryOf({
      endpoints: {
        login: { p50: 20, p95: 28, p99: 30, max: 35, passed: true, failures: [] },
        list: { p50: 30, p95: 41, p99: 45, max: 50, passed: false, failures: ['slower'] },
      },
    });
    const svg = await renderSvg(trendAcrossReleases(slowed, trend) as Chart);
    const list = [...svg.matchAll(/aria-label="([^"]*endpoint: list;[^"]*)"[^>]*aria-roledescription="point"/g)].map(
      (m) => Number(/p95: ([\d.]+)/.exec(m[1])?.[1]),
    );
    expect(list).toEqual([14, 15, 14, 41]);
    expect(svg).toContain('release: this run');
  });
});
