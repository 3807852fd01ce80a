import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { walkSession } from './smoke';
import { renderSmokeJunit } from './smoke-junit';
import { runMain } from '../../pipeline/kit/cli';
import { reportDir } from '../../pipeline/kit/reports';
import { apiUrlFromEnvironment } from '../integration/support/api';

/**
 * The smoke gate (`npx projen smoke`), after every deploy: `B2_API_URL` is the environment,
 * `B2_EXPECTED_VERSION` the release that should be answering there and `B2_EXPECTED_ENVIRONMENT`
 * its name (each checked when set). It walks every endpoint of the load profile's session
 * (`smoke.ts`) and writes one JUnit case per step. Exit 1 when a step fails; the output and the
 * report name it.
 */
export const SMOKE_ENV = {
  version: 'B2_EXPECTED_VERSION',
  environment: 'B2_EXPECTED_ENVIRONMENT',
} as const;

runMain(async () => {
  const timestamp = new Date().toISOString();
  const result = await walkSession(apiUrlFromEnvironment(), fetch, {
    version: process.env[SMOKE_ENV.version] || undefined,
    environment: process.env[SMOKE_ENV.environment] || undefined,
  });
  for (const step of result.steps) {
    const mark = step.status === 'passed' ? 'ok  ' : step.status === 'failed' ? 'FAIL' : 'skip';
    console.log(`${mark} ${step.name} (${step.durationMs.toFixed(0)} ms)${step.message ? `: ${step.message}` : ''}`);
  }
  const junit = path.join(reportDir('smoke'), 'junit.xml');
  writeFileSync(junit, renderSmokeJunit(result, timestamp));
  console.log(`reports: ${junit}`);
  const failed = result.steps.find((s) => s.status === 'failed');
  console.log(
    failed
      ? `smoke FAILED against ${result.target}: ${failed.name}: ${failed.message}`
      : `smoke passed against ${result.target} in ${(result.durationMs / 1000).toFixed(1)} s`,
  );
  return failed ? 1 : 0;
});
