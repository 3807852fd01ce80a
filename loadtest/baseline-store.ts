import {
  appendFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { workspace } from '../pipeline/kit/workspace';

/**
 * Where the load baselines are kept, and how a file is read and written there. A baseline
 * location is a folder, or an S3 prefix (`s3://<bucket>/<prefix>/`): the local engine keeps its
 * baselines in its git-ignored workspace, `.pipeline/baselines/<environment>/`
 * (`B2_PIPELINE_DIR` moves the workspace); the AWS pipeline in its baseline bucket,
 * `s3://<bucket>/baselines/prod/`. The last promoted release's run of each scenario is
 * `load-<scenario>.json` at the location; the reference baselines and their history are under
 * `reference/` in it.
 */

/** The service's own rule for environment names (`service/src/config.ts`): also a safe folder name. */
const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{1,30}$/;

/** Scenario names become file names and object keys: nothing that could leave the location. */
const SCENARIO_NAME = /^[a-z0-9][a-z0-9-]{0,40}$/;

/** `s3://<bucket>/<prefix>`, with S3's rules for bucket names. */
const S3_LOCATION = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;

/** The folder (or key prefix) under a baseline location that holds the reference baselines. */
export const REFERENCE_FOLDER = 'reference';

export { CONTRACT_BASELINE } from '../pipeline/model/contract';

/** Beside the reference baselines: one JSON line per move of a reference, who, when and why. */
export const REFERENCE_HISTORY = 'reference-history.jsonl';

export function isEnvironmentName(text: string): boolean {
  return ENVIRONMENT_NAME.test(text);
}

export function checkEnvironment(environment: string): void {
  if (!isEnvironmentName(environment)) {
    throw new Error(
      `'${environment}' is not an environment name (dev, staging, prod): lower-case letters, digits and -`,
    );
  }
}

export function checkScenario(scenario: string): void {
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

/** A file at a location: a file path, or an `s3://` URI. */
export function storedAt(location: BaselineLocation, name: string): string {
  return location.kind === 'folder'
    ? path.join(location.folder, name)
    : `s3://${location.bucket}/${location.prefix}${name}`;
}

/** The file name of a scenario's baseline: `load-<scenario>.json`. */
export function baselineName(scenario: string): string {
  checkScenario(scenario);
  return `load-${scenario}.json`;
}

/** The baseline of `scenario` at a location: a file path, or an `s3://` URI. */
export function baselineIn(location: BaselineLocation, scenario: string): string {
  return storedAt(location, baselineName(scenario));
}

/** The location of the reference baselines beside the last promoted ones: `<location>/reference/`. */
export function referenceLocation(location: BaselineLocation): BaselineLocation {
  return location.kind === 'folder'
    ? { kind: 'folder', folder: path.join(location.folder, REFERENCE_FOLDER) }
    : { ...location, prefix: `${location.prefix}${REFERENCE_FOLDER}/` };
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

const errorName = (err: unknown): string | undefined => (err as { name?: string }).name;

/**
 * The text of a file at a location, or undefined when there is none. `what` names it in an
 * error (`the baseline`, `the reference baseline`).
 */
export async function readStored(location: BaselineLocation, name: string, what: string): Promise<string | undefined> {
  const where = storedAt(location, name);
  if (location.kind === 'folder') {
    if (!existsSync(where)) return undefined;
    try {
      return readFileSync(where, 'utf8');
    } catch (err) {
      throw new Error(`cannot read ${what} ${where}: ${(err as Error).message}`);
    }
  }
  try {
    const object = await baselineStore().send(
      new GetObjectCommand({ Bucket: location.bucket, Key: `${location.prefix}${name}` }),
    );
    if (!object.Body) throw new Error('the object has no body');
    return await object.Body.transformToString('utf8');
  } catch (err) {
    // S3 answers NoSuchKey only to a reader that may list the bucket; without that right a
    // missing object is AccessDenied, which stays an error: a run must not pass uncompared
    // because its role cannot read the baselines.
    if (errorName(err) === 'NoSuchKey') return undefined;
    throw new Error(`cannot read ${what} ${where}: ${(err as Error).message}`);
  }
}

async function putObject(
  location: Extract<BaselineLocation, { kind: 's3' }>,
  name: string,
  text: string,
  what: string,
  onlyIfAbsent = false,
): Promise<boolean> {
  const where = storedAt(location, name);
  try {
    await baselineStore().send(
      new PutObjectCommand({
        Bucket: location.bucket,
        Key: `${location.prefix}${name}`,
        Body: text,
        ContentType: name.endsWith('.jsonl') ? 'application/x-ndjson' : 'application/json',
        ...(onlyIfAbsent ? { IfNoneMatch: '*' } : {}),
      }),
    );
    return true;
  } catch (err) {
    // S3's conditional write: the object exists, and nothing was written.
    if (onlyIfAbsent && errorName(err) === 'PreconditionFailed') return false;
    throw new Error(`cannot write ${what} ${where}: ${(err as Error).message}`);
  }
}

/**
 * Writes a file at a location whole: into a folder in one rename, so a reader never sees half
 * of it; to S3 in one put, which replaces the object (a versioned bucket keeps the ones before).
 * @returns where it was written
 */
export async function writeStored(
  location: BaselineLocation,
  name: string,
  text: string,
  what: string,
): Promise<string> {
  const where = storedAt(location, name);
  if (location.kind === 's3') {
    await putObject(location, name, text, what);
    return where;
  }
  mkdirSync(location.folder, { recursive: true });
  const partial = `${where}.${process.pid}.partial`;
  writeFileSync(partial, text);
  renameSync(partial, where);
  return where;
}

/**
 * Writes a file at a location only when there is none yet, in one step that a concurrent
 * writer cannot interleave with (a hard link in a folder, a conditional put in S3).
 * @returns where it was written, or undefined when a file was there already
 */
export async function createStored(
  location: BaselineLocation,
  name: string,
  text: string,
  what: string,
): Promise<string | undefined> {
  const where = storedAt(location, name);
  if (location.kind === 's3') return (await putObject(location, name, text, what, true)) ? where : undefined;
  mkdirSync(location.folder, { recursive: true });
  const partial = `${where}.${process.pid}.partial`;
  writeFileSync(partial, text);
  try {
    linkSync(partial, where);
    return where;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw new Error(`cannot write ${what} ${where}: ${(err as Error).message}`);
  } finally {
    rmSync(partial, { force: true });
  }
}

/**
 * Adds one line to a file at a location: appended in a folder; in S3, which cannot append, the
 * object is read and put back with the line added.
 * @returns where it was written
 */
export async function appendStored(
  location: BaselineLocation,
  name: string,
  line: string,
  what: string,
): Promise<string> {
  const where = storedAt(location, name);
  if (location.kind === 'folder') {
    mkdirSync(location.folder, { recursive: true });
    appendFileSync(where, `${line}\n`);
    return where;
  }
  const before = (await readStored(location, name, what)) ?? '';
  const separator = before === '' || before.endsWith('\n') ? '' : '\n';
  await putObject(location, name, `${before}${separator}${line}\n`, what);
  return where;
}
