import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  BaselineLocation,
  baselineFile,
  baselineIn,
  baselineLocation,
  baselineName,
  checkEnvironment,
  checkScenario,
  CONTRACT_BASELINE,
  readStored,
  workspaceBaselines,
  writeStored,
} from './baseline-store';
import { setReferenceIfNone } from './reference';
import type { LoadSettings } from './settings';
import {
  BaselineLookup,
  findBaseline,
  judgeBaseline,
  LoadSummary,
  noBaselineYet,
  parseSummary,
  readSummary,
  unfitAsBaseline,
} from './summary';
import { recordPromotion } from './trend';
import { runMain } from '../pipeline/kit/cli';

/**
 * The load baselines: for each scenario, the summary of the last release that was promoted,
 * kept at a baseline location (`baseline-store.ts`) as `load-<scenario>.json`. They are run
 * state, not source, and only a promotion writes them; the first promotion also sets the
 * reference baseline of a scenario that has none (`reference.ts`). A load run reads one through
 * `B2_LOAD_BASELINE_LOCATION` (what the engines set), `B2_LOAD_BASELINE_ENVIRONMENT` (a workspace
 * environment's) or `B2_LOAD_BASELINE` (one file).
 */

/** The baseline a run of `scenario` under `profileVersion` compares with, read from a location. */
export async function findBaselineAt(
  location: BaselineLocation,
  scenario: string,
  profileVersion: string,
): Promise<BaselineLookup> {
  const source = baselineIn(location, scenario);
  const text = await readStored(location, baselineName(scenario), 'the baseline');
  if (text === undefined) return noBaselineYet(source);
  return judgeBaseline(parseSummary(text, source), source, scenario, profileVersion);
}

/**
 * The baseline of a load run, from its settings: the one file it names, else the location the
 * engine gives it, else the one promoted to an environment of the workspace; without any of
 * them, a note that there is no comparison.
 */
export async function baselineOf(
  settings: Pick<LoadSettings, 'baselinePath' | 'baselineLocation' | 'baselineEnvironment'>,
  scenario: string,
  profileVersion: string,
): Promise<BaselineLookup> {
  if (settings.baselinePath) return findBaseline(settings.baselinePath, scenario, profileVersion);
  if (settings.baselineLocation) {
    return findBaselineAt(baselineLocation(settings.baselineLocation), scenario, profileVersion);
  }
  const file = settings.baselineEnvironment ? baselineFile(settings.baselineEnvironment, scenario) : undefined;
  return findBaseline(file, scenario, profileVersion);
}

export interface PromotionOptions {
  /** The release (commit or release id) the summary measured, recorded with the baseline. */
  readonly release?: string;
  /**
   * The environment the release was promoted to, recorded with the baseline.
   * @default - not recorded
   */
  readonly environment?: string;
  /** @default now */
  readonly promotedAt?: Date;
}

/**
 * A load run's summary as a baseline, with its promotion recorded. Nothing else moves a
 * baseline: a failed run is refused, and a run of a headroom step is not a gate scenario.
 */
function promoted(summaryPath: string, options: PromotionOptions): LoadSummary {
  if (options.environment !== undefined) checkEnvironment(options.environment);
  const summary = readSummary(summaryPath);
  const unfit = unfitAsBaseline(summary, summaryPath, 'the baseline');
  if (unfit) throw new Error(unfit);
  checkScenario(summary.scenario);
  return {
    ...summary,
    promotion: {
      ...(options.environment ? { environment: options.environment } : {}),
      ...(options.release ? { release: options.release } : {}),
      promotedAt: (options.promotedAt ?? new Date()).toISOString(),
    },
  };
}

export interface Promoted {
  /** Where the baseline was written: a file, or an `s3://` URI. */
  readonly baseline: string;
  /** Where the reference baseline was written, when there was none and this promotion set it. */
  readonly reference?: string;
}

/**
 * Makes a load run's summary the baseline of its scenario at a location: a folder, or an S3
 * prefix, where one put replaces the object whole (a versioned bucket keeps the ones before).
 * When the scenario has no reference baseline there yet, the same run becomes it, recorded as
 * set by this promotion.
 */
export async function promoteBaselineTo(
  summaryPath: string,
  location: BaselineLocation,
  options: PromotionOptions = {},
): Promise<Promoted> {
  const baseline = promoted(summaryPath, options);
  const written = await writeStored(location, baselineName(baseline.scenario), baselineText(baseline), 'the baseline');
  await recordPromotion(location, baseline);
  const reference = await setReferenceIfNone(location, baseline, summaryPath);
  return { baseline: written, ...(reference ? { reference } : {}) };
}

const baselineText = (baseline: LoadSummary) => `${JSON.stringify(baseline, null, 2)}\n`;

/**
 * Makes a load run's summary the baseline of its scenario in `environment`'s workspace folder
 * (and its reference, when it has none yet).
 */
export function promoteBaseline(
  summaryPath: string,
  environment: string,
  options: PromotionOptions = {},
): Promise<Promoted> {
  return promoteBaselineTo(
    summaryPath,
    { kind: 'folder', folder: workspaceBaselines(environment) },
    { ...options, environment },
  );
}

const USAGE =
  'usage: load:promote-baseline -- --to <folder or s3://bucket/prefix/> [--environment <name>] [--release <id>] [--contract <openapi.json>] <summary.json>...\n' +
  '       load:promote-baseline -- --environment <name> [--release <id>] [--contract <openapi.json>] <summary.json>...  (that environment in the workspace)';

/** What `load:promote-baseline` is asked to do. */
export interface PromotionRequest {
  readonly location: BaselineLocation;
  readonly options: PromotionOptions;
  readonly summaries: readonly string[];
  /** The promoted release's API contract, kept beside the baselines for the api-compat gate. */
  readonly contract?: string;
}

/**
 * Reads the command line: `--to` names the location; `--environment` the environment the release
 * was promoted to, and on its own that environment's baselines in the workspace.
 */
export function promotionRequest(args: readonly string[]): PromotionRequest {
  // `npx projen <task> -- <args>` hands the `--` on as well.
  const { values, positionals } = parseArgs({
    args: args[0] === '--' ? args.slice(1) : [...args],
    options: {
      to: { type: 'string' },
      environment: { type: 'string' },
      release: { type: 'string' },
      contract: { type: 'string' },
    },
    allowPositionals: true,
  });
  if ((!values.to && !values.environment) || (positionals.length === 0 && !values.contract)) throw new Error(USAGE);
  const missing = positionals.filter((file) => !existsSync(file));
  if (missing.length > 0) throw new Error(`no load summary at ${missing.join(', ')}`);
  if (values.contract && !existsSync(values.contract)) throw new Error(`no API contract at ${values.contract}`);
  return {
    location: values.to
      ? baselineLocation(values.to)
      : { kind: 'folder', folder: workspaceBaselines(values.environment!) },
    options: { environment: values.environment, release: values.release },
    summaries: positionals,
    ...(values.contract ? { contract: values.contract } : {}),
  };
}

/** `npx projen load:promote-baseline -- --to s3://<bucket>/baselines/prod/ --release <commit> reports/load-current/summary.json ...` */
async function main(): Promise<number> {
  const request = promotionRequest(process.argv.slice(2));
  if (request.contract) {
    const written = await writeStored(
      request.location,
      CONTRACT_BASELINE,
      readFileSync(request.contract, 'utf8'),
      "production's API contract",
    );
    console.log(
      `API contract${request.options.environment ? ` of ${request.options.environment}` : ''} is now ${request.contract}: ${written}`,
    );
  }
  for (const summaryPath of request.summaries) {
    const written = await promoteBaselineTo(summaryPath, request.location, request.options);
    const summary = readSummary(summaryPath);
    const where = request.options.environment ? ` in ${request.options.environment}` : '';
    console.log(
      `baseline of load-${summary.scenario}${where} is now ${summaryPath} ` +
        `(p95 ${summary.latencyMs.p95.toFixed(1)} ms at ${summary.achievedRate.toFixed(1)} req/s): ${written.baseline}`,
    );
    if (written.reference) {
      console.log(
        `reference baseline of load-${summary.scenario}${where}: there was none, so this promotion set it: ${written.reference}`,
      );
    }
  }
  return 0;
}

if (require.main === module) runMain(main);
