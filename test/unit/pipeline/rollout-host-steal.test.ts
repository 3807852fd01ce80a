import { describe, expect, it } from 'vitest';
import { CpuTimes } from '../../../pipeline/kit/host-cpu';
import { EnvironmentClient, RollbackResult } from '../../../pipeline/local/environments/environment-client';
import { EnvironmentState, ReleaseState } from '../../../pipeline/local/environments/environment-host';
import { MetricsSnapshot } from '../../../pipeline/local/environments/release-metrics';
import { rollout, RolloutOutcome } from '../../../pipeline/local/environments/rollout';
import { PROMOTION_POLICY } from '../../../pipeline/model';

/**
 * The rollout's alarms on a machine whose host takes part of the CPU (steal), against an
 * environment that serves the same window every minute: a latency breach in a window the host
 * starved is not judged, and a release is promoted only on windows that were.
 */

function promotionOf(name: string): (typeof PROMOTION_POLICY.promotions)[number] {
  const found = PROMOTION_POLICY.promotions.find((p) => p.environment.name === name);
  if (!found) throw new Error(`the model has no ${name} promotion`);
  return found;
}
/** A 10% canary with a bake. */
const prod = promotionOf('prod');
/** A linear shift, 10% more each minute. */
const staging = promotionOf('staging');

const HEALTHY: MetricsSnapshot = {
  requests: 40,
  errors: 0,
  errorRate: 0,
  p50Ms: 30,
  p75Ms: 40,
  p90Ms: 60,
  p95Ms: 80,
  p99Ms: 120,
};
/** Slow across the board: far over prod's 500 ms alarm on its median. */
const SLOW: MetricsSnapshot = { ...HEALTHY, p50Ms: 900, p75Ms: 950, p90Ms: 1_000, p95Ms: 1_100, p99Ms: 1_200 };
const FAILING: MetricsSnapshot = { ...HEALTHY, errors: 8, errorRate: 0.2 };

/** An environment host in memory: a live release, a candidate beside it, and the window it served. */
class ServingEnvironment {
  readonly environment = 'prod';
  private live: ReleaseState = { id: 'previous', commit: 'c0', dir: '/releases/previous', port: 2, since: '' };
  private candidate?: ReleaseState;
  private share = 0;

  private served = 0;

  /** @param window what each minute served, or a list of them, the last repeated */
  constructor(private readonly window: MetricsSnapshot | readonly MetricsSnapshot[]) {}

  async state(): Promise<EnvironmentState> {
    const { live, candidate, share } = this;
    return { environment: 'prod', port: 1, hostPid: 1, live, candidate, candidateShare: share, crashes: [] };
  }
  async deploy(release: { id: string; commit: string; dir: string }, share: number): Promise<EnvironmentState> {
    this.candidate = { ...release, port: 3, since: '' };
    this.share = share;
    return this.state();
  }
  async shift(share: number): Promise<EnvironmentState> {
    this.share = share;
    return this.state();
  }
  async promote(): Promise<EnvironmentState> {
    if (this.candidate) this.live = this.candidate;
    this.candidate = undefined;
    return this.state();
  }
  async rollback(): Promise<RollbackResult> {
    this.candidate = undefined;
    this.share = 0;
    return { state: await this.state(), trafficRestoredMs: 0, candidateStoppedMs: 0 };
  }
  async metrics(): Promise<MetricsSnapshot & { inflight: number }> {
    const windows = 'requests' in this.window ? [this.window] : this.window;
    return { ...windows[Math.min(this.served++, windows.length - 1)], inflight: 0 };
  }
  async samples(): Promise<{ endpoints: Record<string, never> }> {
    return { endpoints: {} };
  }
}

/** A machine whose host takes `share` of every tick of CPU time. */
function stealing(share: number): () => CpuTimes {
  let ticks = 0;
  return () => {
    ticks += 100;
    return { total: ticks, steal: ticks * share };
  };
}

async function deliver(
  window: MetricsSnapshot | readonly MetricsSnapshot[],
  hostSteal: number,
  promotion = prod,
): Promise<{ outcome: RolloutOutcome; progress: string[] }> {
  const progress: string[] = [];
  const outcome = await rollout({
    environment: new ServingEnvironment(window) as unknown as EnvironmentClient,
    release: { id: 'candidate', commit: 'c1', dir: '/releases/candidate' },
    shift: promotion.environment.trafficShift,
    triggers: { ...promotion.rollback, evaluationMinutes: promotion.environment.alarms.evaluationMinutes },
    minuteMs: 20,
    verify: async () => undefined,
    onProgress: (line) => progress.push(line),
    hostCpu: stealing(hostSteal),
  });
  return { outcome, progress };
}

describe("a rollout's alarms while the host takes part of the CPU", () => {
  it('roll back a slow release on its latency when the host leaves the machine alone', async () => {
    const { outcome } = await deliver(SLOW, 0);
    expect(outcome.outcome).toBe('rolled-back');
    expect(outcome.reason).toMatch(/^alarm latency: p75 latency 950 ms over 40 requests/);
  });

  it('never promote a slow release whose every window the host starved: nothing was judged, so it goes back', async () => {
    const { outcome, progress } = await deliver(SLOW, 0.4);
    expect(outcome.outcome).toBe('rolled-back');
    expect(outcome.reason).toMatch(
      /^too little judged: 0 of the 1 alarm windows the bake needs were judged, not the last \d+: \d+ of candidate breached on latency while the host took this machine's CPU/,
    );
    // It never had all the traffic: the share stayed at the canary's until it went back.
    expect(outcome.shifts?.map((s) => s.share)).toEqual([10, 0]);
    expect(progress.some((line) => /^alarm window not judged: p75 latency 950 ms .* host took 40% /.test(line))).toBe(
      true,
    );
    expect(progress).toContain(
      '10% of traffic on candidate: its last alarm window breached while the host took the CPU; holding until one is judged',
    );
  }, 20_000);

  it('hold a linear shift at its first step while the host starves a slow release, and roll it back from there', async () => {
    const { outcome } = await deliver(SLOW, 0.4, staging);
    expect(outcome.outcome).toBe('rolled-back');
    expect(outcome.reason).toMatch(/^too little judged: 0 of the 2 alarm windows the bake needs were judged/);
    expect(outcome.shifts?.map((s) => s.share)).toEqual([10, 0]);
  }, 20_000);

  it('never promote a release whose windows turned slow while the host starved them, after judged healthy ones', async () => {
    const { outcome } = await deliver([HEALTHY, HEALTHY, SLOW], 0.4);
    expect(outcome.outcome).toBe('rolled-back');
    expect(outcome.reason).toMatch(
      /^too little judged: the last \d+ alarm windows of candidate breached on latency while the host took this machine's CPU, and no later window was judged$/,
    );
  }, 20_000);

  it('roll back a failing release whatever the host takes: errors are always judged', async () => {
    const { outcome } = await deliver(FAILING, 0.4);
    expect(outcome.outcome).toBe('rolled-back');
    expect(outcome.reason).toMatch(/^alarm errors: 8 of 40 requests failed/);
  });

  it('promote a healthy release while the host takes 40% of the CPU, through every step of a linear shift', async () => {
    const { outcome, progress } = await deliver(HEALTHY, 0.4);
    expect(outcome.outcome).toBe('promoted');
    expect(progress.filter((line) => line.startsWith('alarm window not judged'))).toEqual([]);
    const linear = await deliver(HEALTHY, 0.4, staging);
    expect(linear.outcome.outcome).toBe('promoted');
    expect(linear.outcome.shifts?.map((s) => s.share)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  });
});
