import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOAD_PROFILE } from '../../loadtest/profile';
import { freePort } from '../../pipeline/local/environments/free-port';
import { GATES } from '../../pipeline/model/gates';
import { SETTING } from '../../service/src/settings';
import { declaredReport, missingReports } from '../harness/gate-reports';
import { LocalEnvironment, runTaskAsync, useLocalEnvironments } from '../harness/local-environment';

/**
 * The smoke gate (`npx projen smoke`) against a real local environment: it passes when the
 * deployed release answers and every endpoint of the load profile's session works, and fails —
 * naming the step and what it saw — when another release answers, an endpoint is broken, or
 * nothing answers.
 */

const local = useLocalEnvironments();
const RELEASE = '3f2a9c1e0b7d';
/** Health, the new user, then one step per request of the profile's session. */
const STEPS = 2 + LOAD_PROFILE.session.length;
const SEARCH_STEP = LOAD_PROFILE.session.indexOf('search');

let environment: LocalEnvironment;
/** A release whose search answers 500 while everything else works. */
let brokenSearch: LocalEnvironment;

beforeAll(async () => {
  [environment, brokenSearch] = await Promise.all([
    local.start({ environment: 'staging', version: RELEASE }),
    local.start({
      environment: 'staging',
      version: RELEASE,
      settings: { [SETTING.testFailRequests]: 'GET /memories?q' },
    }),
  ]);
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
  it('passes when the deployed release answers its health check and every endpoint of the session works', async () => {
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
    expect(junit).toContain(`tests="${STEPS}" failures="0" skipped="0"`);
    expect(junit).toContain('name="a new user registers and writes a first memory"');
    LOAD_PROFILE.session.forEach((endpoint, i) => {
      expect(junit).toMatch(
        new RegExp(`classname="smoke\\.${endpoint}" name="${endpoint} \\(${i + 1}/${LOAD_PROFILE.session.length}\\): `),
      );
    });
  });

  it('fails naming the endpoint when the release answers its search with a server error, after list passed', async () => {
    const check = smoke('broken-search', { B2_API_URL: brokenSearch.url, B2_EXPECTED_VERSION: RELEASE });
    const run = await check.result;
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(
      new RegExp(
        `smoke FAILED against ${brokenSearch.url}: search \\(${SEARCH_STEP + 1}/${LOAD_PROFILE.session.length}\\): GET /memories\\?q .*: GET /memories\\?q answered 500, not 200`,
      ),
    );
    LOAD_PROFILE.session.slice(0, SEARCH_STEP).forEach((endpoint, i) => {
      expect(run.output).toContain(`ok   ${endpoint} (${i + 1}/${LOAD_PROFILE.session.length}): `);
    });
    expect(check.missing()).toEqual([]);
    const junit = check.junit();
    const after = LOAD_PROFILE.session.length - SEARCH_STEP - 1;
    expect(junit).toContain(`tests="${STEPS}" failures="1" skipped="${after}"`);
    expect(junit).toMatch(
      /classname="smoke\.search" name="search [^"]*"[^>]*>\s*<failure message="GET \/memories\?q answered 500/,
    );
  });

  it('fails naming both versions when another release answers, and skips the rest', async () => {
    const check = smoke('wrong-version', { B2_API_URL: environment.url, B2_EXPECTED_VERSION: 'a1b2c3d4e5f6' });
    const run = await check.result;
    expect(run.output).toContain(`GET /health reports version ${RELEASE}, not the deployed a1b2c3d4e5f6`);
    expect(run.status).not.toBe(0);
    expect(check.missing()).toEqual([]);
    const junit = check.junit();
    expect(junit).toContain(`tests="${STEPS}" failures="1" skipped="${STEPS - 1}"`);
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
