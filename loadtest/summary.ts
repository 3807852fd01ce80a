import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * `summary.json`: what one load run measured and decided. The local engine's report and the
 * approval screen read it, and a promoted release's summary becomes the next runs' baseline.
 */

const thresholdResult = z.object({
  name: z.string(),
  limit: z.string(),
  actual: z.number(),
  passed: z.boolean(),
});

const promotion = z.object({
  /** The environment the release was promoted to, when the promotion named it. */
  environment: z.string().optional(),
  /** The release (commit or release id) whose run this was. */
  release: z.string().optional(),
  promotedAt: z.string(),
});

const baselineComparison = z.object({
  /** Where the baseline summary was read from. */
  source: z.string(),
  /** Which promotion made it the baseline, when it records one. */
  promotion: promotion.optional(),
  p50: z.number().optional(),
  p95: z.number(),
  p99: z.number().optional(),
  achievedRate: z.number(),
  errorRate: z.number(),
  p95ChangePercent: z.number(),
  tolerancePercent: z.number(),
  /** Below this absolute growth of p95 no change counts as a regression. */
  minimumChangeMs: z.number().optional(),
  passed: z.boolean(),
});

const endpointStats = z.object({
  p50: z.number(),
  p95: z.number(),
  p99: z.number(),
  max: z.number(),
});

export const loadSummarySchema = z.object({
  profileVersion: z.string(),
  /** `current` or `tenfold` for the gates; `step-<n>x` for a headroom step. */
  scenario: z.string(),
  multiplier: z.number().optional(),
  target: z.string(),
  startedAt: z.string(),
  /** The measured window (the warm-up before it is not measured). */
  durationSeconds: z.number(),
  targetRate: z.number(),
  achievedRate: z.number(),
  requests: z.number(),
  errorRate: z.number(),
  latencyMs: z.object({ p50: z.number(), p95: z.number(), p99: z.number(), max: z.number() }),
  endpoints: z.record(z.string(), endpointStats).optional(),
  thresholds: z.array(thresholdResult),
  baseline: baselineComparison.optional(),
  /** Why there is no baseline comparison, when there is none. */
  baselineNote: z.string().optional(),
  passed: z.boolean(),
  failures: z.array(z.string()),
  /** Set on a baseline: the promotion that made this run the one later runs are compared with. */
  promotion: promotion.optional(),
});

export type LoadSummary = z.infer<typeof loadSummarySchema>;
export type ThresholdResult = z.infer<typeof thresholdResult>;
export type BaselineComparison = z.infer<typeof baselineComparison>;
export type EndpointStats = z.infer<typeof endpointStats>;

/** Validates a summary's JSON text; the error names where it came from and the first wrong field. */
export function parseSummary(text: string, source: string): LoadSummary {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`cannot read the load summary ${source}: ${(err as Error).message}`);
  }
  const parsed = loadSummarySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source} is not a load summary: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}

/** Reads and validates a summary; the error names the file and the first wrong field. */
export function readSummary(file: string): LoadSummary {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the load summary ${file}: ${(err as Error).message}`);
  }
  return parseSummary(text, file);
}

export interface BaselineLookup {
  readonly summary?: LoadSummary;
  readonly source?: string;
  /** Why no comparison is made, when none is. */
  readonly note?: string;
}

/** No comparison, because no release has been promoted with this scenario where the baseline would be. */
export function noBaselineYet(source: string): BaselineLookup {
  return { note: `no baseline yet (${source} does not exist): no release has been promoted with this scenario` };
}

/**
 * The baseline read from `source` for a run of `scenario` under `profileVersion`. A baseline of
 * another profile version measured another load, so it is set aside with a note; one of another
 * scenario is a wiring mistake and stops the run.
 */
export function judgeBaseline(
  summary: LoadSummary,
  source: string,
  scenario: string,
  profileVersion: string,
): BaselineLookup {
  if (summary.scenario !== scenario) {
    throw new Error(`the baseline ${source} is of scenario ${summary.scenario}, not ${scenario}`);
  }
  if (summary.profileVersion !== profileVersion) {
    return {
      source,
      note: `the baseline was measured under load profile ${summary.profileVersion}, this run under ${profileVersion}: not comparable`,
    };
  }
  return { summary, source };
}

/** The baseline file for a run of `scenario` under `profileVersion` (see `judgeBaseline`). */
export function findBaseline(
  baselinePath: string | undefined,
  scenario: string,
  profileVersion: string,
): BaselineLookup {
  if (!baselinePath) {
    return {
      note: 'no baseline given (none of B2_LOAD_BASELINE_LOCATION, B2_LOAD_BASELINE_ENVIRONMENT, B2_LOAD_BASELINE is set): no comparison',
    };
  }
  if (!existsSync(baselinePath)) return noBaselineYet(baselinePath);
  return judgeBaseline(readSummary(baselinePath), baselinePath, scenario, profileVersion);
}
