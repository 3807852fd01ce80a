import { isReleaseFault } from '../../model/judgement';

/** What the front saw of one release over a window: the local stand-in for CloudWatch alarms. */
export interface MetricsSnapshot {
  readonly requests: number;
  /** 5xx answers plus requests the release could not answer at all. */
  readonly errors: number;
  readonly errorRate: number;
  readonly p50Ms: number;
  readonly p75Ms: number;
  readonly p90Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
}

interface Sample {
  readonly at: number;
  readonly failed: boolean;
  readonly ms: number;
  /** The load profile's endpoint the request was, if it was one. */
  readonly endpoint?: string;
}

/** What one release served of one endpoint: every latency, and how many of them were the release's faults. */
export interface EndpointSamples {
  readonly latenciesMs: readonly number[];
  readonly errors: number;
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/**
 * A sliding window of request outcomes per release. Bounded in time and count, so a long-lived
 * environment does not grow without limit.
 */
export class ReleaseMetrics {
  private samples: Sample[] = [];
  private first?: number;
  private firstFault?: number;

  constructor(
    private readonly windowMs = 5 * 60_000,
    private readonly maxSamples = 200_000,
  ) {}

  record(status: number, ms: number, endpoint?: string, at = Date.now()): void {
    this.first ??= at;
    if (isReleaseFault(status)) this.firstFault ??= at;
    this.samples.push({ at, failed: isReleaseFault(status), ms, endpoint });
    if (this.samples.length > this.maxSamples) this.samples.splice(0, this.samples.length - this.maxSamples);
  }

  /** Outcomes from `since` until `until` (epoch ms), at most the window. */
  snapshot(since = 0, now = Date.now(), until = Number.POSITIVE_INFINITY): MetricsSnapshot {
    const from = Math.max(since, now - this.windowMs);
    this.samples = this.samples.filter((s) => s.at >= now - this.windowMs);
    const window = this.samples.filter((s) => s.at >= from && s.at <= until);
    const latencies = window.map((s) => s.ms).sort((a, b) => a - b);
    const errors = window.filter((s) => s.failed).length;
    return {
      requests: window.length,
      errors,
      errorRate: window.length === 0 ? 0 : errors / window.length,
      p50Ms: percentile(latencies, 50),
      p75Ms: percentile(latencies, 75),
      p90Ms: percentile(latencies, 90),
      p95Ms: percentile(latencies, 95),
      p99Ms: percentile(latencies, 99),
    };
  }

  /** Per endpoint of the profile, what the release served since `since` (epoch ms), at most the window. */
  endpointSamples(since = 0, now = Date.now()): Record<string, EndpointSamples> {
    const from = Math.max(since, now - this.windowMs);
    const out: Record<string, { latenciesMs: number[]; errors: number }> = {};
    for (const sample of this.samples) {
      if (sample.at < from || !sample.endpoint) continue;
      const entry = (out[sample.endpoint] ??= { latenciesMs: [], errors: 0 });
      entry.latenciesMs.push(sample.ms);
      if (sample.failed) entry.errors += 1;
    }
    return out;
  }

  /** When the release served its first request, epoch ms; undefined before it served any. */
  get firstServedAt(): number | undefined {
    return this.first;
  }

  /** When the release first failed a request (its fault, not the client's), epoch ms. */
  get firstFaultAt(): number | undefined {
    return this.firstFault;
  }
}
