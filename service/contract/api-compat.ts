import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { baselineLocation, CONTRACT_BASELINE, readStored } from '../../loadtest/baseline-store';
import { runMain } from '../../pipeline/kit/cli';
import { renderJunit } from '../../pipeline/kit/junit';
import { reportDir } from '../../pipeline/kit/reports';
import { requireTool } from '../../pipeline/toolchain/probe';
import { apiDocument } from '../src/contract/document';

/**
 * The api-compat gate (`npx projen api:compat`): the candidate's API contract (made from the
 * checkout's route definitions) against the contract of the release live in production, kept
 * with production's baselines (`B2_LOAD_BASELINE_LOCATION`, a folder or an S3 prefix) as
 * `openapi.json` by each promotion. oasdiff decides what breaks a client. A breaking change
 * blocks unless the approval before production accepts it: with `B2_CHANGE_ACCEPTANCE=approval`
 * (what the engines set) the gate reports it for that approval and passes; without, it fails.
 */

/** What the gate writes into its folder: every change, the breaking ones first. */
export const API_COMPAT_REPORTS = { changes: 'changes.json', junit: 'junit.xml', candidate: 'candidate.json' } as const;

/** The exit code of a breaking change that no approval is there to accept. */
export const BREAKING_EXIT_CODE = 1;

/** oasdiff's levels: 3 breaks a client, 2 may break one, 1 does not. */
const ERR = 3;
const WARN = 2;

export interface ContractChange {
  /** oasdiff's check, e.g. `response-required-property-removed`. */
  readonly id: string;
  readonly text: string;
  /** `breaking`, `may break` (a client that relied on it) or `compatible`. */
  readonly level: 'breaking' | 'may break' | 'compatible';
  readonly operation?: string;
  readonly path?: string;
}

/** The evidence an approval reads: what the candidate changes in production's contract. */
export interface ContractChanges {
  /** The release whose contract was compared with: production's live one; `none` when nothing is live there yet. */
  readonly base: string;
  readonly breaking: readonly ContractChange[];
  readonly nonBreaking: readonly ContractChange[];
}

interface OasdiffChange {
  readonly id: string;
  readonly text: string;
  readonly level: number;
  readonly operation?: string;
  readonly path?: string;
}

const run = promisify(execFile);

/** oasdiff's changelog between two documents: every change, each with its level. */
export async function contractChanges(
  oasdiff: string,
  base: { readonly release: string; readonly document: unknown },
  candidate: unknown,
): Promise<ContractChanges> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'b2-api-compat-'));
  try {
    const files = { base: path.join(scratch, 'base.json'), candidate: path.join(scratch, 'candidate.json') };
    writeFileSync(files.base, JSON.stringify(base.document));
    writeFileSync(files.candidate, JSON.stringify(candidate));
    const { stdout } = await run(oasdiff, ['changelog', files.base, files.candidate, '--format', 'json'], {
      maxBuffer: 16 * 1024 * 1024,
    });
    const changes = (JSON.parse(stdout || '[]') as OasdiffChange[]).map((change): ContractChange => ({
      id: change.id,
      text: change.text,
      level: change.level >= ERR ? 'breaking' : change.level === WARN ? 'may break' : 'compatible',
      ...(change.operation ? { operation: change.operation } : {}),
      ...(change.path ? { path: change.path } : {}),
    }));
    return {
      base: base.release,
      breaking: changes.filter((c) => c.level === 'breaking'),
      nonBreaking: changes.filter((c) => c.level !== 'breaking'),
    };
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`oasdiff could not compare the contracts: ${stderr || (err as Error).message}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const where = (change: ContractChange): string =>
  change.operation && change.path ? `${change.operation} ${change.path}` : (change.path ?? 'the document');

/** One line per change, as the log and the approval show it. */
export function describeChange(change: ContractChange): string {
  return `${where(change)}: ${change.text} [${change.id}]`;
}

function junitOf(changes: ContractChanges, timestamp: string): string {
  const cases = changes.breaking.map((change) => ({
    name: `${where(change)}: ${change.id}`,
    failure: { message: change.text, type: 'breaking change' },
  }));
  return renderJunit({
    name: 'api-compat',
    suites: [
      {
        name: 'api-compat',
        timestamp,
        cases: cases.length > 0 ? cases : [{ name: `no breaking change against ${changes.base}` }],
      },
    ],
  });
}

/** The contract production runs, with the release it came from; undefined when nothing is live there yet. */
async function productionContract(location: string): Promise<{ release: string; document: unknown } | undefined> {
  const text = await readStored(baselineLocation(location), CONTRACT_BASELINE, "production's API contract");
  if (text === undefined) return undefined;
  let document: { info?: { version?: string } };
  try {
    document = JSON.parse(text) as typeof document;
  } catch {
    throw new Error(`production's API contract at ${location} is not JSON: promote a release again to replace it`);
  }
  return { release: document.info?.version ?? 'unknown', document };
}

/** What the gate is told, from the gate contract. */
export const API_COMPAT_ENV = {
  location: 'B2_LOAD_BASELINE_LOCATION',
  acceptance: 'B2_CHANGE_ACCEPTANCE',
  version: 'B2_EXPECTED_VERSION',
} as const;

async function main(): Promise<number> {
  const location = process.env[API_COMPAT_ENV.location]?.trim();
  if (!location) {
    throw new Error(
      `${API_COMPAT_ENV.location} is not set: point it at production's baselines (a folder or s3://bucket/prefix/)`,
    );
  }
  const byApproval = process.env[API_COMPAT_ENV.acceptance]?.trim() === 'approval';
  const reports = reportDir('api-compat');
  const live = await productionContract(location);
  const candidate = apiDocument(process.env[API_COMPAT_ENV.version]?.trim() || 'candidate');
  writeFileSync(path.join(reports, API_COMPAT_REPORTS.candidate), `${JSON.stringify(candidate, null, 2)}\n`);
  const changes: ContractChanges = live
    ? await contractChanges(await requireTool('oasdiff'), live, candidate)
    : { base: 'none', breaking: [], nonBreaking: [] };
  writeFileSync(path.join(reports, API_COMPAT_REPORTS.changes), `${JSON.stringify(changes, null, 2)}\n`);
  writeFileSync(path.join(reports, API_COMPAT_REPORTS.junit), junitOf(changes, new Date().toISOString()));
  console.log(`reports: ${path.join(reports, API_COMPAT_REPORTS.changes)}`);
  if (!live) {
    console.log(`api-compat passed: no release is live in production yet (${location}), so no client can break`);
    return 0;
  }
  for (const change of changes.breaking) console.log(`BREAKING   ${describeChange(change)}`);
  for (const change of changes.nonBreaking) console.log(`${change.level.padEnd(10)} ${describeChange(change)}`);
  const counted = `${changes.breaking.length} breaking, ${changes.nonBreaking.length} compatible change${changes.nonBreaking.length === 1 ? '' : 's'} against production's ${changes.base.slice(0, 12)}`;
  if (changes.breaking.length === 0) {
    console.log(`api-compat passed: ${counted}`);
    return 0;
  }
  const first = describeChange(changes.breaking[0]);
  if (byApproval) {
    console.log(
      `api-compat passed for the approval before production to decide: ${counted}; first: ${first}. The approver must accept them by name`,
    );
    return 0;
  }
  console.log(`api-compat FAILED: ${counted}; first: ${first}`);
  return BREAKING_EXIT_CODE;
}

if (require.main === module) runMain(main);
