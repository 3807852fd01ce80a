import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATES } from '../../pipeline/model/gates';
import { declaredReport, missingReports } from '../harness/gate-reports';
import { ScratchProject } from '../harness/scratch-project';

/** A small, fast unit test file of the project: the gate is run on it, not on the whole tier. */
const SOME_UNIT_TESTS = 'test/unit/pipeline/reports.test.ts';
const PLANTED = 'test/unit/planted.test.ts';

/**
 * The unit gate (`npx projen test:unit`) in a scratch copy of the project, limited to one test
 * file: its JUnit report and coverage land in the gate's folder of the run's reports root, and
 * a failing unit test fails the gate and its report.
 */
describe('the unit gate', () => {
  let project: ScratchProject;
  beforeAll(() => {
    project = new ScratchProject();
  });
  afterAll(() => project.dispose());

  const runUnit = (files: string[]) => {
    const reports = mkdtempSync(path.join(project.root, 'gate-reports-'));
    return { reports, result: project.run(GATES.unit.task, files, { B2_REPORTS_DIR: reports }) };
  };

  it('passes and writes its JUnit report and coverage into the run’s reports root, not reports/test', () => {
    const { reports, result } = runUnit([SOME_UNIT_TESTS]);
    expect(result.status).toBe(0);
    expect(missingReports(GATES.unit, reports)).toEqual([]);
    const junit = declaredReport(GATES.unit, 'junit', reports);
    expect(junit).toMatch(/<testsuites [^>]*tests="2" failures="0"/);
    expect(junit).toContain(SOME_UNIT_TESTS);
    expect(existsSync(path.join(reports, 'unit', 'coverage', 'coverage-summary.json'))).toBe(true);
    expect(existsSync(path.join(project.root, 'reports', 'test'))).toBe(false);
  });

  it('fails on a failing unit test, and its JUnit report names the test', () => {
    project.write(
      PLANTED,
      [
        "import { expect, it } from 'vitest';",
        '',
        "it('adds two and two to five', () => {",
        '  expect(2 + 2).toBe(5);',
        '});',
        '',
      ].join('\n'),
    );
    try {
      const { reports, result } = runUnit([PLANTED, SOME_UNIT_TESTS]);
      expect(result.status).not.toBe(0);
      expect(missingReports(GATES.unit, reports)).toEqual([]);
      const junit = declaredReport(GATES.unit, 'junit', reports);
      expect(junit).toMatch(/<testsuites [^>]*tests="3" failures="1"/);
      expect(junit).toMatch(/<testcase [^>]*name="adds two and two to five"[^>]*>\s*<failure/);
    } finally {
      rmSync(path.join(project.root, PLANTED), { force: true });
    }
  });
});
