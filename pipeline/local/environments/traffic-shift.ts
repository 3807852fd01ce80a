import type { TrafficShift } from '../../model';

/**
 * One step of a rollout: the new release's share of new requests, held this long under the
 * alarms. The last step (all traffic) is held while the verify gates run, at least this long.
 */
export interface ShiftStep {
  readonly share: number;
  readonly holdMs: number;
}

/**
 * The environment's traffic shift (the same data CodeDeploy's deployment config is made from)
 * as local steps, one configured minute lasting `minuteMs`. Every schedule ends with all
 * traffic on the new release, while the previous one still runs to roll back to.
 */
export function shiftSteps(shift: TrafficShift, minuteMs: number): ShiftStep[] {
  switch (shift.kind) {
    case 'all-at-once':
      return [{ share: 100, holdMs: 0 }];
    case 'linear': {
      const steps: ShiftStep[] = [];
      for (let share = shift.percent; share < 100; share += shift.percent) {
        steps.push({ share, holdMs: shift.intervalMinutes * minuteMs });
      }
      // The last interval is watched too: all traffic has moved only at its end.
      return [...steps, { share: 100, holdMs: shift.intervalMinutes * minuteMs }];
    }
    case 'canary':
      return [
        { share: shift.percent, holdMs: shift.bakeMinutes * minuteMs },
        { share: 100, holdMs: 0 },
      ];
  }
}

/** How the shift reads in the progress line and the report. */
export function describeShift(shift: TrafficShift, minuteMs: number): string {
  const local = (minutes: number): string =>
    `${minutes} min, ${((minutes * minuteMs) / 1000).toFixed(minutes * minuteMs < 10_000 ? 1 : 0)} s here`;
  switch (shift.kind) {
    case 'all-at-once':
      return 'blue/green: all traffic at once';
    case 'linear':
      return `blue/green, linear: ${shift.percent}% more every ${local(shift.intervalMinutes)}`;
    case 'canary':
      return `canary: ${shift.percent}% for a bake of ${local(shift.bakeMinutes)}, then all`;
  }
}
