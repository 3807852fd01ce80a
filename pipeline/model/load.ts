/**
 * The load gates' scenarios: each a multiple of the current load that `loadtest/` declares in
 * its versioned profile. The model owns the list; the gates, their tasks and reports, and the
 * k6 plans are derived from it, so a scenario is never typed twice.
 */
export type LoadScenarioName = 'current' | 'tenfold';

export interface LoadScenario {
  readonly name: LoadScenarioName;
  /** How many times the profile's current load (requests per second) the scenario drives. */
  readonly multiplier: number;
  /** What a person reads for the gate. */
  readonly title: string;
}

export const LOAD_SCENARIOS: Readonly<Record<LoadScenarioName, LoadScenario>> = {
  current: { name: 'current', multiplier: 1, title: 'k6 at the current load' },
  // The roadmap's target: p95 under 200 ms at ten times today's load.
  tenfold: { name: 'tenfold', multiplier: 10, title: 'k6 at 10x the current load' },
};

/**
 * The task that makes a promoted release's load summaries the baselines: the only thing that
 * moves a baseline, run by every engine after a release reached production.
 */
export const PROMOTE_BASELINE_TASK = 'load:promote-baseline';

/**
 * A load gate refuses a target off this machine unless told that the target is a deployed
 * environment: a typo must not aim a load test at a shared host. Only an engine that deploys
 * remote environments (AWS) sets it, to `1`.
 */
export const LOAD_REMOTE_TARGET_VARIABLE = 'B2_LOAD_ALLOW_REMOTE';

/**
 * The task that drives synthetic users (the load profile's session) through an environment
 * while a release is shifted in and baked, so that no bake is judged on an empty window.
 */
export const SYNTHETIC_TRAFFIC_TASK = 'load:synthetic';
