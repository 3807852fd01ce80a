import { ENVIRONMENTS, EnvironmentConfig, TrafficShift } from '../../stages/config';

export type { EnvironmentConfig, EnvironmentName, TrafficShift } from '../../stages/config';

/**
 * The environments a release is promoted through, in order. The stages' typed config is the
 * one place they are defined: the pipeline reads it and never restates an account, a region or
 * an approval.
 */
export const PROMOTION_ORDER: readonly EnvironmentConfig[] = ENVIRONMENTS;

/**
 * How long a release is watched after it starts taking traffic and before it counts as live:
 * the canary's bake, or the time a linear shift takes to move all of the traffic. An
 * all-at-once release takes all of it at once and is watched only while its verify gates run.
 */
export function bakeMinutes(shift: TrafficShift): number {
  switch (shift.kind) {
    case 'all-at-once':
      return 0;
    case 'linear':
      return Math.ceil(100 / shift.percent) * shift.intervalMinutes;
    case 'canary':
      return shift.bakeMinutes;
  }
}
