import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** How traffic went back after a failed verification or an alarm in one deployment. */
export interface RollbackRecord {
  readonly reason: string;
  /** When the breach was seen. */
  readonly detectedAt: string;
  /** When all traffic was back on the previous release. */
  readonly restoredAt: string;
  readonly trafficRestoredMs: number;
  readonly candidateStoppedMs: number;
  /** The new release's share of traffic, in percent, when the breach was detected. */
  readonly candidateShare?: number;
  /**
   * When the environment's front served the bad release's first request: what users saw
   * first, where time to restore starts. Absent in older history lines.
   */
  readonly firstServedAt?: string;
  /** When the bad release first failed a request: where its users started to see the fault. */
  readonly firstFaultAt?: string;
  /** Requests the environment served (on either release) from the bad release's first fault until traffic was back, and how many failed. */
  readonly afterFirstFault?: { readonly requests: number; readonly failed: number };
  /** What the canary judge found, when it was what rolled the release back. */
  readonly judgement?: string;
}

/**
 * A history line of its own: a person marked a release promoted to prod a failed change after
 * the fact (`pipeline:mark-failed`), because it had to be rolled back or replaced for a failure
 * the pipeline did not catch.
 */
export interface FailedChangeMark {
  readonly kind: 'failed-change';
  readonly environment: string;
  readonly releaseId: string;
  /** The run that promoted the release. */
  readonly runId: string;
  readonly commit: string;
  readonly by: string;
  readonly comment: string;
  /** When it was marked. */
  readonly at: string;
  /**
   * When all traffic was back on a good release, as the person marking it says.
   * @default - the finish of the next release promoted to the environment after it
   */
  readonly restoredAt?: string;
}

/**
 * A history line of its own: a person put an environment back on an earlier release that ran
 * there (`pipeline:rollback`), through the environment's front, with what users saw meanwhile.
 */
export interface RollbackOnDemand {
  readonly kind: 'rollback';
  readonly environment: string;
  /** The release that was live, and is no longer. */
  readonly fromReleaseId: string;
  /** The earlier release that is live again. */
  readonly toReleaseId: string;
  readonly by: string;
  readonly comment: string;
  /** When the rollback started. */
  readonly startedAt: string;
  /** When the front sent every new request to the earlier release. */
  readonly restoredAt: string;
  /** From the start until all new requests went to the earlier release (it was started and healthy first). */
  readonly trafficRestoredMs: number;
  /** Until the release rolled away from was drained and stopped. */
  readonly durationMs: number;
  /** What the environment served, on either release, from the start until the end, and how many failed. */
  readonly requests: number;
  readonly failed: number;
}

/** How one deployment to one environment ended. */
export interface DeploymentRecord {
  readonly environment: string;
  readonly releaseId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly outcome: 'promoted' | 'rolled-back' | 'failed';
  /** Set when the deployment was rolled back: what breached, when it was seen, when traffic was back. */
  readonly rollback?: RollbackRecord;
  /**
   * Never written by a run: `readRuns` sets it on a promoted deployment that a person marked a
   * failed change afterwards.
   */
  readonly failedChange?: FailedChangeMark;
}

export type RunOutcome = 'promoted' | 'failed' | 'rolled-back' | 'rejected' | 'awaiting-approval' | 'error';

/** One pipeline run, as the history keeps it. */
export interface RunRecord {
  readonly runId: string;
  readonly commit: string;
  /** When the change was committed: the start of its lead time. */
  readonly committedAt: string;
  readonly trigger: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly outcome: RunOutcome;
  readonly deployments: readonly DeploymentRecord[];
}

/** The four delivery measures, computed from the history. */
export interface DeliveryMetrics {
  readonly windowDays: number;
  readonly productionDeployments: number;
  /** Successful production deployments per day over the window. */
  readonly deploymentsPerDay: number;
  /** Median time from commit to its promotion in production. */
  readonly leadTimeMs?: number;
  /**
   * Share of production deployments that were failed changes: rolled back or failed by the
   * pipeline, or promoted and marked failed afterwards (`pipeline:mark-failed`).
   */
  readonly changeFailureRate?: number;
  /**
   * Median time from a failed change's first request served in production to all traffic back
   * on a good release (`timeToRestore`). A failed change not restored yet is not in it.
   */
  readonly timeToRestoreMs?: number;
}

/** The history is append-only JSON lines; a run that is resumed appends again and its last line wins. */
export function appendRun(file: string, record: RunRecord): void {
  appendLine(file, record);
}

function appendLine(file: string, record: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(record)}\n`);
}

/** The history as written: each run's last record, and the failed-change marks in the order made. */
export interface History {
  readonly runs: readonly RunRecord[];
  readonly failedChanges: readonly FailedChangeMark[];
  /** The rollbacks people made on demand, in the order made. @default none */
  readonly rollbacks?: readonly RollbackOnDemand[];
}

type HistoryLine = RunRecord | FailedChangeMark | RollbackOnDemand;

const isFailedChange = (line: HistoryLine): line is FailedChangeMark =>
  (line as FailedChangeMark).kind === 'failed-change';
const isRollback = (line: HistoryLine): line is RollbackOnDemand => (line as RollbackOnDemand).kind === 'rollback';

/** Appends a rollback made on demand to the history. */
export function appendRollback(file: string, rollback: RollbackOnDemand): void {
  appendLine(file, rollback);
}

export function readHistory(file: string): History {
  if (!existsSync(file)) return { runs: [], failedChanges: [] };
  const latest = new Map<string, RunRecord>();
  const failedChanges: FailedChangeMark[] = [];
  const rollbacks: RollbackOnDemand[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    // A run line has no kind: every line written before the marks existed is one.
    const record = JSON.parse(line) as HistoryLine;
    if (isFailedChange(record)) {
      failedChanges.push(record);
      continue;
    }
    if (isRollback(record)) {
      rollbacks.push(record);
      continue;
    }
    latest.delete(record.runId);
    latest.set(record.runId, record);
  }
  return { runs: [...latest.values()], failedChanges, rollbacks };
}

/** The runs of the history, each promoted deployment a person marked a failed change carrying its mark. */
export function readRuns(file: string): RunRecord[] {
  const { runs, failedChanges } = readHistory(file);
  return runs.map((run) => {
    const marked = failedChanges.filter((m) => m.runId === run.runId);
    if (marked.length === 0) return run;
    return {
      ...run,
      deployments: run.deployments.map((d) => {
        const mark = marked.find((m) => m.environment === d.environment && m.releaseId === d.releaseId);
        return mark && d.outcome === 'promoted' ? { ...d, failedChange: mark } : d;
      }),
    };
  });
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const DAY_MS = 86_400_000;

/** One deployment to one environment, with the run it belongs to. */
interface Deployed {
  readonly run: RunRecord;
  readonly d: DeploymentRecord;
}

function deploymentsTo(runs: readonly RunRecord[], environment: string): Deployed[] {
  return runs.flatMap((run) => run.deployments.filter((d) => d.environment === environment).map((d) => ({ run, d })));
}

/**
 * How long users were on a failed change, from what they saw: from its first request served to
 * all traffic back on a good release; undefined while it is not restored.
 *
 * - Rolled back by the pipeline: from `firstServedAt` to the rollback's `restoredAt`. A record
 *   without `firstServedAt` (older lines) starts at `detectedAt` instead, which leaves out the
 *   time the release served before the breach was seen.
 * - Marked failed after promotion: from the deployment's `startedAt`, the stand-in for its first
 *   served request (the front sends it traffic right after it starts, so the time is never
 *   understated), to the `restoredAt` given when it was marked, else to the finish of the next
 *   other release promoted to the environment after it (all traffic on a good release).
 */
export function timeToRestore(
  deployed: DeploymentRecord,
  promotedAfter: readonly DeploymentRecord[],
): number | undefined {
  const { rollback, failedChange } = deployed;
  if (rollback) return Date.parse(rollback.restoredAt) - Date.parse(rollback.firstServedAt ?? rollback.detectedAt);
  if (!failedChange) return undefined;
  const firstServed = Date.parse(deployed.startedAt);
  const restoredAt =
    failedChange.restoredAt ??
    promotedAfter
      .filter((d) => d.releaseId !== deployed.releaseId && Date.parse(d.startedAt) > firstServed)
      .map((d) => d.finishedAt)
      .sort((a, b) => Date.parse(a) - Date.parse(b))[0];
  return restoredAt === undefined ? undefined : Date.parse(restoredAt) - firstServed;
}

export function deliveryMetrics(
  runs: readonly RunRecord[],
  production: string,
  now = new Date(),
  windowDays = 30,
): DeliveryMetrics {
  const from = now.getTime() - windowDays * DAY_MS;
  const inWindow = runs.filter((r) => Date.parse(r.startedAt) >= from);
  const prod = deploymentsTo(inWindow, production);
  const promoted = prod.filter(({ d }) => d.outcome === 'promoted');
  const failed = prod.filter(({ d }) => d.outcome !== 'promoted' || d.failedChange);
  // The release that restored one in the window may have come after the window's runs were read.
  const promotedEver = deploymentsTo(runs, production)
    .filter(({ d }) => d.outcome === 'promoted')
    .map(({ d }) => d);
  const restores = failed.flatMap(({ d }) => {
    const ms = timeToRestore(d, promotedEver);
    return ms === undefined ? [] : [ms];
  });
  return {
    windowDays,
    productionDeployments: prod.length,
    deploymentsPerDay: promoted.length / windowDays,
    leadTimeMs: median(promoted.map(({ run, d }) => Date.parse(d.finishedAt) - Date.parse(run.committedAt))),
    changeFailureRate: prod.length === 0 ? undefined : failed.length / prod.length,
    timeToRestoreMs: median(restores),
  };
}

/** What `pipeline:mark-failed` is asked to record. */
export interface FailedChangeRequest {
  readonly releaseId: string;
  /** The production environment's name. */
  readonly environment: string;
  readonly by: string;
  readonly comment: string;
  /**
   * When all traffic was back on a good release, as an ISO 8601 time.
   * @default - the finish of the next release promoted after it
   */
  readonly restoredAt?: string;
  /** @default now */
  readonly at?: Date;
}

/**
 * The mark for a release that reached production, or an error that refuses it in one line
 * saying what to do instead: a release that never reached the environment, one the pipeline
 * rolled back there (already a failed change), one already marked, or a restore time that is
 * not a time after its release started.
 */
export function failedChangeMark(history: History, request: FailedChangeRequest): FailedChangeMark {
  const { releaseId, environment } = request;
  const deployed = deploymentsTo(history.runs, environment).filter(({ d }) => d.releaseId === releaseId);
  const promoted = deployed.filter(({ d }) => d.outcome === 'promoted');
  if (promoted.length === 0) {
    const rolledBack = deployed.find(({ d }) => d.outcome !== 'promoted');
    if (rolledBack) {
      throw new Error(
        `release ${releaseId} was ${rolledBack.d.outcome} in ${environment} by the pipeline (run ${rolledBack.run.runId}): ` +
          'it already counts as a failed change; nothing to mark',
      );
    }
    const latest = deploymentsTo(history.runs, environment)
      .filter(({ d }) => d.outcome === 'promoted')
      .slice(-3)
      .map(({ d }) => d.releaseId);
    throw new Error(
      `release ${releaseId} never reached ${environment}: mark a release promoted there` +
        (latest.length ? ` (the latest: ${latest.reverse().join(', ')})` : ' (none has been yet)'),
    );
  }
  const marked = history.failedChanges.find((m) => m.releaseId === releaseId && m.environment === environment);
  if (marked) {
    throw new Error(
      `release ${releaseId} is already marked a failed change, by ${marked.by} at ${marked.at} ("${marked.comment}"): nothing to mark again`,
    );
  }
  // The first promotion is when the change reached users; a later redeploy of it is no new change.
  const [{ run, d }] = promoted;
  let restoredAt: string | undefined;
  if (request.restoredAt !== undefined) {
    const ms = Date.parse(request.restoredAt);
    if (Number.isNaN(ms)) {
      throw new Error(
        `--restored-at ${request.restoredAt} is not a time: give an ISO 8601 time, e.g. 2026-11-25T14:05:00Z`,
      );
    }
    if (ms < Date.parse(d.startedAt)) {
      throw new Error(
        `--restored-at ${request.restoredAt} is before release ${releaseId} started in ${environment} (${d.startedAt}): give the time traffic was back on a good release`,
      );
    }
    restoredAt = new Date(ms).toISOString();
  }
  return {
    kind: 'failed-change',
    environment,
    releaseId,
    runId: run.runId,
    commit: run.commit,
    by: request.by,
    comment: request.comment,
    at: (request.at ?? new Date()).toISOString(),
    restoredAt,
  };
}

/** A mark's line in the approvals audit log, beside the approvals and rejections (`approval/approvals.ts`). */
export interface FailedChangeAuditLine {
  readonly runId: string;
  readonly commit: string;
  readonly environment: string;
  readonly releaseId: string;
  readonly decision: 'marked-failed';
  readonly by: string;
  readonly at: string;
  readonly comment: string;
  readonly via: 'command';
}

/** Appends the mark to the history, and who marked it and why to the audit log: both append-only. */
export function recordFailedChange(
  files: { readonly history: string; readonly audit: string },
  mark: FailedChangeMark,
): void {
  appendLine(files.history, mark);
  const audit: FailedChangeAuditLine = {
    runId: mark.runId,
    commit: mark.commit,
    environment: mark.environment,
    releaseId: mark.releaseId,
    decision: 'marked-failed',
    by: mark.by,
    at: mark.at,
    comment: mark.comment,
    via: 'command',
  };
  appendLine(files.audit, audit);
}
