import { z } from 'zod';
import { appendStored, baselineLocation, BaselineLocation, readStored, workspaceBaselines } from './baseline-store';
import type { LoadSettings } from './settings';
import { LoadSummary } from './summary';

/**
 * The trend across releases: each promotion of a scenario's baseline adds one line to
 * `trend-load-<scenario>.jsonl` at the baseline location (each endpoint's p95 and the release),
 * so the next load report can draw whether a release continues a drift. Only promotions write
 * it, as only promotions move the baseline.
 */

export const trendName = (scenario: string): string => `trend-load-${scenario}.jsonl`;

const trendEntry = z.object({
  release: z.string().optional(),
  promotedAt: z.string(),
  profileVersion: z.string(),
  p95: z.number(),
  /** Each endpoint's p95. */
  endpoints: z.record(z.string(), z.number()),
});

export type TrendEntry = z.infer<typeof trendEntry>;

/** How many promotions the report draws before this run. */
export const TREND_PROMOTIONS = 10;

/** Adds a promoted baseline to its scenario's trend at the location. */
export async function recordPromotion(location: BaselineLocation, baseline: LoadSummary): Promise<string> {
  const entry: TrendEntry = {
    ...(baseline.promotion?.release ? { release: baseline.promotion.release } : {}),
    promotedAt: baseline.promotion?.promotedAt ?? new Date().toISOString(),
    profileVersion: baseline.profileVersion,
    p95: baseline.latencyMs.p95,
    endpoints: Object.fromEntries(Object.entries(baseline.endpoints ?? {}).map(([name, e]) => [name, e.p95])),
  };
  return appendStored(location, trendName(baseline.scenario), JSON.stringify(entry), 'the load trend');
}

/**
 * The last promotions of a scenario under the same load profile, oldest first: a line that is not
 * a trend entry is left out rather than failing the run that only wanted to draw it.
 */
export async function promotionTrend(
  location: BaselineLocation,
  scenario: string,
  profileVersion: string,
): Promise<TrendEntry[]> {
  const text = await readStored(location, trendName(scenario), 'the load trend');
  return (text ?? '')
    .split('\n')
    .flatMap((line) => {
      try {
        const parsed = trendEntry.safeParse(JSON.parse(line));
        return parsed.success ? [parsed.data] : [];
      } catch {
        return [];
      }
    })
    .filter((entry) => entry.profileVersion === profileVersion)
    .slice(-TREND_PROMOTIONS);
}

/** The trend a load run draws, from the same settings its baseline comes from; none without a location. */
export function trendOf(
  settings: Pick<LoadSettings, 'baselineLocation' | 'baselineEnvironment'>,
  scenario: string,
  profileVersion: string,
): Promise<TrendEntry[]> {
  if (settings.baselineLocation) {
    return promotionTrend(baselineLocation(settings.baselineLocation), scenario, profileVersion);
  }
  if (settings.baselineEnvironment) {
    const folder = workspaceBaselines(settings.baselineEnvironment);
    return promotionTrend({ kind: 'folder', folder }, scenario, profileVersion);
  }
  return Promise.resolve([]);
}
