import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { headroomOf, parseSteps, refinementBetween } from '../../../loadtest/headroom';
import { LOAD_PROFILE } from '../../../loadtest/profile';
import { loadSettings, loadTarget, parseSeconds } from '../../../loadtest/settings';

const scratch = mkdtempSync(path.join(tmpdir(), 'b2-load-settings-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the load run settings', () => {
  it('reads durations in seconds or minutes', () => {
    expect(parseSeconds('30s', 'D')).toBe(30);
    expect(parseSeconds('2m', 'D')).toBe(120);
    expect(parseSeconds('1m30s', 'D')).toBe(90);
    expect(parseSeconds('45', 'D')).toBe(45);
    expect(() => parseSeconds('soon', 'B2_LOAD_DURATION')).toThrow('B2_LOAD_DURATION=soon is not a duration');
  });

  it('defaults to a short local run of the declared profile, without a baseline', () => {
    const settings = loadSettings({ B2_API_URL: 'http://127.0.0.1:4000/' });
    expect(settings).toEqual({
      target: 'http://127.0.0.1:4000',
      profile: LOAD_PROFILE,
      timing: { warmupSeconds: 5, holdSeconds: 30 },
      baselinePath: undefined,
      baselineEnvironment: undefined,
      referencePath: undefined,
      tolerance: { percent: 20, minimumMs: 5 },
      referenceTolerance: { percent: 30, minimumMs: 5 },
    });
  });

  it('takes the duration, tolerance and baseline from the environment', () => {
    const settings = loadSettings({
      B2_API_URL: 'http://localhost:4000',
      B2_LOAD_DURATION: '10s',
      B2_LOAD_WARMUP: '0',
      B2_LOAD_TOLERANCE_PERCENT: '35',
      B2_LOAD_BASELINE: '/b/load-current.json',
      B2_LOAD_BASELINE_ENVIRONMENT: 'prod',
    });
    expect(settings.timing).toEqual({ warmupSeconds: 0, holdSeconds: 10 });
    expect(settings.tolerance.percent).toBe(35);
    expect(settings.baselinePath).toBe('/b/load-current.json');
    expect(settings.baselineEnvironment).toBe('prod');
  });

  it('takes the reference baseline and its wider tolerance from the environment', () => {
    const settings = loadSettings({
      B2_API_URL: 'http://localhost:4000',
      B2_LOAD_REFERENCE: '/b/reference/load-current.json',
      B2_LOAD_REFERENCE_TOLERANCE_PERCENT: '40',
      B2_LOAD_TOLERANCE_MIN_MS: '8',
    });
    expect(settings.referencePath).toBe('/b/reference/load-current.json');
    expect(settings.referenceTolerance).toEqual({ percent: 40, minimumMs: 8 });
    expect(settings.tolerance).toEqual({ percent: 20, minimumMs: 8 });
    expect(() =>
      loadSettings({ B2_API_URL: 'http://localhost:1', B2_LOAD_REFERENCE_TOLERANCE_PERCENT: 'wide' }),
    ).toThrow('B2_LOAD_REFERENCE_TOLERANCE_PERCENT=wide is not a non-negative number');
  });

  it('reads another load profile from a JSON file, and rejects a malformed one', () => {
    const good = path.join(scratch, 'profile.json');
    writeFileSync(good, JSON.stringify({ ...LOAD_PROFILE, version: '2.0.0', requestsPerSecond: 8 }));
    expect(loadSettings({ B2_API_URL: 'http://127.0.0.1:1', B2_LOAD_PROFILE: good }).profile.requestsPerSecond).toBe(8);
    const bad = path.join(scratch, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...LOAD_PROFILE, session: ['login', 'browse'] }));
    expect(() => loadSettings({ B2_API_URL: 'http://127.0.0.1:1', B2_LOAD_PROFILE: bad })).toThrow(
      /bad\.json is not a load profile: session\.1/,
    );
  });

  it('refuses to run without a target, or against another machine unless allowed', () => {
    expect(() => loadTarget({})).toThrow(/^B2_API_URL is not set/);
    expect(() => loadTarget({ B2_API_URL: 'https://api.example.com' })).toThrow(
      /loopback only unless B2_LOAD_ALLOW_REMOTE=1/,
    );
    expect(loadTarget({ B2_API_URL: 'https://api.example.com', B2_LOAD_ALLOW_REMOTE: '1' })).toBe(
      'https://api.example.com',
    );
    expect(loadTarget({ B2_API_URL: 'http://[::1]:8080' })).toBe('http://[::1]:8080');
  });
});

describe('the headroom search', () => {
  const step = (multiplier: number, held: boolean) => ({
    scenario: `step-${multiplier}x`,
    multiplier,
    targetRate: 5 * multiplier,
    achievedRate: 5 * multiplier,
    p95: 1,
    errorRate: 0,
    held,
    failures: [],
  });

  it('steps through ascending multiples of the current load', () => {
    expect(parseSteps(undefined)[0]).toBe(1);
    expect(parseSteps('10, 2,5,2')).toEqual([2, 5, 10]);
    expect(() => parseSteps('1,x')).toThrow(/not a list of positive multiples/);
  });

  it('reports the highest multiple that held before the first that broke', () => {
    expect(headroomOf([step(1, true), step(2, true), step(5, false), step(10, true)])).toBe(2);
    expect(headroomOf([step(1, false)])).toBe(0);
    expect(headroomOf([])).toBe(0);
  });

  it('counts a refinement that held below the break, never a lucky step above it', () => {
    expect(headroomOf([step(10, true), step(15, false), step(12.5, true), step(14, false)])).toBe(12.5);
    expect(headroomOf([step(10, true), step(15, false), step(12.5, false), step(20, true)])).toBe(10);
  });

  it('narrows the gap between what held and what broke by halves, down to one multiple', () => {
    expect(refinementBetween(10, 15)).toBe(12.5);
    expect(refinementBetween(12.5, 15)).toBe(14);
    expect(refinementBetween(10, 12.5)).toBe(11.5);
    expect(refinementBetween(14, 15)).toBeUndefined();
    expect(refinementBetween(0, 1)).toBeUndefined();
  });
});
