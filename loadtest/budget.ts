/**
 * What a load run must hold to pass, whatever the rate. Bundled into the k6 script too: it
 * imports nothing.
 */
export interface LoadBudget {
  /** The latency target of the roadmap: p95 under this many milliseconds. */
  readonly p95Ms: number;
  /** The share of failed requests (and failed checks) a run may have. */
  readonly errorRate: number;
  /**
   * The share of the planned request rate the run must achieve. An open model only proves a
   * rate if the generator delivered it: a k6 that ran out of VUs, or a service so slow that
   * sessions piled up, would otherwise pass as "10x" with a fraction of the traffic.
   */
  readonly minAchievedRateRatio: number;
  /** The share of planned sessions k6 may drop (start late for want of a free VU). */
  readonly droppedSessionsRatio: number;
}

export const LOAD_BUDGET: LoadBudget = {
  p95Ms: 200,
  errorRate: 0.01,
  minAchievedRateRatio: 0.95,
  droppedSessionsRatio: 0.01,
};

/**
 * How much slower than a baseline a run may be. It applies to the blended p95 of the session mix
 * and, per endpoint of the profile, to p50 and p95 alike.
 */
export interface RegressionTolerance {
  /** A latency may grow by this many percent over the baseline's. */
  readonly percent: number;
  /**
   * ...and by at least this many milliseconds before it counts: at a few milliseconds, +20% is
   * scheduling noise on a shared machine, not a regression.
   */
  readonly minimumMs: number;
}

/** Against the last promoted release: one release's change. */
export const DEFAULT_REGRESSION_TOLERANCE: RegressionTolerance = { percent: 20, minimumMs: 5 };

/**
 * Against the reference baseline, which stands still while releases pass one after another: the
 * total a latency may grow over any number of releases. Wider than one release's 20% because the
 * reference may be months old and the machines under it drift, yet narrow enough that two
 * releases each just inside their own 20% (+44% together), or five of +15% (+101%), fail here
 * while each passes against the release before it.
 */
export const REFERENCE_REGRESSION_TOLERANCE: RegressionTolerance = {
  percent: 30,
  minimumMs: DEFAULT_REGRESSION_TOLERANCE.minimumMs,
};
