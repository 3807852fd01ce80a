import * as path from 'node:path';
import { runProjenTask, TaskProcessResult } from '../../kit/task-process';
import { JudgementPolicy, SYNTHETIC_TRAFFIC_TASK } from '../../model';
import { MIN_LATENCY_SAMPLES } from '../environments/alarms';
import { ShiftStep } from '../environments/traffic-shift';

/** The load profile as the synthetic users' rate is planned from it. */
export interface ProfileLoad {
  readonly requestsPerSecond: number;
  readonly session: readonly string[];
}

export interface SyntheticPlanProps {
  readonly profile: ProfileLoad;
  /** The rollout's steps; every step but the last has the new release beside the previous one. */
  readonly steps: readonly ShiftStep[];
  /** Whether a previous release stands beside the new one (not so for a first release). */
  readonly sideBySide: boolean;
  readonly minuteMs: number;
  readonly policy: JudgementPolicy;
}

export interface SyntheticPlan {
  /** Times the profile's current load the synthetic users drive. */
  readonly multiplier: number;
  /** How long the new release runs beside the previous one. */
  readonly sideBySideMs: number;
  /** The start of that time the judge leaves out: the canary's warm-up. */
  readonly warmupMs: number;
}

/**
 * A little more than the bare minimum: sessions end mid-way when the engine stops them. Short
 * falls are made up by time, not rate: a thin window merges into the next, and the bake and the
 * side-by-side time go on (bounded) until there is enough to judge.
 */
const HEADROOM = 1.2;
/**
 * The most the synthetic users drive. More would measure the machine, not the release: on two
 * cores shared with the verify gates, 10x the current load pushed a clean release's p50 past
 * staging's latency alarm.
 */
const MAX_MULTIPLIER = 6;

/**
 * The rate the synthetic users need: the current load, or more where it would leave too few
 * requests to judge. Two needs: each alarm window (one local minute) must hold enough requests
 * for its latency to be judged, and over the side-by-side steps each endpoint of the session
 * must give the canary judge its minimum sample on both releases (the sessions split evenly).
 */
export function syntheticPlan(props: SyntheticPlanProps): SyntheticPlan {
  const { profile, steps, minuteMs, policy } = props;
  const sideBySideMs = props.sideBySide ? steps.slice(0, -1).reduce((sum, step) => sum + step.holdMs, 0) : 0;
  const perMinuteWindow = MIN_LATENCY_SAMPLES / (minuteMs / 1000);
  const rarest = Math.min(...[...new Set(profile.session)].map((e) => profile.session.filter((x) => x === e).length));
  const judgedSeconds = ((1 - policy.warmupShare) * sideBySideMs) / 1000;
  const perEndpoint =
    judgedSeconds > 0 ? (2 * policy.minSamplesPerEndpoint * profile.session.length) / (rarest * judgedSeconds) : 0;
  const needed = Math.max(profile.requestsPerSecond, perMinuteWindow, perEndpoint) * HEADROOM;
  return {
    multiplier: Math.min(MAX_MULTIPLIER, Math.max(1, Math.ceil(needed / profile.requestsPerSecond))),
    sideBySideMs,
    warmupMs: policy.warmupShare * sideBySideMs,
  };
}

/** Synthetic users running against one environment until stopped. */
export class SyntheticUsers {
  /** Where their output goes in a run's logs. */
  static logFile(logDir: string, environment: string): string {
    return path.join(logDir, `${environment}-synthetic-users.log`);
  }

  private readonly stopper = new AbortController();
  private readonly done: Promise<TaskProcessResult>;

  constructor(props: {
    readonly url: string;
    readonly multiplier: number;
    /** The most they run; the engine stops them sooner. */
    readonly maxDurationMs: number;
    readonly reportsDir: string;
    readonly log: string;
  }) {
    this.done = runProjenTask(SYNTHETIC_TRAFFIC_TASK, {
      env: {
        B2_API_URL: props.url,
        B2_LOAD_MULTIPLIER: String(props.multiplier),
        B2_LOAD_DURATION: `${Math.ceil(props.maxDurationMs / 1000)}s`,
        B2_REPORTS_DIR: props.reportsDir,
      },
      log: props.log,
      timeoutMs: props.maxDurationMs + 120_000,
      signal: this.stopper.signal,
    });
  }

  /** Stops them (if still running) and resolves once their process has ended. */
  async stop(): Promise<void> {
    this.stopper.abort('the deploy no longer needs synthetic users');
    await this.done;
  }

  /** Resolves with why they stopped early (k6 missing, the target unreachable), if they did. */
  get ended(): Promise<TaskProcessResult> {
    return this.done;
  }
}
