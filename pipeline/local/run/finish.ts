import * as path from 'node:path';
import { productionOf } from './local-plan';
import { RunContext } from './run-context';
import { EXIT_CODE, reportFile, runFolder, RunSummary, writeSummary } from './run-record';
import { duration } from '../../kit/durations';
import { workspace } from '../../kit/workspace';
import { appendRun, deliveryMetrics, DeliveryMetrics, readRuns } from '../report/history';
import { writeRunPage } from '../report/run-page';

const EXIT_CODE_OF: Record<RunSummary['outcome'], number> = {
  promoted: EXIT_CODE.promoted,
  'awaiting-approval': EXIT_CODE.awaitingApproval,
  rejected: EXIT_CODE.rejected,
  error: EXIT_CODE.error,
  failed: EXIT_CODE.failed,
  'rolled-back': EXIT_CODE.failed,
  running: EXIT_CODE.failed,
};

/** The lines a run ends with: its outcome, its stages, what failed and where its log is, and what to do next. */
function closingLines(context: RunContext, delivery: DeliveryMetrics, production: string): string[] {
  const { run } = context;
  const took = duration(Date.parse(run.finishedAt ?? run.startedAt) - Date.parse(run.startedAt));
  const lines = [
    '',
    `Run ${run.runId}: ${run.outcome.toUpperCase()} after ${took}: ${run.reason}`,
    `  stages: ${run.stages.map((s) => `${s.name} ${duration(s.durationMs)}${s.status === 'passed' ? '' : ` (${s.status})`}`).join(' · ')}`,
  ];
  const waived = new Set(run.waivers.map((w) => w.gate));
  for (const waiver of run.waivers) {
    lines.push(`  ⚠ ${waiver.gate} could not check; waived by ${waiver.by}: ${waiver.reason}`);
  }
  const failed = run.steps.filter((s) => (s.status === 'failed' || s.status === 'unavailable') && !waived.has(s.id));
  for (const step of failed) {
    lines.push(
      `  ✖ ${step.id}: ${step.summary}${step.log ? ` (log: ${path.join(runFolder(run.runId), step.log)})` : ''}`,
    );
  }
  if (run.outcome === 'failed' || run.outcome === 'rolled-back') {
    lines.push('  next: fix what failed, commit, and run `npx projen pipeline` again');
  }
  if (run.skippedGates.length > 0) {
    lines.push(`  partial run: ${run.skippedGates.length} of the model's gates were left out (--only-gates)`);
  }
  lines.push(`  report: ${reportFile(run.runId)}`);
  lines.push(
    `  delivery (${delivery.windowDays} days, ${production}): ${delivery.productionDeployments} deployments, ${delivery.deploymentsPerDay.toFixed(2)}/day · ` +
      `lead time ${duration(delivery.leadTimeMs)} · change failure rate ${delivery.changeFailureRate === undefined ? '–' : `${(delivery.changeFailureRate * 100).toFixed(0)}%`} · time to restore ${duration(delivery.timeToRestoreMs)}`,
  );
  const environments = context.environments.opened;
  if (environments.length > 0) {
    lines.push(
      `  environments: ${environments.map((e) => `${e.environment} ${e.url}`).join(' · ')} (npx projen env:status / env:stop)`,
    );
  }
  return lines;
}

/**
 * Ends a run: its outcome in the summary and the history, the run page, and the closing lines.
 * Resolves to the process exit code (`EXIT_CODE`).
 */
export async function finishRun(context: RunContext, outcome: RunSummary['outcome'], reason: string): Promise<number> {
  const { run } = context;
  run.outcome = outcome;
  run.reason = reason;
  run.finishedAt = new Date().toISOString();
  writeSummary(run);
  appendRun(workspace.history(), {
    runId: run.runId,
    commit: run.commit,
    committedAt: run.committedAt,
    trigger: run.trigger,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    outcome: outcome === 'running' ? 'error' : outcome,
    deployments: run.deployments,
  });
  const production = productionOf(context.plan);
  const delivery = deliveryMetrics(readRuns(workspace.history()), production);
  await writeRunPage(run, delivery);
  context.log(closingLines(context, delivery, production).join('\n'));
  return EXIT_CODE_OF[outcome];
}
