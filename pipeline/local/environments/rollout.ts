import { AlarmWatch, Breach, MIN_LATENCY_SAMPLES, RollbackTriggers, tooThinToJudge } from './alarms';
import { EnvironmentClient, ReleaseSamples, RollbackResult } from './environment-client';
import { EnvironmentState } from './environment-host';
import { shiftSteps } from './traffic-shift';
import { CpuTimes, readCpuTimes, stealShare } from '../../kit/host-cpu';
import type { TrafficShift } from '../../model';
import type { CanaryJudgement } from '../judgement/canary-judge';
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
  /**
   * Judges the new release against the previous one, per endpoint, on what both served while
   * side by side, before all traffic moves. @default - no judgement (alarms and gates only)
   */
  readonly judge?: CanaryJudge;
  /**
   * Runs once the new release is up and taking its first share, before the steps are timed:
   * where the engine starts its synthetic users and waits for their traffic to flow.
   */
  readonly onDeployed?: () => Promise<void>;
  /** Reads this machine's CPU times, for the steal each alarm window saw. @default `/proc/stat`, where there is one */
  readonly hostCpu?: () => CpuTimes | undefined;
}

/** The canary judge as a rollout uses it. */
export interface CanaryJudge {
  readonly judge: (canary: ReleaseSamples['endpoints'], previous: ReleaseSamples['endpoints']) => CanaryJudgement;
  /** How long after the new release starts taking traffic its samples count: its warm-up. */
  readonly warmupMs: number;
  /** Whether both releases have served enough of every endpoint to be judged. */
  readonly ready: (canary: ReleaseSamples['endpoints'], previous: ReleaseSamples['endpoints']) => boolean;
  /** A person decides a marginal judgement: go on (`promote`) or roll back. */
  readonly onMarginal: (judgement: CanaryJudgement, signal: AbortSignal) => Promise<'promote' | 'rollback'>;
}

export type RolloutOutcome = DeploymentRecord & {
  /** What went wrong, in one line, when it was not promoted. */
  readonly reason?: string;
  /** The release that was live before, and is again after a rollback. */
  readonly previousReleaseId?: string;
  /** The canary judge's verdict, when the new release stood beside a previous one. */
  readonly judgement?: CanaryJudgement;
  /** Each change of the new release's share of traffic, in order: the run page draws them. */
  readonly shifts?: readonly ShareChange[];
};

export interface ShareChange {
  readonly at: string;
  /** The new release's share of new requests from then on, in percent. */
  readonly share: number;
}

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

/**
 * How many times its configured length a bake may run on while its windows are too thin to
 * judge: long enough for traffic that started late, short enough that silence ends in a rollback.
 */
const BAKE_EXTENSION = 4;
/** However short a local minute (a test's can be 200 ms), the bake may go on this long for its traffic to arrive. */
const MIN_BAKE_EXTENSION_MS = 10_000;

/** The alarm windows of one rollout so far. */
interface AlarmWindows {
  /** Judged on enough requests. */
  windows: number;
  /** Breached on latency while the host took the CPU, so not judged. */
  hostStarved: number;
  /** Of those, how many came since the last judged window: traffic moves on, and a bake ends, only after a judged one. */
  unjudgedSince: number;
}

/** Whether the alarms have judged `windows` windows, the newest of them after any they could not judge. */
const judgedEnough = (judged: AlarmWindows, windows: number): boolean =>
  judged.windows >= windows && judged.unjudgedSince === 0;

/** Why a release that never had enough windows judged goes back. */
function tooLittleJudged(judged: AlarmWindows, windows: number, release: Release): string {
  if (!judged.hostStarved) {
    return `too little traffic to judge: ${judged.windows} of the ${windows} alarm windows the bake needs held ${MIN_LATENCY_SAMPLES} requests of ${release.id}`;
  }
  if (judged.windows >= windows) {
    const last = judged.unjudgedSince === 1 ? 'alarm window' : `${judged.unjudgedSince} alarm windows`;
    return `too little judged: the last ${last} of ${release.id} breached on latency while the host took this machine's CPU, and no later window was judged`;
  }
  const notLast = judged.unjudgedSince ? `, not the last ${judged.unjudgedSince}` : '';
  return `too little judged: ${judged.windows} of the ${windows} alarm windows the bake needs were judged${notLast}: ${judged.hostStarved} of ${release.id} breached on latency while the host took this machine's CPU, and were not judged`;
}

/**
 * The bake: at least `bakeMs`, and on until the alarms have judged `windows` windows of real
 * traffic (a CloudWatch alarm's evaluation periods), the newest after any window the host
 * starved, for at most `BAKE_EXTENSION` times as long (or `MIN_BAKE_EXTENSION_MS`).
 */
async function bakeUntilJudged(
  judged: AlarmWindows,
  windows: number,
  bakeMs: number,
  signal: AbortSignal,
): Promise<void> {
  const started = Date.now();
  await sleep(bakeMs, signal);
  const limit = Math.max(bakeMs * BAKE_EXTENSION, MIN_BAKE_EXTENSION_MS);
  while (!judgedEnough(judged, windows) && !signal.aborted && Date.now() - started < limit) {
    await sleep(100, signal);
  }
}

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
function watchAlarms(props: RolloutProps, signal: AbortSignal, judged: AlarmWindows): Promise<Breach | undefined> {
  const watch = new AlarmWatch(props.triggers);
  const hostCpu = props.hostCpu ?? readCpuTimes;
  return (async () => {
    let windowStart = Date.now();
    let cpuAtStart = hostCpu();
    while (!signal.aborted) {
      await sleep(props.minuteMs, signal);
      const state = await props.environment.state();
      const crash = crashOf(state, props.release);
      if (crash) return crash;
      if (signal.aborted) return undefined;
      const now = Date.now();
      const cpuNow = hostCpu();
      const window = await props.environment.metrics(props.release.id, windowStart);
      // A thin window stays open: the next one includes its requests.
      if (tooThinToJudge(window)) continue;
      const seen = watch.observe(window, stealShare(cpuAtStart, cpuNow));
      windowStart = now;
      cpuAtStart = cpuNow;
      if (!seen.judged) {
        judged.hostStarved += 1;
        judged.unjudgedSince += 1;
        props.onProgress?.(`alarm window not judged: ${seen.why}`);
        continue;
      }
      judged.windows += 1;
      judged.unjudgedSince = 0;
      if (seen.fired) return seen.fired;
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
  const shifts: ShareChange[] = [];
  const recordShare = (share: number, at = Date.now()): void => {
    if (shifts[shifts.length - 1]?.share !== share) shifts.push({ at: new Date(at).toISOString(), share });
  };
  const finish = (outcome: RolloutOutcome['outcome'], extra: Partial<RolloutOutcome> = {}): RolloutOutcome => ({
    environment: environment.environment,
    releaseId: release.id,
    startedAt,
    finishedAt: new Date().toISOString(),
    outcome,
    previousReleaseId,
    ...(shifts.length ? { shifts } : {}),
    ...extra,
  });

  props.onProgress?.(`starting ${release.id} beside ${previousReleaseId ?? 'nothing (first release)'}`);
  /** The new release's share of new requests, as the host last reported it. */
  let share: number;
  try {
    share = (await environment.deploy(release, steps[0].share)).candidateShare;
    recordShare(share);
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
  const judged: AlarmWindows = { windows: 0, hostStarved: 0, unjudgedSince: 0 };
  let judgement: CanaryJudgement | undefined;
  // The alarms watch the release from its first request, before the synthetic users are counted in.
  const alarm = watchAlarms(props, stopWatching.signal, judged).then((breach) => {
    if (breach) rollBack(`alarm ${breach.alarm}: ${breach.description}`);
  });
  try {
    await props.onDeployed?.();
  } catch (err) {
    rollBack((err as Error).message);
  }
  // The judge compares what both releases served from here on: the sessions, not the users' set-up.
  const deployedAt = Date.now();

  const last = steps[steps.length - 1];
  /** Moves traffic unless a rollback overtook it (the host then has no candidate left to shift to). */
  const shift = async (to: number): Promise<void> => {
    const state = await environment.shift(to).catch((err: Error) => {
      if (!stopGates.signal.aborted) throw err;
    });
    if (state) {
      share = state.candidateShare;
      recordShare(share);
    }
  };
  const sideBySideMs = steps.slice(0, -1).reduce((sum, step) => sum + step.holdMs, 0);
  /**
   * A breach the host may have caused is no pass either: before traffic moves on, the share
   * stays where it is until the newest window is judged, or the release goes back.
   */
  const holdUntilJudged = async (): Promise<void> => {
    if (judged.unjudgedSince === 0 || stopGates.signal.aborted) return;
    props.onProgress?.(
      `${share}% of traffic on ${release.id}: its last alarm window breached while the host took the CPU; holding until one is judged`,
    );
    const until = Date.now() + Math.max(sideBySideMs * (BAKE_EXTENSION - 1), MIN_BAKE_EXTENSION_MS);
    while (judged.unjudgedSince > 0 && Date.now() < until && !stopGates.signal.aborted) {
      await sleep(100, stopGates.signal);
    }
    if (judged.unjudgedSince > 0) rollBack(tooLittleJudged(judged, props.triggers.evaluationMinutes, release));
  };
  for (const [i, step] of steps.slice(0, -1).entries()) {
    if (i > 0) await holdUntilJudged();
    if (stopGates.signal.aborted) break;
    if (i > 0) await shift(step.share);
    props.onProgress?.(
      `${step.share}% of traffic on ${release.id} for ${(step.holdMs / 1000).toFixed(1)} s, alarms watching`,
    );
    await sleep(step.holdMs, stopGates.signal);
  }
  if (!stopGates.signal.aborted && previousReleaseId && steps.length > 1 && props.judge) {
    const judgedFrom = deployedAt + props.judge.warmupMs;
    const sample = (): Promise<[ReleaseSamples, ReleaseSamples]> =>
      Promise.all([environment.samples(release.id, judgedFrom), environment.samples(previousReleaseId, judgedFrom)]);
    let [canary, previous] = await sample();
    // Like the bake, the side-by-side time goes on (bounded) until the judge has the requests it needs.
    const until = Date.now() + Math.max(sideBySideMs * (BAKE_EXTENSION - 1), MIN_BAKE_EXTENSION_MS);
    while (
      !props.judge.ready(canary.endpoints, previous.endpoints) &&
      Date.now() < until &&
      !stopGates.signal.aborted
    ) {
      props.onProgress?.(
        `${share}% of traffic on ${release.id}: waiting for enough requests of every endpoint to judge`,
      );
      await sleep(250, stopGates.signal);
      [canary, previous] = await sample();
    }
    judgement = props.judge.judge(canary.endpoints, previous.endpoints);
    props.onProgress?.(judgement.summary);
    if (judgement.outcome === 'fail') rollBack(judgement.summary);
    if (judgement.outcome === 'marginal' && !stopGates.signal.aborted) {
      const decision = await props.judge.onMarginal(judgement, stopGates.signal);
      if (decision === 'rollback') rollBack(`${judgement.summary}; rolled back by decision`);
    }
  }
  if (steps.length > 1) await holdUntilJudged();
  if (!stopGates.signal.aborted) {
    if (steps.length > 1) await shift(last.share);
    props.onProgress?.(
      `all traffic on ${release.id}; verifying while ${previousReleaseId ?? 'no previous release'} stands by`,
    );
    // The alarms watch all traffic on the new release for the rest of the bake, and at least one evaluation period.
    const bakeMs = Math.max(last.holdMs, props.triggers.evaluationMinutes * props.minuteMs);
    const [gateFailure] = await Promise.all([
      props.verify(stopGates.signal),
      bakeUntilJudged(judged, props.triggers.evaluationMinutes, bakeMs, stopGates.signal),
    ]);
    if (gateFailure) rollBack(gateFailure);
  }
  stopWatching.abort();
  await alarm;
  // No bake passes on silence: a release that no window had the traffic to judge is not known good.
  if (!failure && !judgedEnough(judged, props.triggers.evaluationMinutes)) {
    rollBack(tooLittleJudged(judged, props.triggers.evaluationMinutes, release));
  }

  if (!failure) {
    const state = await environment.state();
    // A previous release that crashed meanwhile handed the environment to the new one already.
    if (state.candidate?.id === release.id) await environment.promote();
    recordShare(100);
    return finish('promoted', { judgement });
  }

  const rolledBack = await failure.rolledBack;
  const { detectedAt } = failure;
  const restoredAt = detectedAt + rolledBack.trafficRestoredMs;
  recordShare(0, restoredAt);
  // What the bad release's users saw: from its first request (and its first fault) to traffic back.
  const firsts = await environment.samples(release.id, restoredAt).catch(() => undefined);
  // Everything the environment served, on either release, from the first fault until traffic was back.
  const firstFaultAt = firsts?.firstFaultAt;
  const inWindow =
    firstFaultAt === undefined
      ? undefined
      : await Promise.all(
          [release.id, ...(previousReleaseId ? [previousReleaseId] : [])].map((id) =>
            environment.metrics(id, firstFaultAt, restoredAt),
          ),
        ).catch(() => undefined);
  const afterFault = inWindow?.reduce(
    (sum, m) => ({ requests: sum.requests + m.requests, errors: sum.errors + m.errors }),
    { requests: 0, errors: 0 },
  );
  const iso = (ms: number | undefined): string | undefined =>
    ms === undefined ? undefined : new Date(ms).toISOString();
  return finish('rolled-back', {
    reason: failure.reason,
    judgement,
    rollback: {
      reason: failure.reason,
      detectedAt: new Date(detectedAt).toISOString(),
      // The host reports how long its switch took; the rollback call started when the failure was detected.
      restoredAt: new Date(restoredAt).toISOString(),
      trafficRestoredMs: rolledBack.trafficRestoredMs,
      candidateStoppedMs: rolledBack.candidateStoppedMs,
      candidateShare: failure.share,
      firstServedAt: iso(firsts?.firstServedAt),
      firstFaultAt: iso(firsts?.firstFaultAt),
      afterFirstFault: afterFault ? { requests: afterFault.requests, failed: afterFault.errors } : undefined,
      judgement: judgement && judgement.outcome !== 'pass' ? judgement.summary : undefined,
    },
  });
}
