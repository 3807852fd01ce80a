import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** How one deployment to one environment ended. */
export interface DeploymentRecord {
  readonly environment: string;
  readonly releaseId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly outcome: 'promoted' | 'rolled-back' | 'failed';
  /** Set when the deployment was rolled back: what breached, when it was seen, when traffic was back. */
  readonly rollback?: {
    readonly reason: string;
    readonly detectedAt: string;
    readonly restoredAt: string;
    readonly trafficRestoredMs: number;
    readonly candidateStoppedMs: number;
    /** The new release's share of traffic, in percent, when the breach was detected. */
    readonly candidateShare?: number;
  };
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
  /** Share of production deployments that failed or were rolled back. */
  readonly changeFailureRate?: number;
  /** Median time from a production breach being detected to traffic being back on the last good release. */
  readonly timeToRestoreMs?: number;
}

/** The history is append-only JSON lines; a run that is resumed appends again and its last line wins. */
export function appendRun(file: string, record: RunRecord): void {
  mkdirSync(path.dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(record)}\n`);
}

export function readRuns(file: string): RunRecord[] {
  if (!existsSync(file)) return [];
  const latest = new Map<string, RunRecord>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const record = JSON.parse(line) as RunRecord;
    latest.delete(record.runId);
    latest.set(record.runId, record);
  }
  return [...latest.values()];
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const DAY_MS = 86_400_000;

export function deliveryMetrics(
  runs: readonly RunRecord[],
  production: string,
  now = new Date(),
  windowDays = 30,
): DeliveryMetrics {
  const from = now.getTime() - windowDays * DAY_MS;
  const inWindow = runs.filter((r) => Date.parse(r.startedAt) >= from);
  const prod = inWindow.flatMap((run) =>
    run.deployments.filter((d) => d.environment === production).map((d) => ({ run, d })),
  );
  const promoted = prod.filter(({ d }) => d.outcome === 'promoted');
  const failed = prod.filter(({ d }) => d.outcome !== 'promoted');
  const restores = failed.flatMap(({ d }) =>
    d.rollback ? [Date.parse(d.rollback.restoredAt) - Date.parse(d.rollback.detectedAt)] : [],
  );
  return {
    windowDays,
    productionDeployments: prod.length,
    deploymentsPerDay: promoted.length / windowDays,
    leadTimeMs: median(promoted.map(({ run, d }) => Date.parse(d.finishedAt) - Date.parse(run.committedAt))),
    changeFailureRate: prod.length === 0 ? undefined : failed.length / prod.length,
    timeToRestoreMs: median(restores),
  };
}
