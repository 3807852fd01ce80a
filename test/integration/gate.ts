import * as path from 'node:path';
import { API_URL_SETTING, apiUrlFromEnvironment, reachApi } from './support/api';
import { runMain } from '../../pipeline/kit/cli';
import { reportDir } from '../../pipeline/kit/reports';
import { runVitestProject } from '../harness/vitest-project';

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
  const status = runVitestProject(
    'integration',
    ['--reporter=default', '--reporter=junit', `--outputFile.junit=${junit}`, ...process.argv.slice(2)],
    { ...process.env, [API_URL_SETTING]: target },
  );
  console.log(`reports: ${junit}`);
  return status;
});
