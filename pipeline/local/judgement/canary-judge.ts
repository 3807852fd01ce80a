import { erf, median, wilcoxonRankSum } from 'simple-statistics';
import type { JudgementOutcome, JudgementPolicy } from '../../model';
import type { EndpointSamples } from '../environments/release-metrics';
import { percentile } from '../environments/release-metrics';

/** The standard normal distribution's cumulative probability. */
const normalCdf = (z: number): number => 0.5 * (1 + erf(z / Math.SQRT2));

/**
 * Two-sided Mann–Whitney U test of `a` against `b` with the normal approximation, tie correction
 * and continuity correction (the samples here are tens to hundreds of requests, where the
 * approximation holds). simple-statistics gives the rank sum with ties at their average rank.
 */
export function mannWhitneyPValue(a: readonly number[], b: readonly number[]): number {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return 1;
  const u = wilcoxonRankSum([...a], [...b]) - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const counts = new Map<number, number>();
  for (const value of [...a, ...b]) counts.set(value, (counts.get(value) ?? 0) + 1);
  const ties = [...counts.values()].reduce((sum, t) => sum + (t * t * t - t), 0);
  const variance = ((n1 * n2) / 12) * (n + 1 - ties / (n * (n - 1)));
  if (variance <= 0) return 1;
  const diff = u - (n1 * n2) / 2;
  const z = (Math.abs(diff) - 0.5) / Math.sqrt(variance);
  return Math.min(1, 2 * (1 - normalCdf(Math.max(0, z))));
}

/** One-sided two-proportion z test: the chance of seeing `a`'s error share this far above `b`'s by luck. */
export function higherProportionPValue(aErrors: number, aTotal: number, bErrors: number, bTotal: number): number {
  if (aTotal === 0 || bTotal === 0) return 1;
  const pooled = (aErrors + bErrors) / (aTotal + bTotal);
  if (pooled === 0 || pooled === 1) return 1;
  const z = (aErrors / aTotal - bErrors / bTotal) / Math.sqrt(pooled * (1 - pooled) * (1 / aTotal + 1 / bTotal));
  return 1 - normalCdf(z);
}

export interface SideNumbers {
  readonly requests: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  /** The rest of the distribution the run page draws (absent in runs recorded before it). */
  readonly minMs?: number;
  readonly p25Ms?: number;
  readonly p75Ms?: number;
  readonly maxMs?: number;
}

/** The judgement of one endpoint: the outcome, the numbers it rests on, and why, in a phrase. */
export interface EndpointVerdict {
  readonly endpoint: string;
  readonly outcome: JudgementOutcome;
  readonly canary: SideNumbers;
  readonly previous: SideNumbers;
  /** The rank test's two-sided p of the latencies. */
  readonly latencyPValue: number;
  /** The proportion test's one-sided p that the canary fails more. */
  readonly errorPValue: number;
  readonly reason: string;
}

export interface CanaryJudgement {
  readonly outcome: JudgementOutcome;
  readonly endpoints: readonly EndpointVerdict[];
  /** One line: the outcome and, when it is not a pass, the endpoints that made it so, with their numbers. */
  readonly summary: string;
}

const RANK: Record<JudgementOutcome, number> = { pass: 0, marginal: 1, fail: 2 };
const ms = (value: number): string => `${value.toFixed(1)} ms`;

function numbers(samples: EndpointSamples | undefined): SideNumbers {
  const sorted = [...(samples?.latenciesMs ?? [])].sort((x, y) => x - y);
  return {
    requests: sorted.length,
    errors: samples?.errors ?? 0,
    p50Ms: sorted.length ? median(sorted) : 0,
    p95Ms: percentile(sorted, 95),
    minMs: sorted[0] ?? 0,
    p25Ms: percentile(sorted, 25),
    p75Ms: percentile(sorted, 75),
    maxMs: sorted[sorted.length - 1] ?? 0,
  };
}

/** Judges one endpoint of the canary against the same endpoint of the previous release. */
function judgeEndpoint(
  endpoint: string,
  canarySamples: EndpointSamples | undefined,
  previousSamples: EndpointSamples | undefined,
  policy: JudgementPolicy,
  maxErrorRate: number,
): EndpointVerdict {
  const canary = numbers(canarySamples);
  const previous = numbers(previousSamples);
  const latencyPValue = mannWhitneyPValue(canarySamples?.latenciesMs ?? [], previousSamples?.latenciesMs ?? []);
  const errorPValue = higherProportionPValue(canary.errors, canary.requests, previous.errors, previous.requests);
  const verdict = (outcome: JudgementOutcome, reason: string): EndpointVerdict => ({
    endpoint,
    outcome,
    canary,
    previous,
    latencyPValue,
    errorPValue,
    reason,
  });

  if (canary.requests < policy.minSamplesPerEndpoint || previous.requests < policy.minSamplesPerEndpoint) {
    return verdict(
      'fail',
      `too little traffic to judge: ${canary.requests} canary and ${previous.requests} previous requests, ${policy.minSamplesPerEndpoint} needed of each`,
    );
  }
  const errorShare = canary.errors / canary.requests;
  if (errorShare > maxErrorRate) {
    const shares = `${canary.errors}/${canary.requests} failed against ${previous.errors}/${previous.requests} (p ${errorPValue.toPrecision(2)})`;
    if (errorPValue <= policy.significance) return verdict('fail', `errors: ${shares}`);
    return verdict('marginal', `errors over the budget of ${(maxErrorRate * 100).toFixed(2)}%: ${shares}`);
  }
  const ratio = previous.p50Ms > 0 ? canary.p50Ms / previous.p50Ms : 1;
  const slower = canary.p50Ms - previous.p50Ms;
  const latency = `median ${ms(canary.p50Ms)} against ${ms(previous.p50Ms)} (${ratio.toFixed(2)}x, p ${latencyPValue.toPrecision(2)}), p95 ${ms(canary.p95Ms)} against ${ms(previous.p95Ms)}`;
  if (latencyPValue <= policy.significance && slower >= policy.minLatencyDifferenceMs) {
    if (ratio >= policy.failLatencyRatio) return verdict('fail', `slower: ${latency}`);
    if (ratio >= policy.marginalLatencyRatio) return verdict('marginal', `slower: ${latency}`);
  }
  return verdict('pass', latency);
}

/**
 * Kayenta's question, per endpoint of the load profile: is the canary worse than the release
 * beside it? Each endpoint is judged on the requests both served over the same minutes; the
 * release's outcome is its worst endpoint's.
 */
export function judgeCanary(
  canary: Readonly<Record<string, EndpointSamples>>,
  previous: Readonly<Record<string, EndpointSamples>>,
  endpoints: readonly string[],
  policy: JudgementPolicy,
  maxErrorRate: number,
): CanaryJudgement {
  const verdicts = [...new Set(endpoints)].map((endpoint) =>
    judgeEndpoint(endpoint, canary[endpoint], previous[endpoint], policy, maxErrorRate),
  );
  const outcome = verdicts.reduce<JudgementOutcome>(
    (worst, v) => (RANK[v.outcome] > RANK[worst] ? v.outcome : worst),
    'pass',
  );
  const named = verdicts.filter((v) => v.outcome === outcome && outcome !== 'pass');
  const summary =
    outcome === 'pass'
      ? `canary judged pass on ${verdicts.length} endpoints against the previous release`
      : `canary judged ${outcome}: ${named.map((v) => `${v.endpoint} ${v.reason}`).join('; ')}`;
  return { outcome, endpoints: verdicts, summary };
}
