import { runWaves } from './gate-waves';
import { EnvironmentStage } from './local-plan';
import { ProgressTask } from './progress';
import { RunContext } from './run-context';
import { StageFailure } from './run-journal';
import { duration } from '../../kit/durations';
import { rollout, RolloutOutcome } from '../environments/rollout';

/** How a rollback went, in the words of the run's last line and the deploy step. */
function rollbackText(outcome: RolloutOutcome): string {
  if (!outcome.rollback) return '';
  return (
    `; detected with ${outcome.rollback.candidateShare ?? '?'}% of traffic on ${outcome.releaseId}; ` +
    `traffic back on ${outcome.previousReleaseId ?? 'nothing (there was no previous release)'} ` +
    `${duration(outcome.rollback.trafficRestoredMs)} after detection, ${outcome.releaseId} stopped after ${duration(outcome.rollback.candidateStoppedMs)}`
  );
}

/**
 * One environment's stage: the release goes live by the environment's traffic shift, watched by
 * its rollback triggers while its verify gates run; a breach or a failed gate rolls it back.
 */
export async function deployStage(context: RunContext, stage: EnvironmentStage, task: ProgressTask): Promise<void> {
  const { run, options, journal } = context;
  const startedAt = new Date();
  const promotion = stage.deploy.promotion;
  const environment = promotion.environment;
  const client = context.environments.client(stage.name);
  const outcome = await rollout({
    environment: client,
    release: { id: run.release.id, commit: run.release.commit, dir: run.release.dir },
    shift: environment.trafficShift,
    triggers: {
      maxErrorRate: promotion.rollback.maxErrorRate,
      p99LatencyMs: promotion.rollback.p99LatencyMs,
      evaluationMinutes: environment.alarms.evaluationMinutes,
    },
    minuteMs: options.config.minuteMs,
    verify: (signal) => runWaves(context, task, stage.verify, stage.name, AbortSignal.any([signal, context.signal])),
    onProgress: (line) => (task.output = line),
  });
  run.deployments.push(outcome);
  const rolledBack = rollbackText(outcome);
  journal.step({
    id: stage.deploy.id,
    stage: stage.name,
    kind: 'deploy',
    status: outcome.outcome === 'promoted' ? 'promoted' : outcome.outcome === 'rolled-back' ? 'rolled-back' : 'failed',
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    summary:
      outcome.outcome === 'promoted' ? `${outcome.releaseId} live on ${client.url}` : `${outcome.reason}${rolledBack}`,
  });
  if (outcome.outcome === 'rolled-back') {
    throw new StageFailure(`rolled back in ${stage.name}: ${outcome.reason}${rolledBack}`, 'rolled-back');
  }
  if (outcome.outcome !== 'promoted') {
    throw new StageFailure(`deploy to ${stage.name} failed: ${outcome.reason}`, 'failed');
  }
  task.title = `${stage.name}: ${outcome.releaseId} live on ${client.url}`;
}
