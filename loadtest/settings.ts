import { z } from 'zod';
import { DEFAULT_REGRESSION_TOLERANCE, REFERENCE_REGRESSION_TOLERANCE, RegressionTolerance } from './budget';
import { DEFAULT_TIMING, LoadTiming } from './plan';
import { ENDPOINTS, LOAD_PROFILE, LoadProfile, profileProblem } from './profile';
import { parseDurationMs } from '../pipeline/kit/durations';
import { readJsonFile } from '../pipeline/kit/json-file';
import { GATE_INPUTS } from '../pipeline/model/contract';
import { LOAD_REMOTE_TARGET_VARIABLE } from '../pipeline/model/load';

/**
 * Everything a load run reads from its environment, read in one place. The engines set these;
 * a person running `npx projen load:current` by hand sets at least `B2_API_URL`.
 */
export const LOAD_ENV = {
  /** The environment's API base URL. */
  apiUrl: 'B2_API_URL',
  /** The measured window, e.g. `30s`, `2m`. */
  duration: 'B2_LOAD_DURATION',
  /** The unmeasured ramp before it. */
  warmup: 'B2_LOAD_WARMUP',
  /** A JSON file with another load profile (same shape as `LOAD_PROFILE`). */
  profile: 'B2_LOAD_PROFILE',
  /**
   * Compare with the baseline promoted to this environment (`loadtest/baseline.ts`), e.g. `prod`:
   * the summary of the last release promoted there, for the same scenario.
   */
  baselineEnvironment: 'B2_LOAD_BASELINE_ENVIRONMENT',
  /**
   * Or compare with the baseline kept at this location (`load-<scenario>.json` in it): what the
   * engines set, from the gate contract (`pipeline/model/contract.ts`).
   */
  baselineLocation: GATE_INPUTS.loadBaseline.variable,
  /** Or compare with this summary.json (it wins over the environment's). */
  baseline: 'B2_LOAD_BASELINE',
  /**
   * Compare with this summary.json as the reference baseline, instead of the one under the
   * baseline location (`reference/load-<scenario>.json`, `loadtest/reference.ts`).
   */
  reference: 'B2_LOAD_REFERENCE',
  tolerancePercent: 'B2_LOAD_TOLERANCE_PERCENT',
  toleranceMinimumMs: 'B2_LOAD_TOLERANCE_MIN_MS',
  /** How much slower than the reference baseline a run may be, in percent (the minimum in ms is shared). */
  referenceTolerancePercent: 'B2_LOAD_REFERENCE_TOLERANCE_PERCENT',
  /** `1` lets a run target a non-loopback host (a deployed AWS environment). */
  allowRemote: LOAD_REMOTE_TARGET_VARIABLE,
} as const;

export interface LoadSettings {
  readonly target: string;
  readonly profile: LoadProfile;
  readonly timing: LoadTiming;
  readonly baselinePath?: string;
  readonly baselineEnvironment?: string;
  readonly baselineLocation?: string;
  readonly referencePath?: string;
  /** Against the last promoted release. */
  readonly tolerance: RegressionTolerance;
  /** Against the reference baseline. */
  readonly referenceTolerance: RegressionTolerance;
}

/** `30s`, `2m`, `1m30s` or a plain number of seconds (zero allowed: a warm-up may be skipped). */
export function parseSeconds(text: string, name: string): number {
  return parseDurationMs(text, name, { bareUnit: 's', allowZero: true }) / 1_000;
}

function parseNumber(text: string, name: string): number {
  const value = Number(text);
  if (!text.trim() || !Number.isFinite(value) || value < 0) {
    throw new Error(`${name}=${text} is not a non-negative number`);
  }
  return value;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * The target URL, refusing anything but this machine unless remote targets are allowed: a
 * load run pointed at a shared host by a typo would be an attack, not a test.
 */
export function loadTarget(env: NodeJS.ProcessEnv): string {
  const raw = env[LOAD_ENV.apiUrl]?.trim();
  if (!raw) {
    throw new Error(`${LOAD_ENV.apiUrl} is not set: point it at the environment's API (e.g. http://127.0.0.1:8080)`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${LOAD_ENV.apiUrl}=${raw} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`${LOAD_ENV.apiUrl}=${raw} is not http(s)`);
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
  if (!loopback && env[LOAD_ENV.allowRemote] !== '1') {
    throw new Error(
      `${LOAD_ENV.apiUrl}=${raw} is not on this machine: load runs target loopback only unless ${LOAD_ENV.allowRemote}=1`,
    );
  }
  return raw.replace(/\/+$/, '');
}

const profileSchema = z.object({
  version: z.string().min(1),
  rationale: z.string(),
  requestsPerSecond: z.number().positive(),
  session: z.array(z.enum(ENDPOINTS as [string, ...string[]])).min(1),
});

export function readProfile(file: string): LoadProfile {
  const profile = readJsonFile(file, profileSchema, 'a load profile') as LoadProfile;
  const problem = profileProblem(profile);
  if (problem) throw new Error(`${file}: ${problem}`);
  return profile;
}

export function loadSettings(env: NodeJS.ProcessEnv): LoadSettings {
  const duration = env[LOAD_ENV.duration];
  const warmup = env[LOAD_ENV.warmup];
  const percent = env[LOAD_ENV.tolerancePercent];
  const minimumMs = env[LOAD_ENV.toleranceMinimumMs];
  const profileFile = env[LOAD_ENV.profile];
  const referencePercent = env[LOAD_ENV.referenceTolerancePercent];
  const holdSeconds = duration ? parseSeconds(duration, LOAD_ENV.duration) : DEFAULT_TIMING.holdSeconds;
  if (holdSeconds <= 0) throw new Error(`${LOAD_ENV.duration}=${duration} must be longer than zero`);
  return {
    target: loadTarget(env),
    profile: profileFile ? readProfile(profileFile) : LOAD_PROFILE,
    timing: {
      holdSeconds,
      warmupSeconds: warmup ? parseSeconds(warmup, LOAD_ENV.warmup) : DEFAULT_TIMING.warmupSeconds,
    },
    baselinePath: env[LOAD_ENV.baseline] || undefined,
    baselineEnvironment: env[LOAD_ENV.baselineEnvironment] || undefined,
    baselineLocation: env[LOAD_ENV.baselineLocation] || undefined,
    referencePath: env[LOAD_ENV.reference] || undefined,
    tolerance: {
      percent: percent ? parseNumber(percent, LOAD_ENV.tolerancePercent) : DEFAULT_REGRESSION_TOLERANCE.percent,
      minimumMs: minimumMs
        ? parseNumber(minimumMs, LOAD_ENV.toleranceMinimumMs)
        : DEFAULT_REGRESSION_TOLERANCE.minimumMs,
    },
    referenceTolerance: {
      percent: referencePercent
        ? parseNumber(referencePercent, LOAD_ENV.referenceTolerancePercent)
        : REFERENCE_REGRESSION_TOLERANCE.percent,
      minimumMs: minimumMs
        ? parseNumber(minimumMs, LOAD_ENV.toleranceMinimumMs)
        : REFERENCE_REGRESSION_TOLERANCE.minimumMs,
    },
  };
}
