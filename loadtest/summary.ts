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
  /** The endpoint a per-endpoint threshold watched; absent for the whole session mix. */
  endpoint: z.string().optional(),
});

const promotion = z.object({
  /** The environment the release was promoted to, when the promotion named it. */
  environment: z.string().optional(),
  /** The release (commit or release id) whose run this was. */
  release: z.string().optional(),
  promotedAt: z.string(),
});

/** How a summary became a reference baseline: who moved it, when and why. */
const referenceAct = z.object({
  /** The person who set it, or the promotion that did when there was no reference yet. */
  by: z.string(),
  setAt: z.string(),
  comment: z.string(),
  /** The summary or baseline it was copied from. */
  from: z.string(),
  /** True when the first promotion set it, not a person with `load:set-reference`. */
  byPromotion: z.boolean().optional(),
});

/** One endpoint against a baseline: the baseline's p50 and p95, and how this run's changed. */
const endpointChange = z.object({
  p50: z.number(),
  p95: z.number(),
  p50ChangePercent: z.number(),
  p95ChangePercent: z.number(),
  /** False when p50 or p95 grew beyond the tolerance, in percent and in milliseconds. */
  passed: z.boolean(),
});

const baselineComparison = z.object({
  /** Where the baseline summary was read from. */
  source: z.string(),
  /** Which promotion made it the baseline, when it records one. */
  promotion: promotion.optional(),
  /** Who set it and why, when it is a reference baseline. */
  referenceAct: referenceAct.optional(),
  p50: z.number().optional(),
  p95: z.number(),
  p99: z.number().optional(),
  achievedRate: z.number(),
  errorRate: z.number(),
  p95ChangePercent: z.number(),
  tolerancePercent: z.number(),
  /** Below this absolute growth of p95 no change counts as a regression. */
  minimumChangeMs: z.number().optional(),
  /** The blended p95's own verdict (summaries before per-endpoint verdicts have only `passed`). */
  blendedPassed: z.boolean().optional(),
  /** Each endpoint both runs measured. */
  endpoints: z.record(z.string(), endpointChange).optional(),
  /** Why an endpoint of this run was not compared (the baseline has no numbers for it). */
  endpointsNote: z.string().optional(),
  /** The blended p95 and every endpoint within the tolerance. */
  passed: z.boolean(),
});

const endpointStats = z.object({
  p50: z.number(),
  p95: z.number(),
  p99: z.number(),
  max: z.number(),
  /**
   * The endpoint's own verdict: its p95 under the limit, its p50 and p95 within the tolerance of
   * the last promoted release and of the reference. Absent in summaries written before.
   */
  passed: z.boolean().optional(),
  /** Why it failed, one line each, without the endpoint's name. */
  failures: z.array(z.string()).optional(),
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
  /** Against the last promoted release. */
  baseline: baselineComparison.optional(),
  /** Why there is no baseline comparison, when there is none. */
  baselineNote: z.string().optional(),
  /** Against the reference baseline, which moves only by an explicit, recorded act. */
  reference: baselineComparison.optional(),
  /** Why there is no reference comparison, when there is none (absent in summaries written before). */
  referenceNote: z.string().optional(),
  passed: z.boolean(),
  failures: z.array(z.string()),
  /**
   * The share of this machine's CPU the host took while k6 ran (steal), where it could be read;
   * `starved` at or over the share at which a latency measures the host; `judged` false when a
   * gate left a starved run unjudged (no pass and no regression), true when the run was judged as
   * measured (every quiet run, and a starved headroom step).
   */
  host: z.object({ stealPercent: z.number(), starved: z.boolean(), judged: z.boolean().default(true) }).optional(),
  /** Set on a baseline: the promotion that made this run the one later runs are compared with. */
  promotion: promotion.optional(),
  /** Set on a reference baseline: who made this run the reference, when and why. */
  referenceAct: referenceAct.optional(),
});

export type LoadSummary = z.infer<typeof loadSummarySchema>;
export type ThresholdResult = z.infer<typeof thresholdResult>;
export type BaselineComparison = z.infer<typeof baselineComparison>;
export type EndpointChange = z.infer<typeof endpointChange>;
export type EndpointStats = z.infer<typeof endpointStats>;
export type ReferenceAct = z.infer<typeof referenceAct>;

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
 * scenario is a wiring mistake and stops the run. `what` names it in both.
 */
export function judgeBaseline(
  summary: LoadSummary,
  source: string,
  scenario: string,
  profileVersion: string,
  what = 'the baseline',
): BaselineLookup {
  if (summary.scenario !== scenario) {
    throw new Error(`${what} ${source} is of scenario ${summary.scenario}, not ${scenario}`);
  }
  if (summary.profileVersion !== profileVersion) {
    return {
      source,
      note: `${what} was measured under load profile ${summary.profileVersion}, this run under ${profileVersion}: not comparable`,
    };
  }
  return { summary, source };
}

/**
 * Why a run cannot become a baseline (`as` names which: `the baseline`, `the reference
 * baseline`), or undefined when it can: a failed run never does, and a headroom step is not a
 * load gate's run.
 */
export function unfitAsBaseline(summary: LoadSummary, source: string, as: string): string | undefined {
  if (!summary.passed) {
    return `${source} records a failed load run (${summary.failures[0] ?? 'failed'}): it cannot become ${as}`;
  }
  if (summary.scenario.startsWith('step-')) {
    return `${source} is a headroom step (${summary.scenario}), not a load gate's run: it cannot become ${as}`;
  }
  return undefined;
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
