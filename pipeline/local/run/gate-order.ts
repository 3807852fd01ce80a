import { Wave } from './local-plan';
import { RunSummary } from './run-record';

/** How many of the newest runs that passed a gate say how long it takes. */
const RECENT_RUNS = 5;

/**
 * How long each gate step (`pre-deploy/unit`, `dev/e2e`, …) took in the newest runs that passed
 * it: the median of the last five, in milliseconds. A gate that failed or was cut short says
 * nothing about how long it takes to pass, so only passes count.
 */
export function recentGateDurations(runs: readonly RunSummary[]): ReadonlyMap<string, number> {
  const seen = new Map<string, number[]>();
  for (const run of [...runs].reverse()) {
    for (const step of run.steps) {
      if (step.kind !== 'gate' || step.status !== 'passed' || step.durationMs === undefined) continue;
      const times = seen.get(step.id) ?? [];
      if (times.length < RECENT_RUNS) seen.set(step.id, [...times, step.durationMs]);
    }
  }
  return new Map([...seen].map(([id, times]) => [id, median(times)]));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * A wave's gates, longest first: with fewer slots than gates, starting the longest gate first
 * lets the short ones fill the other slot around it, so the wave ends with its longest gate
 * instead of after it (LPT scheduling). A gate never timed goes first, as if it were the longest;
 * equal times keep the model's order.
 */
export function longestFirst(wave: Wave, durations: ReadonlyMap<string, number>): Wave {
  const expected = (id: string): number => durations.get(id) ?? Number.POSITIVE_INFINITY;
  return wave
    .map((step, index) => ({ step, index }))
    .sort((a, b) => expected(b.step.id) - expected(a.step.id) || a.index - b.index)
    .map(({ step }) => step);
}
