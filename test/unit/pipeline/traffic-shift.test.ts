import { describe, expect, it } from 'vitest';
import { describeShift, shiftSteps } from '../../../pipeline/local/environments/traffic-shift';
import { bakeMinutes, PROMOTION_ORDER, TrafficShift } from '../../../pipeline/model';

const MINUTE = 1_000;
const total = (shift: TrafficShift): number => shiftSteps(shift, MINUTE).reduce((sum, s) => sum + s.holdMs, 0);

describe('local traffic shifting', () => {
  it('moves all traffic at once, then verifies', () => {
    expect(shiftSteps({ kind: 'all-at-once' }, MINUTE)).toEqual([{ share: 100, holdMs: 0 }]);
  });

  it('moves a linear shift step by step and ends with all traffic on the new release', () => {
    const steps = shiftSteps({ kind: 'linear', percent: 25, intervalMinutes: 2 }, MINUTE);
    expect(steps.map((s) => s.share)).toEqual([25, 50, 75, 100]);
    expect(steps.every((s) => s.holdMs === 2 * MINUTE)).toBe(true);
  });

  it('holds a canary for its bake, scaled to the local minute, then moves all traffic', () => {
    expect(shiftSteps({ kind: 'canary', percent: 10, bakeMinutes: 5 }, MINUTE)).toEqual([
      { share: 10, holdMs: 5 * MINUTE },
      { share: 100, holdMs: 0 },
    ]);
  });

  it("watches every environment of the model for exactly the model's bake", () => {
    for (const environment of PROMOTION_ORDER) {
      expect(total(environment.trafficShift), environment.name).toBe(bakeMinutes(environment.trafficShift) * MINUTE);
    }
  });

  it('says how long the bake takes here', () => {
    expect(describeShift({ kind: 'canary', percent: 10, bakeMinutes: 5 }, 3_000)).toBe(
      'canary: 10% for a bake of 5 min, 15 s here, then all',
    );
  });
});
