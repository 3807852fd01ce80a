import { SmokeResult } from './smoke';
import { renderJunit } from '../../pipeline/kit/junit';

/**
 * The smoke walk as JUnit: one test case per step (health, the new user, each endpoint of the
 * session), the steps after a failure skipped. Apart from the walk, which stays free of Node-only
 * imports so a canary can bundle it.
 */
export function renderSmokeJunit(result: SmokeResult, timestamp: string): string {
  return renderJunit({
    name: 'smoke',
    suites: [
      {
        name: `smoke against ${result.target}`,
        seconds: result.durationMs / 1000,
        timestamp,
        cases: result.steps.map((s) => ({
          classname: s.endpoint ? `smoke.${s.endpoint}` : 'smoke',
          name: s.name,
          seconds: s.durationMs / 1000,
          failure: s.status === 'failed' ? { message: s.message ?? 'failed', type: 'smoke' } : undefined,
          skipped: s.status === 'skipped' ? (s.message ?? 'skipped') : undefined,
        })),
      },
    ],
  });
}
