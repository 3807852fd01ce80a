import { describe, expect, it } from 'vitest';
import { STARVED_HOST_STEAL_SHARE } from '../../../pipeline/kit/host-cpu';
import {
  AlarmWatch,
  judgedLatency,
  MIN_LATENCY_SAMPLES,
  RollbackTriggers,
  samplesToJudge,
  tooThinToJudge,
  windowBreach,
} from '../../../pipeline/local/environments/alarms';
import { MetricsSnapshot } from '../../../pipeline/local/environments/release-metrics';
import { PROMOTION_POLICY } from '../../../pipeline/model';

const prod = PROMOTION_POLICY.promotions.find((p) => p.environment.name === 'prod');
if (!prod) throw new Error('the model has no prod promotion');
/** Prod's own triggers, as the engine builds them from the model and the environment config. */
const triggers: RollbackTriggers = { ...prod.rollback, evaluationMinutes: prod.environment.alarms.evaluationMinutes };

function window(overrides: Partial<MetricsSnapshot>): MetricsSnapshot {
  return {
    requests: 100,
    errors: 0,
    errorRate: 0,
    p50Ms: 10,
    p75Ms: 12,
    p90Ms: 15,
    p95Ms: 20,
    p99Ms: 30,
    ...overrides,
  };
}

describe('the local rollback alarms', () => {
  it('breach nothing in a minute without traffic, as a CloudWatch alarm treats missing data', () => {
    expect(windowBreach(window({ requests: 0, p99Ms: 0 }), triggers)).toBeUndefined();
  });

  it('pass a healthy release', () => {
    expect(windowBreach(window({}), triggers)).toBeUndefined();
  });

  it('fire on an error rate above the model threshold', () => {
    const breach = windowBreach(window({ requests: 200, errors: 2, errorRate: 0.01 }), triggers);
    expect(breach).toMatchObject({ alarm: 'errors' });
    expect(breach?.description).toMatch(/2 of 200 requests failed/);
  });

  it('fire on a p99 at or above the environment latency threshold when there are the samples to judge a p99', () => {
    const breach = windowBreach(window({ requests: 1_000, p99Ms: triggers.p99LatencyMs }), triggers);
    expect(breach).toMatchObject({ alarm: 'latency' });
    expect(breach?.description).toMatch(/^p99 latency/);
  });

  it('judge fewer requests on the highest percentile they support, as CloudWatch counts samples', () => {
    expect(samplesToJudge(99)).toBe(1_000);
    expect(samplesToJudge(50)).toBe(MIN_LATENCY_SAMPLES);
    expect(judgedLatency(window({ requests: 49, p75Ms: 700 }))).toEqual({ percentile: 75, ms: 700 });
    expect(judgedLatency(window({ requests: 150, p90Ms: 300 }))).toEqual({ percentile: 90, ms: 300 });
  });

  it('pull a release that is slow across the board, even on a few dozen requests', () => {
    const slow = window({ requests: 30, p50Ms: 820, p75Ms: 830, p90Ms: 840, p95Ms: 850, p99Ms: 860 });
    expect(windowBreach(slow, triggers)?.description).toMatch(/^p50 latency 820 ms over 30 requests/);
  });

  it('keep a release whose few slow requests are only the tail of a few dozen', () => {
    const tail = window({ requests: 49, p50Ms: 40, p75Ms: 90, p90Ms: 400, p95Ms: 1_800, p99Ms: 2_366 });
    expect(windowBreach(tail, triggers)).toBeUndefined();
  });

  it('do not judge latency on a handful of requests, where one slow request is the whole p99', () => {
    const handful = window({
      requests: MIN_LATENCY_SAMPLES - 1,
      p50Ms: triggers.p99LatencyMs * 2,
      p99Ms: triggers.p99LatencyMs * 2,
    });
    expect(windowBreach(handful, triggers)).toBeUndefined();
  });

  it('leave a window with few requests and no failure open, to be judged with the next one', () => {
    expect(tooThinToJudge(window({ requests: MIN_LATENCY_SAMPLES - 1 }))).toBe(true);
    expect(tooThinToJudge(window({ requests: 3, errors: 1, errorRate: 1 / 3 }))).toBe(false);
    expect(tooThinToJudge(window({ requests: MIN_LATENCY_SAMPLES }))).toBe(false);
  });

  it('fire only after as many breaching minutes in a row as the environment alarms evaluate', () => {
    const watch = new AlarmWatch({ ...triggers, evaluationMinutes: 2 });
    const bad = window({ errors: 5, errorRate: 0.05 });
    expect(watch.observe(bad)).toEqual({ judged: true });
    expect(watch.observe(window({}))).toEqual({ judged: true });
    expect(watch.observe(bad)).toEqual({ judged: true });
    expect(watch.observe(bad)).toMatchObject({
      judged: true,
      fired: { description: expect.stringMatching(/2 minutes in a row/) },
    });
  });
});

describe('the local rollback alarms while the host takes part of the CPU (steal)', () => {
  const slow = window({ requests: 40, p50Ms: 900, p75Ms: 950, p90Ms: 1_000, p95Ms: 1_100, p99Ms: 1_200 });
  const starved = STARVED_HOST_STEAL_SHARE + 0.1;

  it('do not judge a latency breach in a window the host starved, and say why with both numbers', () => {
    const seen = new AlarmWatch(triggers).observe(slow, starved);
    expect(seen.judged).toBe(false);
    expect(!seen.judged && seen.why).toMatch(
      /^p75 latency 950 ms over 40 requests .* while the host took 30% of this machine's CPU \(steal\)/,
    );
  });

  it('judge a latency breach in a window with steal under the bar, or where steal cannot be read', () => {
    const under = new AlarmWatch(triggers).observe(slow, STARVED_HOST_STEAL_SHARE - 0.05);
    expect(under).toMatchObject({ judged: true, fired: { alarm: 'latency' } });
    expect(new AlarmWatch(triggers).observe(slow, undefined)).toMatchObject({
      judged: true,
      fired: { alarm: 'latency' },
    });
  });

  it('judge errors whatever the host takes', () => {
    const failing = window({ requests: 40, errors: 8, errorRate: 0.2 });
    expect(new AlarmWatch(triggers).observe(failing, 0.9)).toMatchObject({ judged: true, fired: { alarm: 'errors' } });
  });

  it('keep the breaches counted so far across a window not judged, as CloudWatch ignores missing data', () => {
    const watch = new AlarmWatch({ ...triggers, evaluationMinutes: 2 });
    expect(watch.observe(slow, 0)).toEqual({ judged: true });
    expect(watch.observe(slow, starved).judged).toBe(false);
    expect(watch.observe(slow, 0)).toMatchObject({
      fired: { description: expect.stringMatching(/2 minutes in a row$/) },
    });
  });
});
