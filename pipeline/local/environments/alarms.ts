import { MetricsSnapshot } from './release-metrics';
import { STARVED_HOST_STEAL_SHARE } from '../../kit/host-cpu';
import type { RollbackTriggers as ModelTriggers } from '../../model';

/**
 * When a new release is rolled back locally: the model's rollback triggers, read per (local)
 * minute of the new release's traffic through the front, over as many consecutive minutes as
 * the environment's alarms evaluate.
 */
export interface RollbackTriggers extends ModelTriggers {
  /** Consecutive breaching minutes before the alarm fires. */
  readonly evaluationMinutes: number;
}

/** A fired alarm: what breached and what was seen. */
export interface Breach {
  readonly alarm: 'errors' | 'latency' | 'crash';
  readonly description: string;
}

const fmt = (ms: number): string => `${ms.toFixed(0)} ms`;

/** The percentiles the front reports, highest first. */
const PERCENTILES = [
  { percentile: 99, key: 'p99Ms' },
  { percentile: 95, key: 'p95Ms' },
  { percentile: 90, key: 'p90Ms' },
  { percentile: 75, key: 'p75Ms' },
  { percentile: 50, key: 'p50Ms' },
] as const;

/**
 * CloudWatch's bar for a percentile that means something: 10 / (1 − p) samples, so 1000 for a
 * p99 (`evaluateLowSampleCountPercentile`). On fewer samples a p99 is just the slowest request.
 */
export const samplesToJudge = (percentile: number): number => Math.round(10 / (1 - percentile / 100));

/** The fewest requests a window needs before its latency is judged at all (a median). */
export const MIN_LATENCY_SAMPLES = samplesToJudge(50);

/**
 * The latency a window is judged on: its p99 when it has the samples for it, otherwise the
 * highest percentile its samples support. A local environment carries far less traffic than a
 * real one, so this keeps one slow request (a cold start, a burst of password hashing from the
 * gates' own tests) from pulling a healthy release, while a release that is slow across the
 * board breaches at once.
 */
export function judgedLatency(
  window: MetricsSnapshot,
): { readonly percentile: number; readonly ms: number } | undefined {
  const judged = PERCENTILES.find((p) => window.requests >= samplesToJudge(p.percentile));
  return judged ? { percentile: judged.percentile, ms: window[judged.key] } : undefined;
}

/**
 * A window with no failure and too few requests to judge even a median. The engine merges it
 * into the next one instead of calling it healthy: a canary's share of local traffic is thin,
 * and a slow canary must not pass its bake just because each minute saw few requests.
 */
export function tooThinToJudge(window: MetricsSnapshot): boolean {
  return window.errors === 0 && window.requests < MIN_LATENCY_SAMPLES;
}

/**
 * Why one window breaches, if it does. A window without requests breaches nothing (as
 * CloudWatch's notBreaching); latency is judged only on enough requests.
 */
export function windowBreach(window: MetricsSnapshot, triggers: RollbackTriggers): Breach | undefined {
  if (window.requests === 0) return undefined;
  if (window.errorRate > triggers.maxErrorRate) {
    return {
      alarm: 'errors',
      description: `${window.errors} of ${window.requests} requests failed (${(window.errorRate * 100).toFixed(2)}%, alarm above ${(triggers.maxErrorRate * 100).toFixed(2)}%)`,
    };
  }
  const latency = judgedLatency(window);
  if (latency && latency.ms >= triggers.p99LatencyMs) {
    const judged = latency.percentile === 99 ? '' : ` (the highest percentile ${window.requests} requests can judge)`;
    return {
      alarm: 'latency',
      description: `p${latency.percentile} latency ${fmt(latency.ms)} over ${window.requests} requests${judged}, alarm at ${fmt(triggers.p99LatencyMs)}`,
    };
  }
  return undefined;
}

/** What one window told the alarm. */
export type WindowObservation =
  /** Judged: `fired` once enough windows in a row breached. */
  | { readonly judged: true; readonly fired?: Breach }
  /** Not judged, and why: it neither counts towards the bake nor breaks a run of breaches. */
  | { readonly judged: false; readonly why: string };

/**
 * Feeds one window per local minute and fires once `evaluationMinutes` consecutive windows
 * breached, like a CloudWatch alarm with that many evaluation periods. A window that breached
 * on latency alone while the host took `STARVED_HOST_STEAL_SHARE` or more of the CPU is not
 * judged, as CloudWatch ignores missing data: the alarm keeps the state it had. An error, a
 * crash or a window the host left alone is always judged.
 */
export class AlarmWatch {
  private consecutive = 0;

  constructor(private readonly triggers: RollbackTriggers) {}

  /** @param hostSteal the share of the CPU the host took during the window, where it can be read. */
  observe(window: MetricsSnapshot, hostSteal?: number): WindowObservation {
    const breach = windowBreach(window, this.triggers);
    if (breach?.alarm === 'latency' && hostSteal !== undefined && hostSteal >= STARVED_HOST_STEAL_SHARE) {
      return {
        judged: false,
        why: `${breach.description}, while the host took ${(hostSteal * 100).toFixed(0)}% of this machine's CPU (steal): the window measured the host, not the release`,
      };
    }
    this.consecutive = breach ? this.consecutive + 1 : 0;
    if (!breach || this.consecutive < this.triggers.evaluationMinutes) return { judged: true };
    const minutes = this.triggers.evaluationMinutes;
    return {
      judged: true,
      fired: { ...breach, description: `${breach.description}, ${minutes} minute${minutes === 1 ? '' : 's'} in a row` },
    };
  }
}
