import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { GateStatus } from './gate-runner';
import { workspace, workspaceDir } from '../../kit/workspace';
import { Decision } from '../approval/approvals';
import { alive } from '../environments/database';
import { RolloutOutcome } from '../environments/rollout';
import { RunOutcome } from '../report/history';

/**
 * `summary.json` of a run: everything the run did, written as it goes. It is the run's
 * machine-readable result, what the HTML page is rendered from, and what `resume` continues.
 */

export type StepStatus =
  GateStatus | 'promoted' | 'rolled-back' | 'approved' | 'rejected' | 'awaiting-approval' | 'skipped' | 'running';

export interface StepResult {
  /** The plan's step id, e.g. `dev/smoke`. */
  readonly id: string;
  readonly stage: string;
  readonly kind: 'build' | 'gate' | 'approval' | 'deploy';
  readonly status: StepStatus;
  readonly startedAt: string;
  readonly durationMs: number;
  /** The line a person reads first. */
  readonly summary: string;
  readonly task?: string;
  /** Relative to the run folder. */
  readonly log?: string;
  readonly exitCode?: number | null;
}

export interface StageResult {
  readonly name: string;
  readonly status: 'passed' | 'failed' | 'rolled-back' | 'awaiting-approval' | 'rejected';
  readonly startedAt: string;
  readonly durationMs: number;
}

/** The exit codes of `pipeline`, documented in the README. */
export const EXIT_CODE = {
  /** The release reached the last environment. */
  promoted: 0,
  /** A gate failed, a release did not start, or a release was rolled back. */
  failed: 1,
  /** The run could not run at all: a missing tool, a port in use, a bad option (one line says which). */
  error: 2,
  /** A person rejected the promotion; the environment after the approval was not touched. */
  rejected: 3,
  /** The run waits for an approval; it says how to approve or reject and resume. */
  awaitingApproval: 75,
} as const;

export interface RunSummary {
  readonly runId: string;
  readonly commit: string;
  /** What the release reports as its version: the commit, marked when the tree was dirty. */
  readonly version: string;
  readonly branch: string;
  readonly subject: string;
  readonly committedAt: string;
  readonly dirty: boolean;
  readonly trigger: string;
  readonly startedAt: string;
  finishedAt?: string;
  outcome: RunOutcome | 'running';
  /** One line: why the run ended the way it did. */
  reason?: string;
  /** The environment whose approval the run waits for. */
  awaiting?: string;
  /**
   * The environment whose canary the judge found marginal, while the run (still running, the
   * canary live at its share) waits for a person to decide it by command.
   */
  awaitingJudgement?: string;
  readonly release: {
    readonly id: string;
    readonly commit: string;
    readonly dir: string;
    readonly source: 'built' | 'given';
  };
  /** Gate steps of the model left out of this run (`--only-gates`): the run is partial when there are any. */
  readonly skippedGates: readonly string[];
  readonly onlyGates?: readonly string[];
  readonly minuteMs: number;
  readonly ports: { readonly database: number; readonly environments: Readonly<Record<string, number>> };
  readonly stages: StageResult[];
  readonly steps: StepResult[];
  readonly deployments: RolloutOutcome[];
  readonly approvals: Decision[];
  /** Gates whose "could not check" a person accepted, by name and with a reason. */
  readonly waivers: { readonly gate: string; readonly by: string; readonly reason: string }[];
  /** Load baselines promoted after the release reached prod. */
  readonly baselinesPromoted: string[];
}

export const runFolder = (runId: string): string => workspace.run(runId);
export const summaryFile = (runId: string): string => path.join(runFolder(runId), 'summary.json');
export const reportFile = (runId: string): string => path.join(runFolder(runId), 'report.html');
export const evidenceFile = (runId: string): string => path.join(runFolder(runId), 'evidence.json');
export const runLogFile = (runId: string): string => path.join(runFolder(runId), 'run.log');
/** Where the gates of one scope (pre-deploy, or an environment) write their reports. */
export const reportsOf = (runId: string, scope: string): string => path.join(runFolder(runId), 'reports', scope);

/** Written through a temporary file, so a reader never sees half a summary. */
export function writeSummary(summary: RunSummary): void {
  mkdirSync(runFolder(summary.runId), { recursive: true });
  const file = summaryFile(summary.runId);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(summary, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function readSummary(runId: string): RunSummary {
  const file = summaryFile(runId);
  if (!existsSync(file)) throw new Error(`there is no run ${runId} in ${workspace.runs()}`);
  return JSON.parse(readFileSync(file, 'utf8')) as RunSummary;
}

/** Every run's id, oldest first (ids start with their start time). */
export function runIds(): string[] {
  if (!existsSync(workspace.runs())) return [];
  return readdirSync(workspace.runs())
    .filter((id) => existsSync(summaryFile(id)))
    .sort();
}

/** The newest runs' summaries, oldest first; a summary that cannot be read is left out. */
export function recentSummaries(count: number): RunSummary[] {
  return runIds()
    .slice(-count)
    .flatMap((id) => {
      try {
        return [readSummary(id)];
      } catch {
        return [];
      }
    });
}

/** The run `resume`, `approve` and `reject` act on when none is named: the newest one waiting. */
export function latestAwaitingRun(): RunSummary | undefined {
  const waiting = runIds()
    .map(readSummary)
    .filter((s) => s.outcome === 'awaiting-approval');
  return waiting[waiting.length - 1];
}

/** The run waiting for a person to decide a marginal canary judgement: the one named, or the newest. */
export function runAwaitingJudgement(runId?: string): RunSummary | undefined {
  if (runId) {
    const run = readSummary(runId);
    return run.awaitingJudgement && run.outcome === 'running' ? run : undefined;
  }
  return runIds()
    .map(readSummary)
    .filter((s) => s.awaitingJudgement && s.outcome === 'running')
    .pop();
}

/** `20251125T145012Z-ec9ad50`: sortable by time, readable by commit. */
export function newRunId(commit: string, now = new Date()): string {
  return `${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${commit.slice(0, 7)}`;
}

const lockFile = (): string => path.join(workspaceDir(), 'run.lock');

/**
 * One run at a time drives the environments: a second run would deploy beside the first one's
 * candidate. A lock left by a process that died is taken over.
 */
export function acquireRunLock(runId: string): () => void {
  mkdirSync(workspaceDir(), { recursive: true });
  const file = lockFile();
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      // `wx` creates the file only if it is not there: two runs starting at once cannot both win.
      writeFileSync(file, JSON.stringify({ pid: process.pid, runId }), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = JSON.parse(readFileSync(file, 'utf8') || '{}') as { pid?: number; runId?: string };
      if (alive(holder.pid)) {
        throw new Error(
          `run ${holder.runId} (process ${holder.pid}) is driving the environments: wait for it to finish, then run again`,
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not take the run lock ${file}: remove it if no run is in progress`);
}
