import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { LoadSettings } from './settings';
import {
  BaselineLookup,
  findBaseline,
  judgeBaseline,
  LoadSummary,
  noBaselineYet,
  parseSummary,
  readSummary,
} from './summary';
import { runMain } from '../pipeline/kit/cli';
import { workspace } from '../pipeline/kit/workspace';

/**
 * The load baselines: for each scenario, the summary of the last release that was promoted,
 * kept at a baseline location as `load-<scenario>.json`. A location is a folder, or an S3 prefix
 * (`s3://<bucket>/<prefix>/`): the local engine keeps them in its git-ignored workspace,
 * `.pipeline/baselines/<environment>/` (`B2_PIPELINE_DIR` moves the workspace); the AWS pipeline
 * in its baseline bucket, `s3://<bucket>/baselines/prod/`. They are run state, not source, and
 * only a promotion writes them. A load run reads one through `B2_LOAD_BASELINE_LOCATION` (what the
 * engines set), `B2_LOAD_BASELINE_ENVIRONMENT` (a workspace environment's) or `B2_LOAD_BASELINE`
 * (one file).
 */

/** The service's own rule for environment names (`service/src/config.ts`): also a safe folder name. */
const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{1,30}$/;

/** Scenario names become file names and object keys: nothing that could leave the location. */
const SCENARIO_NAME = /^[a-z0-9][a-z0-9-]{0,40}$/;

/** `s3://<bucket>/<prefix>`, with S3's rules for bucket names. */
const S3_LOCATION = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;

function checkEnvironment(environment: string): void {
  if (!ENVIRONMENT_NAME.test(environment)) {
    throw new Error(
      `'${environment}' is not an environment name (dev, staging, prod): lower-case letters, digits and -`,
    );
  }
}

function checkScenario(scenario: string): void {
  if (!SCENARIO_NAME.test(scenario)) throw new Error(`'${scenario}' is not a load scenario name`);
}

/** Where the baselines of one environment are kept: a folder, or a prefix of an S3 bucket. */
export type BaselineLocation =
  | { readonly kind: 'folder'; readonly folder: string }
  /** `prefix` is empty (the bucket's root) or ends with `/`. */
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string };

/** Reads a location as the engines and the command line write it: a folder, or `s3://<bucket>/<prefix>/`. */
export function baselineLocation(text: string): BaselineLocation {
  if (!text.trim()) throw new Error('a baseline location is empty: give a folder or s3://<bucket>/<prefix>/');
  if (!text.startsWith('s3://')) return { kind: 'folder', folder: text };
  const match = S3_LOCATION.exec(text);
  if (!match) throw new Error(`${text} is not an S3 location: s3://<bucket>/<prefix>/`);
  const prefix = match[2] ?? '';
  // `s3://bucket/baselines/prod` names the same place as `…/prod/`: the baselines are objects under it.
  return { kind: 's3', bucket: match[1], prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
}

/** The baseline of `scenario` at a location: a file path, or an `s3://` URI. */
export function baselineIn(location: BaselineLocation, scenario: string): string {
  checkScenario(scenario);
  const name = `load-${scenario}.json`;
  return location.kind === 'folder'
    ? path.join(location.folder, name)
    : `s3://${location.bucket}/${location.prefix}${name}`;
}

/** The baseline of `scenario` (`current`, `tenfold`) in a baseline folder. */
export function baselineFileIn(folder: string, scenario: string): string {
  return baselineIn({ kind: 'folder', folder }, scenario);
}

/** Where the baselines promoted to `environment` are kept in the workspace. */
export function workspaceBaselines(environment: string): string {
  checkEnvironment(environment);
  return path.join(workspace.baselines(), environment);
}

/** Where the baseline of `scenario` promoted to `environment` is kept in the workspace. */
export function baselineFile(environment: string, scenario: string): string {
  return baselineFileIn(workspaceBaselines(environment), scenario);
}

let s3Client: S3Client | undefined;

/**
 * The one S3 client of the baseline store, made on first use (a folder never needs one), from
 * the process's AWS settings: on CodeBuild the region and the step role's credentials;
 * `AWS_ENDPOINT_URL_S3` points it at another S3-compatible endpoint.
 */
function baselineStore(): S3Client {
  s3Client ??= new S3Client({});
  return s3Client;
}

/** The object's text, or undefined when there is no such object. */
async function readObject(bucket: string, key: string): Promise<string | undefined> {
  const uri = `s3://${bucket}/${key}`;
  try {
    const object = await baselineStore().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!object.Body) throw new Error('the object has no body');
    return await object.Body.transformToString('utf8');
  } catch (err) {
    // S3 answers NoSuchKey only to a reader that may list the bucket; without that right a
    // missing object is AccessDenied, which stays an error: a run must not pass uncompared
    // because its role cannot read the baselines.
    if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
    throw new Error(`cannot read the baseline ${uri}: ${(err as Error).message}`);
  }
}

/** The baseline a run of `scenario` under `profileVersion` compares with, read from a location. */
export async function findBaselineAt(
  location: BaselineLocation,
  scenario: string,
  profileVersion: string,
): Promise<BaselineLookup> {
  const source = baselineIn(location, scenario);
  if (location.kind === 'folder') return findBaseline(source, scenario, profileVersion);
  const text = await readObject(location.bucket, `${location.prefix}load-${scenario}.json`);
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
  if (!summary.passed) {
    throw new Error(
      `${summaryPath} records a failed load run (${summary.failures[0] ?? 'failed'}): it cannot become the baseline`,
    );
  }
  if (summary.scenario.startsWith('step-')) {
    throw new Error(
      `${summaryPath} is a headroom step (${summary.scenario}), not a load gate's run: it cannot become a baseline`,
    );
  }
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

const baselineText = (baseline: LoadSummary) => `${JSON.stringify(baseline, null, 2)}\n`;

/** Writes a baseline into a folder in one rename, so a reader never sees half of it. */
function writeFolderBaseline(folder: string, baseline: LoadSummary): string {
  const file = baselineFileIn(folder, baseline.scenario);
  mkdirSync(folder, { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, baselineText(baseline));
  renameSync(partial, file);
  return file;
}

/**
 * Makes a load run's summary the baseline of its scenario in `environment`'s workspace folder.
 * The local engine calls this after a release was promoted there.
 * @returns the baseline file written
 */
export function promoteBaseline(summaryPath: string, environment: string, options: PromotionOptions = {}): string {
  checkEnvironment(environment);
  return writeFolderBaseline(workspaceBaselines(environment), promoted(summaryPath, { ...options, environment }));
}

/**
 * Makes a load run's summary the baseline of its scenario at a location: a folder, or an S3
 * prefix, where one put replaces the object whole (a versioned bucket keeps the ones before).
 * @returns where the baseline was written (a file, or an `s3://` URI)
 */
export async function promoteBaselineTo(
  summaryPath: string,
  location: BaselineLocation,
  options: PromotionOptions = {},
): Promise<string> {
  const baseline = promoted(summaryPath, options);
  if (location.kind === 'folder') return writeFolderBaseline(location.folder, baseline);
  const key = `${location.prefix}load-${baseline.scenario}.json`;
  const uri = `s3://${location.bucket}/${key}`;
  try {
    await baselineStore().send(
      new PutObjectCommand({
        Bucket: location.bucket,
        Key: key,
        Body: baselineText(baseline),
        ContentType: 'application/json',
      }),
    );
  } catch (err) {
    throw new Error(`cannot write the baseline ${uri}: ${(err as Error).message}`);
  }
  return uri;
}

const USAGE =
  'usage: load:promote-baseline -- --to <folder or s3://bucket/prefix/> [--environment <name>] [--release <id>] <summary.json>...\n' +
  '       load:promote-baseline -- --environment <name> [--release <id>] <summary.json>...  (that environment in the workspace)';

/** What `load:promote-baseline` is asked to do. */
export interface PromotionRequest {
  readonly location: BaselineLocation;
  readonly options: PromotionOptions;
  readonly summaries: readonly string[];
}

/**
 * Reads the command line: `--to` names the location; `--environment` the environment the release
 * was promoted to, and on its own that environment's baselines in the workspace.
 */
export function promotionRequest(args: readonly string[]): PromotionRequest {
  // `npx projen <task> -- <args>` hands the `--` on as well.
  const { values, positionals } = parseArgs({
    args: args[0] === '--' ? args.slice(1) : [...args],
    options: { to: { type: 'string' }, environment: { type: 'string' }, release: { type: 'string' } },
    allowPositionals: true,
  });
  if ((!values.to && !values.environment) || positionals.length === 0) throw new Error(USAGE);
  const missing = positionals.filter((file) => !existsSync(file));
  if (missing.length > 0) throw new Error(`no load summary at ${missing.join(', ')}`);
  return {
    location: values.to
      ? baselineLocation(values.to)
      : { kind: 'folder', folder: workspaceBaselines(values.environment!) },
    options: { environment: values.environment, release: values.release },
    summaries: positionals,
  };
}

/** `npx projen load:promote-baseline -- --to s3://<bucket>/baselines/prod/ --release <commit> reports/load-current/summary.json ...` */
async function main(): Promise<number> {
  const request = promotionRequest(process.argv.slice(2));
  for (const summaryPath of request.summaries) {
    const written = await promoteBaselineTo(summaryPath, request.location, request.options);
    const summary = readSummary(summaryPath);
    const where = request.options.environment ? ` in ${request.options.environment}` : '';
    console.log(
      `baseline of load-${summary.scenario}${where} is now ${summaryPath} ` +
        `(p95 ${summary.latencyMs.p95.toFixed(1)} ms at ${summary.achievedRate.toFixed(1)} req/s): ${written}`,
    );
  }
  return 0;
}

if (require.main === module) runMain(main);
