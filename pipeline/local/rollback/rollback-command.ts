import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import * as path from 'node:path';
import { checkDataFits, RollbackTarget, rollbackTarget } from './rollback-plan';
import { readRelease, RELEASE_PARTS } from '../../../service/build/release';
import { duration } from '../../kit/durations';
import { workspace } from '../../kit/workspace';
import { CONTRACT_BASELINE, PIPELINE, planFor } from '../../model';
import { appendAuditLine } from '../approval/approvals';
import { liveDataSchema, releaseDataSchema } from '../environments/data-schema';
import { EnvironmentClient } from '../environments/environment-client';
import { LocalEnvironments } from '../environments/local-environments';
import {
  appendRollback,
  deliveryMetrics,
  failedChangeMark,
  readHistory,
  readRuns,
  recordFailedChange,
  RollbackOnDemand,
  timeToRestore,
} from '../report/history';
import { writeRunPage } from '../report/run-page';
import { localConfig } from '../run/local-config';
import { environmentStages, productionOf } from '../run/local-plan';
import { acquireRunLock, readSummary, reportFile, runIds } from '../run/run-record';

/**
 * `pipeline:rollback`: puts an environment back on an earlier release that ran there, through
 * the environment's front, the way a deploy goes live: the earlier release starts beside the live
 * one and takes every new request once healthy, while the requests in flight finish where they
 * started; then the release rolled away from is drained and stopped. Recorded in the history
 * (the rollback, and the release rolled away from as a failed change with its time to restore),
 * in the audit log and on the page of the run that delivered that release. Refused, changing
 * nothing, while a run drives the environments.
 */

export interface RollbackRequest {
  readonly environment?: string;
  /** @default the release live before the live one */
  readonly to?: string;
  readonly by?: string;
  readonly comment?: string;
}

/** A rollback's line in the audit log `approvals.jsonl`, beside the approvals and the failed-change marks. */
export interface RollbackAuditLine {
  readonly environment: string;
  readonly decision: 'rolled-back';
  readonly fromReleaseId: string;
  readonly toReleaseId: string;
  readonly by: string;
  readonly at: string;
  readonly comment: string;
  readonly via: 'command';
}

const USAGE =
  'rollback needs --environment <name>, --by <your name> and --comment <why> (and --to <release> for another than the one before the live one)';

/** The version the release answers with: what its run delivered, else what its manifest says. */
function versionOf(releaseId: string, dir: string): string {
  if (runIds().includes(releaseId)) return readSummary(releaseId).release.commit;
  const manifest = readRelease(dir, []);
  return manifest.dirty ? `${manifest.commit}-dirty` : manifest.commit;
}

/** The target, checked against what is kept and the environment's data; refusals change nothing. */
function checkedTarget(client: EnvironmentClient, live: string | undefined, request: RollbackRequest): RollbackTarget {
  const environment = client.environment;
  const target = rollbackTarget(readHistory(workspace.history()), { environment, live, to: request.to });
  const dir = path.join(workspace.releases(), target.to);
  if (!existsSync(dir)) {
    throw new Error(
      `release ${target.to} is no longer kept in ${workspace.releases()} (old releases are pruned): roll back to a newer one with --to, or deliver its commit again with a new run`,
    );
  }
  checkDataFits(target, releaseDataSchema(dir), liveDataSchema(environment));
  return target;
}

export async function rollBack(request: RollbackRequest, log: (line: string) => void = console.log): Promise<number> {
  const plan = planFor(PIPELINE);
  const stages = environmentStages(plan);
  const names = stages.map((s) => s.name);
  const { environment, by, comment } = request;
  if (!environment || !by || !comment) throw new Error(USAGE);
  const stage = stages.find((s) => s.name === environment);
  if (!stage) throw new Error(`unknown environment ${environment}: choose one of ${names.join(', ')}`);

  const startedAt = new Date();
  const unlock = acquireRunLock(`rollback-${environment}`);
  const environments = new LocalEnvironments(localConfig(process.env, names).ports);
  try {
    const client = environments.client(environment);
    const running = await client.isUp();
    // Checked before anything starts: a refused rollback changes nothing.
    const before = running ? await client.state() : client.lastKnownState();
    if (before?.candidate) {
      throw new Error(
        `${environment} has release ${before.candidate.id} deploying beside ${before.live?.id ?? 'nothing'}: a run left it there; finish or resume that run first`,
      );
    }
    const target = checkedTarget(client, before?.live?.id, request);
    if (!running) {
      log(`starting ${environment} (it was stopped; it comes back on ${target.from})`);
      await environments.bringUp(
        [{ name: environment, token: stage.deploy.promotion.environment.token }],
        () => undefined,
      );
    }
    const dir = path.join(workspace.releases(), target.to);
    log(`rolling ${environment} back from ${target.from} to ${target.to}: starting ${target.to} beside it`);

    const started = Date.now();
    try {
      await client.deploy({ id: target.to, commit: versionOf(target.to, dir), dir }, 100);
    } catch (err) {
      throw new Error(
        `release ${target.to} did not start, so ${environment} stays on ${target.from}: ${(err as Error).message}`,
      );
    }
    const restored = Date.now();
    await client.promote();
    const finished = Date.now();
    const served = await Promise.all([target.from, target.to].map((id) => client.metrics(id, started, finished)));
    const requests = served.reduce((sum, m) => sum + m.requests, 0);
    const failed = served.reduce((sum, m) => sum + m.errors, 0);

    const record: RollbackOnDemand = {
      kind: 'rollback',
      environment,
      fromReleaseId: target.from,
      toReleaseId: target.to,
      by,
      comment,
      startedAt: startedAt.toISOString(),
      restoredAt: new Date(restored).toISOString(),
      trafficRestoredMs: restored - started,
      durationMs: finished - started,
      requests,
      failed,
    };
    appendRollback(workspace.history(), record);
    const audit: RollbackAuditLine = {
      environment,
      decision: 'rolled-back',
      fromReleaseId: target.from,
      toReleaseId: target.to,
      by,
      at: record.startedAt,
      comment,
      via: 'command',
    };
    appendAuditLine(workspace.approvals(), audit);
    const failedChange = markFailedChange(target, record);

    const production = productionOf(plan);
    const contract = environment === production ? restoreContract(production, dir) : undefined;
    const delivery = deliveryMetrics(readRuns(workspace.history()), production);
    const page = runIds().includes(target.from) ? reportFile(target.from) : undefined;
    if (page) await writeRunPage(readSummary(target.from), delivery);
    log(
      [
        `✔ ${environment} rolled back from ${target.from} to ${target.to} by ${by}: ${comment}`,
        `  all new requests on ${target.to} ${duration(record.trafficRestoredMs)} after the start; ${target.from} drained and stopped after ${duration(record.durationMs)}; ` +
          `${failed} of ${requests} requests failed meanwhile`,
        `  ${failedChange}`,
        ...(contract
          ? [`  the API contract the next release is compared with is ${target.to}'s again: ${contract}`]
          : []),
        `  recorded in ${workspace.history()} and ${workspace.approvals()}${page ? `; report: ${page}` : ''}`,
        `  delivery (${delivery.windowDays} days, ${production}): change failure rate ${delivery.changeFailureRate === undefined ? '–' : `${(delivery.changeFailureRate * 100).toFixed(0)}%`} · time to restore ${duration(delivery.timeToRestoreMs)}`,
      ].join('\n'),
    );
    return 0;
  } finally {
    await environments.close();
    unlock();
  }
}

/**
 * Production's API contract, which the api-compat gate compares each candidate with, is the one
 * of the release live there: after a rollback, the earlier release's. Returns where it was written.
 */
function restoreContract(production: string, releaseDir: string): string | undefined {
  const contract = path.join(releaseDir, RELEASE_PARTS.contract);
  if (!existsSync(contract)) return undefined;
  const target = path.join(workspace.baselines(), production, CONTRACT_BASELINE);
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(contract, `${target}.partial`);
  renameSync(`${target}.partial`, target);
  return target;
}

/**
 * The release rolled away from is a failed change, restored when all traffic was back on the
 * earlier one: unless it was live only through an earlier rollback (no change of its own), or
 * someone marked it already. Returns the line that says which.
 */
function markFailedChange(target: RollbackTarget, record: RollbackOnDemand): string {
  if (!target.fromPromoted) return `${target.from} was live through an earlier rollback: no new failed change`;
  const history = readHistory(workspace.history());
  if (history.failedChanges.some((m) => m.releaseId === target.from && m.environment === target.environment)) {
    return `${target.from} was already marked a failed change`;
  }
  const mark = failedChangeMark(history, {
    releaseId: target.from,
    environment: target.environment,
    by: record.by,
    comment: `rolled back to ${target.to}: ${record.comment}`,
    restoredAt: record.restoredAt,
  });
  recordFailedChange({ history: workspace.history(), audit: workspace.approvals() }, mark);
  const deployed = readRuns(workspace.history())
    .flatMap((run) => run.deployments)
    .find((d) => d.environment === target.environment && d.releaseId === target.from && d.failedChange);
  const restore = deployed ? timeToRestore(deployed, []) : undefined;
  return `${target.from} recorded a failed change in ${target.environment}, time to restore ${duration(restore)}`;
}
