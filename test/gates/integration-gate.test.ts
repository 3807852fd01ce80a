import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../pipeline/local/environments/free-port';
import { GATES } from '../../pipeline/model/gates';
import { declaredReport, missingReports } from '../harness/gate-reports';
import { LocalEnvironment, runTaskAsync, useLocalEnvironments } from '../harness/local-environment';

/**
 * The integration gate (`npx projen test:integration`) against a real local environment: the
 * whole suite passes over HTTP and writes its JUnit report; pointed at an environment whose
 * CORS allowlist lacks the web front end's origin it fails and names the test; and it refuses,
 * in one line, to run against nothing.
 */

const local = useLocalEnvironments();
const WEB_ORIGIN = 'https://web.b2.example.com';

let environment: LocalEnvironment;

beforeAll(async () => {
  environment = await local.start({ environment: 'dev', corsOrigins: [WEB_ORIGIN] });
});

const junitIn = (root: string): string => declaredReport(GATES.integration, 'junit', root);

describe('the integration gate', () => {
  it('passes the whole suite against a working environment and writes the JUnit report', async () => {
    const reports = path.join(local.scratch, 'reports-pass');
    const run = await runTaskAsync('test:integration', {
      B2_API_URL: environment.url,
      B2_WEB_URL: WEB_ORIGIN,
      B2_REPORTS_DIR: reports,
    });
    expect(run.output).toContain(
      `integration: dev environment, version ${environment.version}, API ${environment.url}`,
    );
    expect(run.status).toBe(0);
    expect(missingReports(GATES.integration, reports)).toEqual([]);
    const junit = junitIn(reports);
    const tests = Number(junit.match(/<testsuites [^>]*tests="(\d+)"/)?.[1]);
    expect(tests).toBeGreaterThanOrEqual(30);
    expect(junit).toMatch(/<testsuites [^>]*failures="0"/);
    for (const tier of ['auth.test.ts', 'memories.test.ts', 'http.test.ts']) {
      expect(junit).toContain(`test/integration/${tier}`);
    }
  });

  it("fails, naming the test, when the environment does not allow the web front end's origin", async () => {
    const reports = path.join(local.scratch, 'reports-cors');
    const run = await runTaskAsync(
      'test:integration',
      { B2_API_URL: environment.url, B2_CORS_ALLOWED_ORIGIN: 'https://elsewhere.example.com', B2_REPORTS_DIR: reports },
      ['test/integration/http.test.ts'],
    );
    expect(run.status).not.toBe(0);
    expect(missingReports(GATES.integration, reports)).toEqual([]);
    const junit = junitIn(reports);
    expect(junit).toMatch(/<testsuites [^>]*failures="2"/);
    expect(junit).toMatch(
      /<testcase [^>]*name="CORS over HTTP &gt; echoes an allowed origin, never \*, and varies on Origin"[^>]*>\s*<failure/,
    );
  });

  it('says in one line that the environment is unreachable, and never passes', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const run = await runTaskAsync('test:integration', {
      B2_API_URL: nowhere,
      B2_REPORTS_DIR: path.join(local.scratch, 'reports-none'),
    });
    expect(run.output).toContain(`error: the API at ${nowhere} is unreachable (connect ECONNREFUSED`);
    expect(run.status).not.toBe(0);
  });

  it('says which setting is missing when no environment is named', async () => {
    const run = await runTaskAsync('test:integration', { B2_API_URL: '' });
    expect(run.output).toContain('error: B2_API_URL is not set');
    expect(run.status).not.toBe(0);
  });
});
