import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { API_URL_SETTING, apiUrlFromEnvironment, reachApi } from './support/api';
import { runMain } from '../../pipeline/cli';
import { reportDir } from '../../pipeline/reports';
import { PROJECT_ROOT } from '../../pipeline/toolchain/paths';

/**
 * The integration gate (`npx projen test:integration`): checks that `B2_API_URL` names a
 * healthy B2 API (a gate pointed at nothing fails in one line, never passes), then runs the
 * `integration` vitest project against it with a JUnit report in the gate's reports folder.
 * Extra arguments go to vitest (e.g. a test file or `-t <name>`).
 */
runMain(async () => {
  const target = apiUrlFromEnvironment();
  const health = await reachApi(target);
  console.log(`integration: ${health.environment} environment, version ${health.version}, API ${target}`);
  const junit = path.join(reportDir('integration'), 'junit.xml');
  const vitest = path.join(path.dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
  const result = spawnSync(
    process.execPath,
    [
      vitest,
      'run',
      '--project',
      'integration',
      '--reporter=default',
      '--reporter=junit',
      `--outputFile.junit=${junit}`,
      ...process.argv.slice(2),
    ],
    { cwd: PROJECT_ROOT, stdio: 'inherit', env: { ...process.env, [API_URL_SETTING]: target } },
  );
  if (result.error) throw new Error(`vitest could not start: ${result.error.message}`);
  console.log(`reports: ${junit}`);
  return result.status ?? 1;
});
