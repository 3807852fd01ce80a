import * as path from 'node:path';
import { runWaves } from './gate-waves';
import { EnvironmentStage, Wave } from './local-plan';
import { ProgressTask } from './progress';
import { RunContext } from './run-context';
import { StageFailure } from './run-journal';
import { reportsOf, runFolder } from './run-record';
import { LOAD_PROFILE } from '../../../loadtest/profile';
import { duration } from '../../kit/durations';
import { JUDGEMENT_POLICY, LOAD_GATES } from '../../model';
import { recordLiveDataSchema, releaseDataSchema } from '../environments/data-schema';
import { EnvironmentClient } from '../environments/environment-client';
import { rollout, RolloutOutcome } from '../environments/rollout';
import { shiftSteps } from '../environments/traffic-shift';
import { judgeCanary } from '../judgement/canary-judge';
import { decideMarginal } from '../judgement/marginal-decision';
import { SyntheticUsers, syntheticPlan } from '../judgement/synthetic-traffic';

/** How a rollback went, in the words of the run's last line and the deploy step. */
function rollbackText(outcome: RolloutOutcome): string {
  if (!outcome.rollback) return '';
  const { firstFaultAt, detectedAt, afterFirstFault } = outcome.rollback;
  const sinceFault =
    firstFaultAt && afterFirstFault
      ? `; first failed request ${duration(Date.parse(detectedAt) - Date.parse(firstFaultAt))} before detection, ` +
        `${afterFirstFault.failed} of ${afterFirstFault.requests} requests failed from then until traffic was back`
      : '';
  return (
    `${sinceFault}; detected with ${outcome.rollback.candidateShare ?? '?'}% of traffic on ${outcome.releaseId}; ` +
    `traffic back on ${outcome.previousReleaseId ?? 'nothing (there was no previous release)'} ` +
    `${duration(outcome.rollback.trafficRestoredMs)} after detection, ${outcome.releaseId} stopped after ${duration(outcome.rollback.candidateStoppedMs)}`
  );
}

/** Synthetic traffic must be flowing through the front before the bake's clock starts. */
const TRAFFIC_START_TIMEOUT_MS = 60_000;
/** The synthetic users run no longer than this; the engine stops them sooner. */
const MAX_SYNTHETIC_MS = 30 * 60_000;

/**
 * Resolves once the front has served a session request (an endpoint of the load profile, not
 * the users' sign-up) since `since` to the new or the live release: the bake's clock starts
 * when its traffic does.
 */
async function trafficFlowing(
  client: EnvironmentClient,
  releases: readonly string[],
  since: number,
  users: SyntheticUsers,
): Promise<void> {
  const deadline = Date.now() + TRAFFIC_START_TIMEOUT_MS;
  let ended = false;
  void users.ended.then(() => (ended = true));
  while (Date.now() < deadline) {
    const served = await Promise.all(releases.map((id) => client.samples(id, since)));
    if (served.some((s) => Object.keys(s.endpoints).length > 0)) return;
    if (ended) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const why = ended
    ? ((await users.ended).stoppedBecause ?? 'they stopped')
    : `nothing within ${TRAFFIC_START_TIMEOUT_MS / 1000} s`;
  throw new Error(`the synthetic users sent no traffic through ${client.url} (${why}): the bake cannot be judged`);
}

/**
 * One environment's stage: the release goes live by the environment's traffic shift while
 * synthetic users walk the load profile's session through the environment, watched by its
 * rollback triggers and, beside the previous release, judged per endpoint against it; then its
 * verify gates run. A breach, a failed judgement or a failed gate rolls it back.
 */
export async function deployStage(context: RunContext, stage: EnvironmentStage, task: ProgressTask): Promise<void> {
  const { run, options, journal } = context;
  const startedAt = new Date();
  const promotion = stage.deploy.promotion;
  const environment = promotion.environment;
  const client = context.environments.client(stage.name);
  const before = await client.state();
  const steps = shiftSteps(environment.trafficShift, options.config.minuteMs);
  const plan = syntheticPlan({
    profile: LOAD_PROFILE,
    steps,
    sideBySide: Boolean(before.live),
    minuteMs: options.config.minuteMs,
    policy: JUDGEMENT_POLICY,
  });
  let users: SyntheticUsers | undefined;
  const stopUsers = async (): Promise<void> => {
    await users?.stop();
    users = undefined;
  };
  const verify = async (signal: AbortSignal): Promise<string | undefined> => {
    for (const wave of stage.verify) {
      // A load gate measures the release under its own load: the synthetic users step aside.
      if (wave.some((step) => LOAD_GATES.includes(step.gate.name))) await stopUsers();
      const failure = await runWaves(context, task, [wave] as Wave[], stage.name, signal);
      if (failure) return failure;
    }
    return undefined;
  };
  let outcome: RolloutOutcome;
  try {
    outcome = await rollout({
      environment: client,
      release: { id: run.release.id, commit: run.release.commit, dir: run.release.dir },
      shift: environment.trafficShift,
      triggers: {
        maxErrorRate: promotion.rollback.maxErrorRate,
        p99LatencyMs: promotion.rollback.p99LatencyMs,
        evaluationMinutes: environment.alarms.evaluationMinutes,
      },
      minuteMs: options.config.minuteMs,
      verify: (signal) => verify(AbortSignal.any([signal, context.signal])),
      onProgress: (line) => (task.output = line),
      onDeployed: async () => {
        const since = Date.now();
        task.output = `synthetic users at ${plan.multiplier}x the current load through ${client.url}`;
        users = new SyntheticUsers({
          url: client.url,
          multiplier: plan.multiplier,
          maxDurationMs: MAX_SYNTHETIC_MS,
          reportsDir: reportsOf(run.runId, stage.name),
          log: SyntheticUsers.logFile(path.join(runFolder(run.runId), 'logs'), stage.name),
        });
        await trafficFlowing(client, [run.release.id, ...(before.live ? [before.live.id] : [])], since, users);
      },
      judge: {
        warmupMs: plan.warmupMs,
        ready: (canary, previous) =>
          LOAD_PROFILE.session.every(
            (endpoint) =>
              (canary[endpoint]?.latenciesMs.length ?? 0) >= JUDGEMENT_POLICY.minSamplesPerEndpoint &&
              (previous[endpoint]?.latenciesMs.length ?? 0) >= JUDGEMENT_POLICY.minSamplesPerEndpoint,
          ),
        judge: (canary, previous) =>
          judgeCanary(canary, previous, LOAD_PROFILE.session, JUDGEMENT_POLICY, promotion.rollback.maxErrorRate),
        onMarginal: (judgement, signal) => decideMarginal(context, stage.name, judgement, signal),
      },
    });
  } finally {
    await stopUsers();
  }
  run.deployments.push(outcome);
  // A release that served requests may have written its shape of the data, even if it was rolled back.
  if (outcome.outcome !== 'failed') recordLiveDataSchema(stage.name, releaseDataSchema(run.release.dir));
  const rolledBack = rollbackText(outcome);
  journal.step({
    id: stage.deploy.id,
    stage: stage.name,
    kind: 'deploy',
    status: outcome.outcome === 'promoted' ? 'promoted' : outcome.outcome === 'rolled-back' ? 'rolled-back' : 'failed',
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    summary:
      outcome.outcome === 'promoted'
        ? `${outcome.releaseId} live on ${client.url}${outcome.judgement ? `; ${outcome.judgement.summary}` : ''}`
        : `${outcome.reason}${rolledBack}`,
  });
  if (outcome.outcome === 'rolled-back') {
    throw new StageFailure(`rolled back in ${stage.name}: ${outcome.reason}${rolledBack}`, 'rolled-back');
  }
  if (outcome.outcome !== 'promoted') {
    throw new StageFailure(`deploy to ${stage.name} failed: ${outcome.reason}`, 'failed');
  }
  task.title = `${stage.name}: ${outcome.releaseId} live on ${client.url}`;
}
