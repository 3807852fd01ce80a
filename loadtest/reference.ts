import { existsSync } from 'node:fs';
import {
  appendStored,
  BaselineLocation,
  baselineIn,
  baselineLocation,
  baselineName,
  checkEnvironment,
  checkScenario,
  createStored,
  isEnvironmentName,
  readStored,
  REFERENCE_HISTORY,
  referenceLocation,
  storedAt,
  workspaceBaselines,
  writeStored,
} from './baseline-store';
import type { LoadSettings } from './settings';
import {
  BaselineLookup,
  judgeBaseline,
  LoadSummary,
  parseSummary,
  readSummary,
  ReferenceAct,
  unfitAsBaseline,
} from './summary';
import { parseCommandLine, runMain } from '../pipeline/kit/cli';
import { LOAD_SCENARIOS } from '../pipeline/model/load';

/**
 * The reference baselines. The last promoted release's baseline moves with every promotion, so
 * a chain of small regressions, each within the tolerance of the release before it, would never
 * fail a gate. The reference of a scenario stands still: `reference/load-<scenario>.json` at the
 * baseline location, moved only by `load:set-reference` (a person, with a name and a reason) or
 * set by the first promotion when there is none. Every move is appended to
 * `reference/reference-history.jsonl`. A load run compares with both.
 */

const WHAT = 'the reference baseline';

/** One line of the reference history: which run became the reference of a scenario, who moved it, when and why. */
export interface ReferenceHistoryEntry extends ReferenceAct {
  readonly scenario: string;
  /** Where the reference was written. */
  readonly reference: string;
  readonly profileVersion: string;
  /** The release the run measured, when it was a promoted baseline. */
  readonly release?: string;
  readonly p50: number;
  readonly p95: number;
}

function noReferenceYet(source: string): BaselineLookup {
  return {
    note:
      `no reference baseline yet (${source} does not exist): no comparison; ` +
      'load:set-reference sets one, and the next promotion does when there is none',
  };
}

/** The reference a run of `scenario` under `profileVersion` compares with, at a baseline location. */
export async function findReferenceAt(
  location: BaselineLocation,
  scenario: string,
  profileVersion: string,
): Promise<BaselineLookup> {
  const references = referenceLocation(location);
  const source = baselineIn(references, scenario);
  const text = await readStored(references, baselineName(scenario), WHAT);
  if (text === undefined) return noReferenceYet(source);
  return judgeBaseline(parseSummary(text, source), source, scenario, profileVersion, WHAT);
}

/**
 * The reference of a load run, from its settings: the one file `B2_LOAD_REFERENCE` names, else
 * the one under the baseline location the engine gives it, else the one of an environment of
 * the workspace; without any of them, a note that there is no comparison.
 */
export async function referenceOf(
  settings: Pick<LoadSettings, 'referencePath' | 'baselineLocation' | 'baselineEnvironment'>,
  scenario: string,
  profileVersion: string,
): Promise<BaselineLookup> {
  if (settings.referencePath) {
    if (!existsSync(settings.referencePath)) return noReferenceYet(settings.referencePath);
    const summary = readSummary(settings.referencePath);
    return judgeBaseline(summary, settings.referencePath, scenario, profileVersion, WHAT);
  }
  if (settings.baselineLocation) {
    return findReferenceAt(baselineLocation(settings.baselineLocation), scenario, profileVersion);
  }
  if (settings.baselineEnvironment) {
    return findReferenceAt(
      { kind: 'folder', folder: workspaceBaselines(settings.baselineEnvironment) },
      scenario,
      profileVersion,
    );
  }
  return {
    note: 'no reference baseline given (none of B2_LOAD_REFERENCE, B2_LOAD_BASELINE_LOCATION, B2_LOAD_BASELINE_ENVIRONMENT is set): no comparison',
  };
}

/** Writes `summary` as the reference of its scenario and records the act in the history. */
async function writeReference(
  location: BaselineLocation,
  summary: LoadSummary,
  act: ReferenceAct,
  onlyIfNone: boolean,
): Promise<string | undefined> {
  const references = referenceLocation(location);
  const reference: LoadSummary = { ...summary, referenceAct: act };
  const text = `${JSON.stringify(reference, null, 2)}\n`;
  const name = baselineName(summary.scenario);
  const written = onlyIfNone
    ? await createStored(references, name, text, WHAT)
    : await writeStored(references, name, text, WHAT);
  if (!written) return undefined;
  const entry: ReferenceHistoryEntry = {
    scenario: summary.scenario,
    reference: written,
    ...act,
    profileVersion: summary.profileVersion,
    ...(summary.promotion?.release ? { release: summary.promotion.release } : {}),
    p50: summary.latencyMs.p50,
    p95: summary.latencyMs.p95,
  };
  await appendStored(references, REFERENCE_HISTORY, JSON.stringify(entry), 'the reference history');
  return written;
}

/**
 * After a promotion wrote `baseline` at `location`: when its scenario has no reference there
 * yet, the same run becomes the reference, recorded as set by the promotion. An existing
 * reference is never touched.
 * @returns where the reference was written, or undefined when there was one already
 */
export async function setReferenceIfNone(
  location: BaselineLocation,
  baseline: LoadSummary,
  from: string,
): Promise<string | undefined> {
  const p = baseline.promotion;
  const release = p?.release ? `release ${p.release}` : 'a release';
  return writeReference(
    location,
    baseline,
    {
      by: `the promotion of ${release}${p?.environment ? ` to ${p.environment}` : ''}`,
      setAt: p?.promotedAt ?? new Date().toISOString(),
      comment: 'there was no reference baseline: the first promoted run became it',
      from,
      byPromotion: true,
    },
    true,
  );
}

/** What `load:set-reference` is asked to do. */
export interface ReferenceRequest {
  /** The baseline location: the references are kept under `reference/` in it. */
  readonly location: BaselineLocation;
  /** A summary file, or an environment whose last promoted baselines become the references. */
  readonly from: string;
  readonly by: string;
  readonly comment: string;
  /** @default now */
  readonly setAt?: Date;
}

export interface ReferenceSet {
  readonly scenario: string;
  readonly from: string;
  readonly summary: LoadSummary;
  /** Where the reference was written. */
  readonly written: string;
}

/** The runs `--from` names: a summary file, or every scenario's baseline at the location. */
async function runsFrom(request: ReferenceRequest): Promise<{ summary: LoadSummary; from: string }[]> {
  if (existsSync(request.from)) return [{ summary: readSummary(request.from), from: request.from }];
  if (!isEnvironmentName(request.from)) {
    throw new Error(`--from ${request.from} is neither a load summary file nor an environment name`);
  }
  const runs: { summary: LoadSummary; from: string }[] = [];
  for (const scenario of Object.keys(LOAD_SCENARIOS)) {
    const from = baselineIn(request.location, scenario);
    const text = await readStored(request.location, baselineName(scenario), 'the baseline');
    if (text !== undefined) runs.push({ summary: parseSummary(text, from), from });
  }
  if (runs.length === 0) {
    throw new Error(
      `no baseline has been promoted to ${request.from} at ${storedAt(request.location, '')}: nothing to make the reference`,
    );
  }
  return runs;
}

/**
 * Makes runs the reference baselines of their scenarios: an explicit act, with who and why
 * recorded in the reference and appended to the history. Everything is checked before anything
 * is written: a failed run or a headroom step is refused, and nothing moves.
 */
export async function setReference(request: ReferenceRequest): Promise<ReferenceSet[]> {
  if (!request.by.trim()) throw new Error('a reference baseline moves only with --by <name>: who moves it');
  if (!request.comment.trim()) throw new Error('a reference baseline moves only with --comment <why>: why it moves');
  const runs = await runsFrom(request);
  for (const { summary, from } of runs) {
    const unfit = unfitAsBaseline(summary, from, WHAT);
    if (unfit) throw new Error(unfit);
    checkScenario(summary.scenario);
  }
  const setAt = (request.setAt ?? new Date()).toISOString();
  const set: ReferenceSet[] = [];
  for (const { summary, from } of runs) {
    const act: ReferenceAct = { by: request.by.trim(), setAt, comment: request.comment.trim(), from };
    const written = (await writeReference(request.location, summary, act, false))!;
    set.push({ scenario: summary.scenario, from, summary, written });
  }
  return set;
}

/** The reference history at a baseline location, oldest first (none yet: empty). */
export async function referenceHistory(location: BaselineLocation): Promise<ReferenceHistoryEntry[]> {
  const text = await readStored(referenceLocation(location), REFERENCE_HISTORY, 'the reference history');
  return (text ?? '')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as ReferenceHistoryEntry);
}

const USAGE =
  'usage: load:set-reference -- --from <summary.json | environment> --by <name> --comment <why> ' +
  '[--to <folder or s3://bucket/prefix/>] [--environment <name>]';

/**
 * Reads the command line. `--to` names the baseline location; without it, `--environment` (or
 * an environment given as `--from`) means that environment's baselines in the workspace.
 * Refused in one line when anything is missing.
 */
export function referenceRequest(args: readonly string[]): ReferenceRequest {
  const { values, positionals } = parseCommandLine(args, {
    from: { type: 'string' },
    by: { type: 'string' },
    comment: { type: 'string' },
    to: { type: 'string' },
    environment: { type: 'string' },
  });
  if (positionals.length > 0) throw new Error(`unexpected ${positionals.join(' ')}; ${USAGE}`);
  if (!values.from) throw new Error(`--from is missing: the run to make the reference; ${USAGE}`);
  if (!values.by?.trim()) throw new Error(`--by is missing: who moves the reference; ${USAGE}`);
  if (!values.comment?.trim()) throw new Error(`--comment is missing: why the reference moves; ${USAGE}`);
  const fromEnvironment = !existsSync(values.from) && isEnvironmentName(values.from) ? values.from : undefined;
  if (values.environment !== undefined) checkEnvironment(values.environment);
  if (fromEnvironment && values.environment && fromEnvironment !== values.environment) {
    throw new Error(`--from ${fromEnvironment} and --environment ${values.environment} name two environments`);
  }
  const environment = values.environment ?? fromEnvironment;
  if (!values.to && !environment) {
    throw new Error(`--to or --environment is missing: where the reference is kept; ${USAGE}`);
  }
  return {
    location: values.to ? baselineLocation(values.to) : { kind: 'folder', folder: workspaceBaselines(environment!) },
    from: values.from,
    by: values.by,
    comment: values.comment,
  };
}

/** `npx projen load:set-reference -- --from reports/load-current/summary.json --environment prod --by alice --comment "…"` */
async function main(): Promise<number> {
  const request = referenceRequest(process.argv.slice(2));
  const set = await setReference(request);
  for (const reference of set) {
    const l = reference.summary.latencyMs;
    console.log(
      `reference baseline of load-${reference.scenario} is now ${reference.from} ` +
        `(p50 ${l.p50.toFixed(1)} ms, p95 ${l.p95.toFixed(1)} ms), set by ${request.by.trim()}: ${reference.written}`,
    );
  }
  console.log(`recorded in ${storedAt(referenceLocation(request.location), REFERENCE_HISTORY)}`);
  return 0;
}

if (require.main === module) runMain(main);
