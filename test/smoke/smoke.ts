import { renderJunit } from '../../pipeline/kit/junit';
import { B2Api, Memory, Session, uniqueEmail } from '../integration/support/api';

/**
 * The smoke check after a deploy: is the release that answers the one that was deployed, and
 * does the critical path work end to end? Health (version and environment), then register,
 * create, read and delete one memory. Fast and self-cleaning apart from its one new account.
 */

export interface SmokeExpectations {
  /** The release's version (`/health` reports the commit). @default any non-empty version */
  readonly version?: string;
  /** @default any environment name */
  readonly environment?: string;
  /** The whole check must finish within this long. @default 10 s */
  readonly deadlineMs?: number;
}

export const DEFAULT_DEADLINE_MS = 10_000;

export interface SmokeStep {
  readonly name: string;
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly durationMs: number;
  /** Why it failed or was skipped. */
  readonly message?: string;
}

export interface SmokeResult {
  readonly target: string;
  readonly passed: boolean;
  readonly durationMs: number;
  readonly steps: readonly SmokeStep[];
}

/** A failed expectation of one step, in words a person acts on. */
class StepFailure extends Error {}

function expectStatus(what: string, status: number, expected: number, text: string): void {
  if (status !== expected) throw new StepFailure(`${what} answered ${status}, not ${expected}: ${text.slice(0, 200)}`);
}

export async function runSmoke(api: B2Api, expectations: SmokeExpectations = {}): Promise<SmokeResult> {
  const deadlineMs = expectations.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const started = performance.now();
  let session: Session | undefined;
  let memory: Memory | undefined;

  const checks: [string, () => Promise<void>][] = [
    [
      'health answers 200 with the expected version and environment',
      async () => {
        const health = await api.call('GET', '/health');
        expectStatus('GET /health', health.status, 200, health.text);
        const { status, version, environment } = health.body ?? {};
        if (status !== 'ok') throw new StepFailure(`GET /health says status ${String(status)}, not ok`);
        if (expectations.version ? version !== expectations.version : !version) {
          throw new StepFailure(
            `GET /health reports version ${String(version)}, not the deployed ${expectations.version ?? '(any)'}`,
          );
        }
        if (expectations.environment ? environment !== expectations.environment : !environment) {
          throw new StepFailure(
            `GET /health reports environment ${String(environment)}, not ${expectations.environment ?? '(any)'}`,
          );
        }
      },
    ],
    [
      'a new user registers',
      async () => {
        const answer = await api.call('POST', '/auth/register', {
          json: { email: uniqueEmail('smoke'), password: `smoke ${Date.now()} check` },
        });
        expectStatus('POST /auth/register', answer.status, 201, answer.text);
        session = answer.body as Session;
      },
    ],
    [
      'the user creates a memory',
      async () => {
        const answer = await api.call('POST', '/memories', {
          token: session?.accessToken,
          json: { text: 'smoke check after a deploy', category: 'smoke' },
        });
        expectStatus('POST /memories', answer.status, 201, answer.text);
        memory = answer.body as Memory;
      },
    ],
    [
      'the user reads the memory back',
      async () => {
        const answer = await api.call('GET', `/memories/${memory?.id}`, { token: session?.accessToken });
        expectStatus('GET /memories/:id', answer.status, 200, answer.text);
        if (answer.body?.text !== memory?.text) {
          throw new StepFailure('GET /memories/:id answered another memory than the one created');
        }
      },
    ],
    [
      'the user deletes the memory and it is gone',
      async () => {
        const deleted = await api.call('DELETE', `/memories/${memory?.id}`, { token: session?.accessToken });
        expectStatus('DELETE /memories/:id', deleted.status, 204, deleted.text);
        const gone = await api.call('GET', `/memories/${memory?.id}`, { token: session?.accessToken });
        expectStatus('GET /memories/:id after the delete', gone.status, 404, gone.text);
      },
    ],
  ];

  const steps: SmokeStep[] = [];
  for (const [name, check] of checks) {
    const failed = steps.find((s) => s.status !== 'passed');
    if (failed) {
      steps.push({ name, status: 'skipped', durationMs: 0, message: `not run: "${failed.name}" did not pass` });
      continue;
    }
    const stepStarted = performance.now();
    try {
      await check();
      const elapsed = performance.now() - started;
      if (elapsed > deadlineMs) {
        throw new StepFailure(
          `the smoke check passed ${deadlineMs / 1000} s after ${(elapsed / 1000).toFixed(1)} s: the release is too slow`,
        );
      }
      steps.push({ name, status: 'passed', durationMs: performance.now() - stepStarted });
    } catch (err) {
      const message = (err as Error).message;
      steps.push({ name, status: 'failed', durationMs: performance.now() - stepStarted, message });
    }
  }
  return {
    target: api.baseUrl,
    passed: steps.every((s) => s.status === 'passed'),
    durationMs: performance.now() - started,
    steps,
  };
}

/** The smoke check as JUnit: one test case per step, the steps after a failure skipped. */
export function renderSmokeJunit(result: SmokeResult, timestamp: string): string {
  return renderJunit({
    name: 'smoke',
    suites: [
      {
        name: `smoke against ${result.target}`,
        seconds: result.durationMs / 1000,
        timestamp,
        cases: result.steps.map((s) => ({
          classname: 'smoke',
          name: s.name,
          seconds: s.durationMs / 1000,
          failure: s.status === 'failed' ? { message: s.message ?? 'failed', type: 'smoke' } : undefined,
          skipped: s.status === 'skipped' ? (s.message ?? 'skipped') : undefined,
        })),
      },
    ],
  });
}
