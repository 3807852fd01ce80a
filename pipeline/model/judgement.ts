/**
 * How a release is judged against the previous release while both are live, per endpoint of
 * the load profile, in the manner of Kayenta's canary judge: the canary's latencies are compared
 * with the previous release's by a rank test, its error proportion with theirs by a proportion
 * test, and the outcome is one of three.
 */
export type JudgementOutcome = 'pass' | 'marginal' | 'fail';

/**
 * Whether an answer counts against the release that gave it, for the alarms, the canary judge and
 * the rollback alike: a 5xx, or no answer at all (the edge's 502). A 4xx is the release refusing a
 * client's bad request, which is its job, not its fault; and a request the edge itself refuses
 * (a malformed target or Host, an unmet `Expect`, headers over the limit) never reached a release.
 * On AWS it is the same line: API Gateway's `5XXError` and Lambda's `Errors`.
 */
export const isReleaseFault = (status: number): boolean => status >= 500;

export interface JudgementPolicy {
  /**
   * A latency difference counts only when a two-sided Mann–Whitney U test finds it at this
   * significance or below: the canary and the previous release see the same traffic at the same
   * time, so a smaller p means a real difference, not a noisy minute.
   */
  readonly significance: number;
  /**
   * The canary's median over the previous release's, per endpoint, at or above which a
   * significant slowdown fails the release. Twice as slow is a regression no user should get.
   */
  readonly failLatencyRatio: number;
  /**
   * At or above this (and below the fail ratio) a significant slowdown is marginal: a person
   * looks at the numbers. Below it a significant difference is too small to act on, as Kayenta's
   * effect-size tolerance ignores a real but negligible shift.
   */
  readonly marginalLatencyRatio: number;
  /**
   * The share of the side-by-side time that is the canary's warm-up, not judged (its alarms
   * watch it all the same). A new process answers its first requests before V8 has optimized
   * its code and while its connection pools fill: judged on them, clean releases measured
   * 1.15–1.35x slower than the warm release beside them on every endpoint.
   */
  readonly warmupShare: number;
  /**
   * A slowdown smaller than this many milliseconds of median is never acted on, whatever its
   * ratio: on a 2 ms endpoint 1.5x is half a millisecond of scheduling noise.
   */
  readonly minLatencyDifferenceMs: number;
  /**
   * Canary requests an endpoint needs before it is judged at all. With fewer the judgement says
   * so and fails closed: a rank test on a handful of requests would pass anything.
   */
  readonly minSamplesPerEndpoint: number;
}

export const JUDGEMENT_POLICY: JudgementPolicy = {
  significance: 0.01,
  failLatencyRatio: 2,
  marginalLatencyRatio: 1.5,
  warmupShare: 1 / 3,
  minLatencyDifferenceMs: 5,
  minSamplesPerEndpoint: 12,
};
