import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { Endpoint, ENDPOINTS } from './profile';

/**
 * `timeseries.json`: what a load run measured over time, per endpoint, in buckets of a few
 * seconds, from k6's own per-request output (`--out json`). The report draws it; the raw output,
 * tens of megabytes at 10x, is not kept.
 */

export const bucketSchema = z.object({
  /** Seconds from the run's first request to the bucket's start. */
  t: z.number(),
  endpoint: z.string(),
  requests: z.number(),
  /** Requests k6 counted as failed (`http_req_failed`). */
  failed: z.number(),
  p50: z.number(),
  p95: z.number(),
});

export const timeSeriesSchema = z.object({
  bucketSeconds: z.number(),
  /** The unmeasured ramp at the start, in seconds. */
  warmupSeconds: z.number(),
  buckets: z.array(bucketSchema),
});

export type TimeSeriesBucket = z.infer<typeof bucketSchema>;
export type TimeSeries = z.infer<typeof timeSeriesSchema>;

/** One line of k6's JSON output that is a sample of a metric. */
interface K6Point {
  readonly type: string;
  readonly metric: string;
  readonly data?: { readonly time: string; readonly value: number; readonly tags?: Record<string, string> };
}

const nearestRank = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];

const round = (n: number): number => Math.round(n * 10) / 10;

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Buckets k6's per-request samples by endpoint of the load profile (the session's `endpoint`
 * tag; the set-up's requests are left out) and by `bucketSeconds` from the first session request.
 */
export async function readK6TimeSeries(
  file: string,
  bucketSeconds: number,
  warmupSeconds: number,
): Promise<TimeSeries> {
  const durations = new Map<string, { at: number; ms: number }[]>();
  const failures = new Map<string, { at: number; failed: boolean }[]>();
  let first = Number.POSITIVE_INFINITY;
  if (existsSync(file)) {
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.includes('"Point"')) continue;
      const point = JSON.parse(line) as K6Point;
      const endpoint = point.data?.tags?.endpoint;
      // The session's own endpoints only: the users' set-up (register, seed) is not the load.
      if (!endpoint || !point.data || !ENDPOINTS.includes(endpoint as Endpoint)) continue;
      const at = Date.parse(point.data.time);
      if (point.metric === 'http_req_duration') {
        first = Math.min(first, at);
        append(durations, endpoint, { at, ms: point.data.value });
      } else if (point.metric === 'http_req_failed') {
        append(failures, endpoint, { at, failed: point.data.value !== 0 });
      }
    }
  }
  const bucketOf = (at: number): number => Math.floor((at - first) / 1000 / bucketSeconds) * bucketSeconds;
  const buckets: TimeSeriesBucket[] = [];
  for (const [endpoint, samples] of durations) {
    const byBucket = new Map<number, number[]>();
    for (const { at, ms } of samples) append(byBucket, bucketOf(at), ms);
    const failedByBucket = new Map<number, number>();
    for (const { at, failed } of failures.get(endpoint) ?? []) {
      if (failed) failedByBucket.set(bucketOf(at), (failedByBucket.get(bucketOf(at)) ?? 0) + 1);
    }
    for (const [t, values] of [...byBucket].sort(([a], [b]) => a - b)) {
      const sorted = values.sort((a, b) => a - b);
      buckets.push({
        t,
        endpoint,
        requests: sorted.length,
        failed: failedByBucket.get(t) ?? 0,
        p50: round(nearestRank(sorted, 50)),
        p95: round(nearestRank(sorted, 95)),
      });
    }
  }
  return { bucketSeconds, warmupSeconds, buckets };
}
