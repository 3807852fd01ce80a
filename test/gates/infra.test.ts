import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Stage } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATES } from '../../pipeline/model/gates';
import { addComplianceChecks } from '../../stages/compliance';
import { environment } from '../../stages/config';
import { declaredReport, missingReports } from '../harness/gate-reports';
import { PROJECT_ROOT } from '../harness/scratch-project';
import { fixtureStage, removeTestAssemblies } from '../unit/stages/stage-synthesis';

const TSX = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
/** Everything a test here writes besides the cloud assembly. */
const scratch = mkdtempSync(path.join(tmpdir(), 'b2-infra-'));

interface LintReport {
  readonly templates: string[];
  readonly errors: number;
  readonly findings: { Filename: string; Level: string; Rule: { Id: string } }[];
}

/** Runs the `check:infra` linter over a cloud assembly, with its reports in a folder of their own. */
function lintTemplates(assembly: string, env: NodeJS.ProcessEnv = {}) {
  const reports = mkdtempSync(path.join(scratch, 'reports-'));
  const result = spawnSync(process.execPath, [TSX, 'stages/checks/lint-templates.ts', assembly], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, B2_REPORTS_DIR: reports, ...env },
    timeout: 240_000,
  });
  const read = (): LintReport => JSON.parse(declaredReport(GATES.infra, 'json', reports)) as LintReport;
  const junit = (): string => declaredReport(GATES.infra, 'junit', reports);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, report: read, junit, reports };
}

describe('the infra gate', () => {
  let assembly: string;

  beforeAll(() => {
    // Synthesized as `cdk synth` does: with the compliance checks, which would throw on a finding.
    const stage = fixtureStage(environment('prod'));
    const app = stage.node.root as Stage;
    addComplianceChecks(app);
    app.synth();
    assembly = app.outdir;
  });

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
    removeTestAssemblies();
  });

  it('passes every template of the synthesized prod stage with zero cfn-lint errors', () => {
    const run = lintTemplates(assembly);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = run.report();
    expect(report.errors).toBe(0);
    // Data, backup copy (in the second region), monitoring, API and web.
    expect(report.templates).toHaveLength(5);
    expect(run.stdout).toContain('cfn-lint: 5 templates, 0 errors');

    expect(missingReports(GATES.infra, run.reports)).toEqual([]);
    const junit = run.junit();
    expect(junit).toContain('<testsuite name="cfn-lint" tests="5" failures="0"');
    for (const template of report.templates) expect(junit).toContain(`name="${template}" time="0"/>`);
  });

  it('fails a template with a planted error, naming the rule and the file', () => {
    // The assembly's manifests and templates, without the assets.
    const broken = path.join(scratch, 'broken');
    cpSync(assembly, broken, { recursive: true, filter: (source) => !path.basename(source).startsWith('asset.') });
    const stageDir = readdirSync(broken).find((entry) => entry.startsWith('assembly-'))!;
    const dataFile = readdirSync(path.join(broken, stageDir)).find((f) => /Data.*\.template\.json$/.test(f))!;
    const dataTemplate = path.join(broken, stageDir, dataFile);
    const template = JSON.parse(readFileSync(dataTemplate, 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const table = Object.values(template.Resources).find((r) => r.Type === 'AWS::DynamoDB::Table')!;
    table.Properties.BillingMode = 'PAY_PER_MOOD';
    writeFileSync(dataTemplate, JSON.stringify(template, null, 1));

    const run = lintTemplates(broken);
    expect(run.status).toBe(1);
    const report = run.report();
    expect(report.errors).toBeGreaterThanOrEqual(1);
    expect(report.templates).toHaveLength(5);
    expect(report.findings).toContainEqual(
      expect.objectContaining({ Level: 'Error', Filename: expect.stringContaining(dataFile) }),
    );
    expect(run.stdout).toMatch(/error E\d+ .*Data\w*\.template\.json:\d+ .*PAY_PER_MOOD/);

    expect(missingReports(GATES.infra, run.reports)).toEqual([]);
    const junit = run.junit();
    expect(junit).toContain('<testsuite name="cfn-lint" tests="5" failures="1"');
    expect(junit).toMatch(
      new RegExp(
        `name="${stageDir}/${dataFile}"[^>]*>\\s*<failure message="${report.errors} cfn-lint error\\(s\\)" type="cfn-lint">[^<]*E\\d+ ${stageDir}/${dataFile}:\\d+ .*PAY_PER_MOOD`,
      ),
    );
  });

  it('says in one line how to install cfn-lint when it is missing', () => {
    const noTools = path.join(scratch, 'no-tools');
    mkdirSync(noTools);
    const run = lintTemplates(assembly, { B2_TOOLS_DIR: noTools });
    expect(run.status).not.toBe(0);
    expect(run.stderr.trim()).toBe('error: cfn-lint is not installed: run `npx projen tools:install cfn-lint`');
  });
});
