import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readK6TimeSeries } from '../../../loadtest/timeseries';

const scratch = mkdtempSync(path.join(tmpdir(), 'b2-timeseries-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A line of k6's `--out json` as k6 1.8 writes a sample. */
const point = (metric: string, secondsIn: number, value: number, tags: Record<string, string>): string =>
  JSON.stringify({
    type: 'Point',
    metric,
    data: { time: new Date(Date.UTC(2026, 11, 2, 10, 0, 0) + secondsIn * 1000).toISOString(), value, tags },
  });

describe('the load run over time', () => {
  it('buckets each endpoint’s latencies and failures by a few seconds from the first request, leaving set-up out', async () => {
    const file = path.join(scratch, 'points.json');
    writeFileSync(
      file,
      [
        JSON.stringify({ type: 'Metric', metric: 'http_req_duration', data: {} }),
        point('http_req_duration', 0, 10, { endpoint: 'login' }),
        point('http_req_duration', 1, 30, { endpoint: 'login' }),
        point('http_req_failed', 1, 1, { endpoint: 'login' }),
        point('http_req_duration', 2.5, 50, { endpoint: 'login' }),
        point('http_req_duration', 0.5, 5, { endpoint: 'list' }),
        point('http_req_duration', 0.7, 999, { name: 'POST /auth/register' }),
        point('http_req_duration', -3, 250, { endpoint: 'register', name: 'POST /auth/register' }),
        point('http_reqs', 0.7, 1, { endpoint: 'list' }),
      ].join('\n'),
    );
    const series = await readK6TimeSeries(file, 2, 5);
    expect(series).toEqual({
      bucketSeconds: 2,
      warmupSeconds: 5,
      buckets: [
        { t: 0, endpoint: 'login', requests: 2, failed: 1, p50: 10, p95: 30 },
        { t: 2, endpoint: 'login', requests: 1, failed: 0, p50: 50, p95: 50 },
        { t: 0, endpoint: 'list', requests: 1, failed: 0, p50: 5, p95: 5 },
      ],
    });
  });

  it('is empty, not an error, when k6 wrote no samples', async () => {
    expect((await readK6TimeSeries(path.join(scratch, 'missing.json'), 2, 5)).buckets).toEqual([]);
  });
});
