import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../pipeline/local/environments/free-port';
import { GATES } from '../../pipeline/model/gates';
import { declaredReport, missingReports } from '../harness/gate-reports';
import { LocalEnvironment, runTaskAsync, useLocalEnvironments } from '../harness/local-environment';

/**
 * The smoke gate (`npx projen smoke`) against a real local environment: it passes when the
 * deployed release answers, and fails — naming the step and what it saw — when another
 * release answers or nothing does.
 */

const local = useLocalEnvironments();
const RELEASE = '3f2a9c1e0b7d';

let environment: LocalEnvironment;

beforeAll(async () => {
  environment = await local.start({ environment: 'staging', version: RELEASE });
});

function smoke(run: string, env: NodeJS.ProcessEnv) {
  const reports = path.join(local.scratch, run);
  return {
    missing: () => missingReports(GATES.smoke, reports),
    junit: () => declaredReport(GATES.smoke, 'junit', reports),
    result: runTaskAsync(GATES.smoke.task, { B2_REPORTS_DIR: reports, ...env }),
  };
}

describe('the smoke gate', () => {
  it('passes when the deployed release answers its health check and the critical path works', async () => {
    const check = smoke('pass', {
      B2_API_URL: environment.url,
      B2_EXPECTED_VERSION: RELEASE,
      B2_EXPECTED_ENVIRONMENT: 'staging',
    });
    const run = await check.result;
    expect(run.output).toMatch(/smoke passed against http:\/\/127\.0\.0\.1:\d+ in [\d.]+ s/);
    expect(run.status).toBe(0);
    expect(check.missing()).toEqual([]);
    const junit = check.junit();
    expect(junit).toContain('tests="5" failures="0" skipped="0"');
    for (const step of [
      'a new user registers',
      'the user creates a memory',
      'the user reads the memory back',
      'the user deletes the memory and it is gone',
    ]) {
      expect(junit).toContain(`name="${step}"`);
    }
  });

  it('fails naming both versions when another release answers, and skips the rest', async () => {
    const check = smoke('wrong-version', { B2_API_URL: environment.url, B2_EXPECTED_VERSION: 'a1b2c3d4e5f6' });
    const run = await check.result;
    expect(run.output).toContain(`GET /health reports version ${RELEASE}, not the deployed a1b2c3d4e5f6`);
    expect(run.status).not.toBe(0);
    expect(check.missing()).toEqual([]);
    const junit = check.junit();
    expect(junit).toContain('tests="5" failures="1" skipped="4"');
    expect(junit).toMatch(
      /name="health answers 200 with the expected version and environment"[^>]*>\s*<failure message="GET \/health reports version \w+, not the deployed a1b2c3d4e5f6" type="smoke"\/>/,
    );
    expect(junit).toContain('<skipped message="not run: &quot;health answers 200');
  });

  it('fails naming the environment when the release answers for another one', async () => {
    const run = await smoke('wrong-environment', { B2_API_URL: environment.url, B2_EXPECTED_ENVIRONMENT: 'prod' })
      .result;
    expect(run.output).toContain('GET /health reports environment staging, not prod');
    expect(run.status).not.toBe(0);
  });

  it('fails saying the API is unreachable when nothing answers', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const run = await smoke('unreachable', { B2_API_URL: nowhere }).result;
    expect(run.output).toContain(
      `smoke FAILED against ${nowhere}: health answers 200 with the expected version and environment: GET /health: the API at ${nowhere} is unreachable`,
    );
    expect(run.status).not.toBe(0);
  });
});
