import type { History } from '../report/history';

/**
 * Which release a rollback on demand goes back to, decided from the history alone: the
 * releases that were live in the environment, in order, and the data schema each needs. Every
 * refusal is one line that says what to do instead.
 */

/** A release that was live in an environment: put there by a run's promotion or by a rollback. */
export interface LiveEntry {
  readonly releaseId: string;
  /** When it took all traffic. */
  readonly at: string;
  readonly via: 'promoted' | 'rollback';
}

/** The releases live in `environment` over time, oldest first. */
export function liveSequence(history: History, environment: string): LiveEntry[] {
  const promoted = history.runs.flatMap((run) =>
    run.deployments
      .filter((d) => d.environment === environment && d.outcome === 'promoted')
      .map((d): LiveEntry => ({ releaseId: d.releaseId, at: d.finishedAt, via: 'promoted' })),
  );
  const rolledBack = (history.rollbacks ?? [])
    .filter((r) => r.environment === environment)
    .map((r): LiveEntry => ({ releaseId: r.toReleaseId, at: r.restoredAt, via: 'rollback' }));
  return [...promoted, ...rolledBack].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

export interface RollbackRequest {
  readonly environment: string;
  /** The release live there now, as the environment reports it. */
  readonly live: string | undefined;
  /** @default the release live there before the live one, leaving out failed changes */
  readonly to?: string;
}

export interface RollbackTarget {
  readonly environment: string;
  readonly from: string;
  readonly to: string;
  /** The live release got there by a run's promotion (a change), not by an earlier rollback. */
  readonly fromPromoted: boolean;
}

const latest = (ids: readonly string[]): string =>
  ids.length ? ` (the latest: ${[...new Set(ids)].reverse().slice(0, 3).join(', ')})` : '';

export function rollbackTarget(history: History, request: RollbackRequest): RollbackTarget {
  const { environment, live } = request;
  if (!live) throw new Error(`nothing is live in ${environment}: there is nothing to roll back`);
  const sequence = liveSequence(history, environment);
  const earlier = sequence.filter((e) => e.releaseId !== live).map((e) => e.releaseId);
  const lastEntry = [...sequence].reverse().find((e) => e.releaseId === live);
  const fromPromoted = lastEntry?.via === 'promoted';
  if (request.to !== undefined) {
    if (request.to === live) throw new Error(`release ${live} is already live in ${environment}: nothing to roll back`);
    if (!earlier.includes(request.to)) {
      throw new Error(
        `release ${request.to} never ran in ${environment}: roll back to one that did${latest(earlier)}, or leave out --to for the one before ${live}`,
      );
    }
    return { environment, from: live, to: request.to, fromPromoted };
  }
  const failed = new Set(history.failedChanges.filter((m) => m.environment === environment).map((m) => m.releaseId));
  const candidates = earlier.filter((id) => !failed.has(id));
  const to = candidates[candidates.length - 1];
  if (!to) {
    throw new Error(
      `${environment} has had no good release before ${live}: there is nothing to roll back to; fix forward with a new run`,
    );
  }
  return { environment, from: live, to, fromPromoted };
}

/** The shape of the data a release reads and writes (`DATA_SCHEMA` in its manifest). */
export interface DataSchema {
  readonly version: number;
  /** The oldest code version that can read what this one writes. */
  readonly readableFrom: number;
}

/**
 * Refuses a target whose code cannot read the environment's data any more: a release since
 * then contracted the schema past the target's version.
 */
export function checkDataFits(
  target: RollbackTarget,
  targetSchema: DataSchema,
  liveData: DataSchema | undefined,
): void {
  if (!liveData || targetSchema.version >= liveData.readableFrom) return;
  throw new Error(
    `release ${target.to} reads data version ${targetSchema.version}, but ${target.environment}'s data was since written by a release ` +
      `that only data version ${liveData.readableFrom} or later can read: roll back to a release of data version ${liveData.readableFrom} or later, or fix forward`,
  );
}
