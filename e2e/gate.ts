import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { reachTarget, webUrlFromEnvironment } from './support/target';
import { runMain } from '../pipeline/kit/cli';
import { reportDir } from '../pipeline/kit/reports';

/**
 * The e2e gate: checks that `B2_WEB_URL` names a reachable B2 front end (a gate pointed at
 * nothing fails in one line, never passes), then runs the Playwright suite against it. Extra
 * arguments go to `playwright test` (e.g. a test file or `--grep`).
 */
runMain(async () => {
  const target = await reachTarget(webUrlFromEnvironment());
  console.log(`e2e: ${target.environment} environment, web ${target.webUrl}, API ${target.apiUrl}`);
  const result = spawnSync(
    process.execPath,
    [
      require.resolve('@playwright/test/cli'),
      'test',
      '--config',
      path.join(__dirname, 'playwright.config.ts'),
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit', env: { ...process.env, B2_E2E_API_URL: target.apiUrl } },
  );
  if (result.error) throw new Error(`Playwright could not start: ${result.error.message}`);
  const reports = path.relative(process.cwd(), reportDir('e2e')) || '.';
  console.log(
    `e2e reports: ${reports}/html/index.html, ${reports}/junit.xml (traces and screenshots of failures in ${reports}/results)`,
  );
  return result.status ?? 1;
});
