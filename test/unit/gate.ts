import * as path from 'node:path';
import { runMain } from '../../pipeline/kit/cli';
import { reportDir } from '../../pipeline/kit/reports';
import { runVitestProject } from '../harness/vitest-project';

/**
 * The unit gate (`npx projen test:unit`): the `unit` vitest project with coverage, its JUnit
 * report and coverage in the gate's reports folder rather than in `reports/test/`, where a whole
 * `npx projen test` writes them. Extra arguments go to vitest (e.g. a test file or `-t <name>`).
 */
runMain(() => {
  const reports = reportDir('unit');
  const status = runVitestProject('unit', [
    '--coverage',
    `--outputFile.junit=${path.join(reports, 'junit.xml')}`,
    `--coverage.reportsDirectory=${path.join(reports, 'coverage')}`,
    ...process.argv.slice(2),
  ]);
  console.log(`reports: ${path.relative(process.cwd(), reports) || '.'}`);
  return status;
});
