import { AlarmWatch, Breach, RollbackTriggers, tooThinToJudge } from './alarms';
import { EnvironmentClient, RollbackResult } from './environment-client';
import { EnvironmentState } from './environment-host';
import { shiftSteps } from './traffic-shift';
import type { TrafficShift } from '../../model';
import { Release } from '../release/release-process';
import { DeploymentRecord } from '../report/history';

/** What failed the environment's verify gates; undefined when they all passed. */
export type VerifyOutcome = string | undefined;

export interface RolloutProps {
  readonly environment: EnvironmentClient;
  readonly release: Release;
  readonly shift: TrafficShift;
  readonly triggers: RollbackTriggers;
  /** How long one configured minute lasts here. */
  readonly minuteMs: number;
  /**
   * Runs the environment's verify gates against it once all traffic is on the new release,
   * while the alarms still watch. Must stop its gates when the signal aborts.
   */
  readonly verify: (signal: AbortSignal) => Promise<VerifyOutcome>;
  /** A line for the progress display. */
  readonly onProgress?: (message: string) => void;
}

export type RolloutOutcome = DeploymentRecord & {
  /** What went wrong, in one line, when it was not promoted. */
  readonly reason?: string;
  /** The release that was live before, and is again after a rollback. */
  readonly previousReleaseId?: string;
};

/** Waits `ms`, or less when the signal aborts. */
const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/** The new release is gone from the environment although nobody rolled it back: it crashed. */
function crashOf(state: EnvironmentState, release: Release): Breach | undefined {
  if (state.candidate?.id === release.id || state.live?.id === release.id) return undefined;
  const crash = [...state.crashes].reverse().find((c) => c.releaseId === release.id);
  return {
    alarm: 'crash',
    description: `the release exited on its own${crash ? ` (exit code ${crash.exitCode ?? 'none'})` : ''}`,
  };
}

/**
 * Watches the new release once per local minute until stopped, and resolves with the first
 * breach. Each window is what the front saw of the release during that minute, or since the
 * last judged window when the minutes in between were too thin to judge.
 */
function watchAlarms(props: RolloutProps, signal: AbortSignal): Promise<Breach | undefined> {
  const watch = new AlarmWatch(props.triggers);
  return (async () => {
    let windowStart = Date.now();
    while (!signal.aborted) {
      await sleep(props.minuteMs, signal);
      const state = await props.environment.state();
      const crash = crashOf(state, props.release);
      if (crash) return crash;
      if (signal.aborted) return undefined;
      const now = Date.now();
      const window = await props.environment.metrics(props.release.id, windowStart);
      // A thin window stays open: the next one includes its requests.
      if (tooThinToJudge(window)) continue;
      const breach = watch.observe(window);
      windowStart = now;
      if (breach) return breach;
    }
    return undefined;
  })();
}

/**
 * One release into one environment: start it beside the live release, shift traffic as the
 * environment's config says while its alarms watch, verify it with all traffic on it, then
 * retire the previous release. Any breach or failed gate sends all traffic back to the previous
 * release and stops the new one.
 */
export async function rollout(props: RolloutProps): Promise<RolloutOutcome> {
  const { environment, release } = props;
  const startedAt = new Date().toISOString();
  const before = await environment.state();
  if (before.candidate) {
    // A run that was interrupted mid-deploy left its candidate: it never passed, so it goes.
    props.onProgress?.(`rolling back ${before.candidate.id}, left behind by an interrupted run`);
    await environment.rollback();
  }
  const previousReleaseId = before.live?.id;
  // A first release has no previous one to share traffic with: it takes all of it at once, and
  // the bake only watches it.
  const shifted = shiftSteps(props.shift, props.minuteMs);
  const steps = previousReleaseId ? shifted : shifted.slice(-1);
  const finish = (outcome: RolloutOutcome['outcome'], extra: Partial<RolloutOutcome> = {}): RolloutOutcome => ({
    environment: environment.environment,
    releaseId: release.id,
    startedAt,
    finishedAt: new Date().toISOString(),
    outcome,
    previousReleaseId,
    ...extra,
  });

  props.onProgress?.(`starting ${release.id} beside ${previousReleaseId ?? 'nothing (first release)'}`);
  /** The new release's share of new requests, as the host last reported it. */
  let share: number;
  try {
    share = (await environment.deploy(release, steps[0].share)).candidateShare;
  } catch (err) {
    return finish('failed', { reason: `the release did not start: ${(err as Error).message}` });
  }

  const stopWatching = new AbortController();
  const stopGates = new AbortController();
  let failure: { reason: string; detectedAt: number; share: number; rolledBack: Promise<RollbackResult> } | undefined;
  /** Traffic goes back the moment a failure is known; the gates still running are stopped beside it. */
  const rollBack = (reason: string): void => {
    if (failure) return;
    failure = { reason, detectedAt: Date.now(), share, rolledBack: environment.rollback() };
    stopGates.abort(`${environment.environment} is rolling back: ${reason}`);
    props.onProgress?.(`rolling back: ${reason}`);
  };
  const alarm = watchAlarms(props, stopWatching.signal).then((breach) => {
    if (breach) rollBack(`alarm ${breach.alarm}: ${breach.description}`);
  });

  const last = steps[steps.length - 1];
  /** Moves traffic unless a rollback overtook it (the host then has no candidate left to shift to). */
  const shift = async (to: number): Promise<void> => {
    const state = await environment.shift(to).catch((err: Error) => {
      if (!stopGates.signal.aborted) throw err;
    });
    if (state) share = state.candidateShare;
  };
  for (const [i, step] of steps.slice(0, -1).entries()) {
    if (stopGates.signal.aborted) break;
    if (i > 0) await shift(step.share);
    props.onProgress?.(
      `${step.share}% of traffic on ${release.id} for ${(step.holdMs / 1000).toFixed(1)} s, alarms watching`,
    );
    await sleep(step.holdMs, stopGates.signal);
  }
  if (!stopGates.signal.aborted) {
    if (steps.length > 1) await shift(last.share);
    props.onProgress?.(
      `all traffic on ${release.id}; verifying while ${previousReleaseId ?? 'no previous release'} stands by`,
    );
    // The alarms watch all traffic on the new release for the rest of the bake, and at least one evaluation period.
    const [gateFailure] = await Promise.all([
      props.verify(stopGates.signal),
      sleep(Math.max(last.holdMs, props.triggers.evaluationMinutes * props.minuteMs), stopGates.signal),
    ]);
    if (gateFailure) rollBack(gateFailure);
  }
  stopWatching.abort();
  await alarm;

  if (!failure) {
    const state = await environment.state();
    // A previous release that crashed meanwhile handed the environment to the new one already.
    if (state.candidate?.id === release.id) await environment.promote();
    return finish('promoted');
  }

  const rolledBack = await failure.rolledBack;
  const { detectedAt } = failure;
  return finish('rolled-back', {
    reason: failure.reason,
    rollback: {
      reason: failure.reason,
      detectedAt: new Date(detectedAt).toISOString(),
      // The host reports how long its switch took; the rollback call started when the failure was detected.
      restoredAt: new Date(detectedAt + rolledBack.trafficRestoredMs).toISOString(),
      trafficRestoredMs: rolledBack.trafficRestoredMs,
      candidateStoppedMs: rolledBack.candidateStoppedMs,
      candidateShare: failure.share,
    },
  });
}
