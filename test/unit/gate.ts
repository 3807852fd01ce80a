import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { runMain } from '../../pipeline/cli';
import { reportDir } from '../../pipeline/reports';
import { PROJECT_ROOT } from '../../pipeline/toolchain/paths';

/**
 * The unit gate (`npx projen test:unit`): the `unit` vitest project with coverage, its JUnit
 * report and coverage in the gate's reports folder rather than in `reports/test/`, where a whole
 * `npx projen test` writes them. Extra arguments go to vitest (e.g. a test file or `-t <name>`).
 */
runMain(() => {
  const reports = reportDir('unit');
  const vitest = path.join(path.dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
  const result = spawnSync(
    process.execPath,
    [
      vitest,
      'run',
      '--project',
      'unit',
      '--coverage',
      `--outputFile.junit=${path.join(reports, 'junit.xml')}`,
      `--coverage.reportsDirectory=${path.join(reports, 'coverage')}`,
      ...process.argv.slice(2),
    ],
    { cwd: PROJECT_ROOT, stdio: 'inherit' },
  );
  if (result.error) throw new Error(`vitest could not start: ${result.error.message}`);
  console.log(`reports: ${path.relative(process.cwd(), reports) || '.'}`);
  return result.status ?? 1;
});
