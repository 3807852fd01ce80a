import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GATES } from '../../pipeline/model/gates';
import { toolPath } from '../../pipeline/toolchain/probe';
import { CORPUS_DIR, RULES_DIR as RULES_FOLDER, scan } from '../../security/sast';
import { declaredReport, missingReports } from '../harness/gate-reports';
import { corpusFiles, describeFinding, expectedFindings, REQUEST_HANDLER_SNIPPETS } from '../harness/sast-corpus';
import { PROJECT_ROOT, ScratchProject } from '../harness/scratch-project';

const RULES_DIR = path.join(PROJECT_ROOT, RULES_FOLDER);

/** The rule ids, read from the rule files themselves so that a rule without tests cannot hide. */
const RULE_IDS = readdirSync(RULES_DIR)
  .filter((file) => file.endsWith('.yaml'))
  .flatMap((file) =>
    [...readFileSync(path.join(RULES_DIR, file), 'utf8').matchAll(/^\s*- id: (\S+)$/gm)].map((m) => m[1]),
  );

interface SemgrepTestReport {
  readonly config_missing_tests: readonly string[];
  readonly config_with_errors: readonly unknown[];
  readonly results: Record<
    string,
    {
      readonly checks: Record<
        string,
        {
          readonly passed: boolean;
          readonly matches: Record<string, { expected_lines: number[]; reported_lines: number[] }>;
        }
      >;
    }
  >;
}

describe('the semgrep rules of the project', () => {
  let report: SemgrepTestReport;
  beforeAll(() => {
    const run = spawnSync(
      toolPath('semgrep'),
      ['--test', '--json', '--metrics=off', '--disable-version-check', RULES_DIR],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    report = JSON.parse(run.stdout) as SemgrepTestReport;
  });

  it('each have a test file, and every rule file loads', () => {
    expect(RULE_IDS.length).toBeGreaterThanOrEqual(15);
    expect(report.config_missing_tests).toEqual([]);
    expect(report.config_with_errors).toEqual([]);
  });

  it.each(RULE_IDS)('%s reports exactly its ruleid: lines and none of its ok: lines', (ruleId) => {
    const check = Object.values(report.results)
      .map((result) => result.checks[ruleId])
      .find(Boolean);
    expect(check, `semgrep --test ran no test of ${ruleId}`).toBeDefined();
    const [testFile, lines] = Object.entries(check!.matches)[0];
    const fixture = readFileSync(testFile, 'utf8');

    expect(lines.expected_lines.length, 'a known-bad case proves the rule blocks').toBeGreaterThan(0);
    expect(fixture, 'a known-good case proves the rule passes good code').toContain(`ok: ${ruleId}`);
    expect(lines.reported_lines).toEqual(lines.expected_lines);
    expect(check!.passed).toBe(true);
  });
});

describe('the project rules on the SAST corpus', () => {
  const vulnerable = corpusFiles('vulnerable');
  const safe = corpusFiles('safe');
  const expected = vulnerable.flatMap((file) => expectedFindings(file, 'ruleid')).sort();

  it('holds a safe lookalike for every vulnerable snippet, and each snippet expects a finding', () => {
    expect(vulnerable.length).toBeGreaterThanOrEqual(12);
    expect(safe.map((file) => file.replace('.safe.ts', ''))).toEqual(
      vulnerable.map((file) => file.replace('.vulnerable.ts', '')),
    );
    for (const file of vulnerable) {
      const findings = [...expectedFindings(file, 'ruleid'), ...expectedFindings(file, 'lint')];
      expect(findings, `${file} expects no finding of either ruleset`).not.toEqual([]);
    }
    for (const file of safe) expect(expectedFindings(file, 'ruleid'), file).toEqual([]);
  });

  it('passes semgrep --test: every ruleid: line reported by its rules, nothing else in any file', () => {
    // semgrep --test pairs a rule file with the fixture of the same name; the corpus is tested against
    // every rule at once, so the rules are merged into one file. Given a rules folder and one file,
    // semgrep tests them against every file in that file's folder.
    const merged = mkdtempSync(path.join(tmpdir(), 'b2-sast-corpus-'));
    try {
      const rules = readdirSync(RULES_DIR)
        .filter((file) => file.endsWith('.yaml'))
        .map((file) => readFileSync(path.join(RULES_DIR, file), 'utf8').replace(/^rules:\n/, ''));
      writeFileSync(path.join(merged, 'corpus.yaml'), `rules:\n${rules.join('')}`);
      const run = spawnSync(
        toolPath('semgrep'),
        ['--test', '--json', '--metrics=off', '--disable-version-check', '--config', merged, vulnerable[0]],
        { cwd: PROJECT_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      );
      expect(run.stderr).not.toContain('rule id mismatch');
      const report = JSON.parse(run.stdout) as SemgrepTestReport;
      expect(report.config_with_errors).toEqual([]);
      const checks = Object.values(report.results).flatMap((result) => Object.entries(result.checks));
      const reported = checks
        .flatMap(([ruleId, check]) =>
          Object.entries(check.matches).flatMap(([file, lines]) =>
            lines.reported_lines.map((line) => describeFinding(path.relative(PROJECT_ROOT, file), line, ruleId)),
          ),
        )
        .sort();
      expect(reported).toEqual(expected);
      for (const [ruleId, check] of checks) expect(check.passed, ruleId).toBe(true);
    } finally {
      rmSync(merged, { recursive: true, force: true });
    }
  });

  it('makes the sast gate report every vulnerable snippet on its line, and no safe lookalike', () => {
    const reports = mkdtempSync(path.join(tmpdir(), 'b2-sast-corpus-reports-'));
    try {
      const result = scan({
        semgrep: toolPath('semgrep'),
        root: PROJECT_ROOT,
        targets: [CORPUS_DIR],
        sarifPath: path.join(reports, 'semgrep.sarif'),
        // The project's own scan skips the corpus; this one scans nothing else.
        excluded: [RULES_FOLDER],
      });
      expect(result.findings.map((f) => describeFinding(f.file, f.line, f.ruleId)).sort()).toEqual(expected);
      expect(result.blocking).toEqual(result.findings);
      expect(result.findings.filter((f) => f.file.endsWith('.safe.ts'))).toEqual([]);
    } finally {
      rmSync(reports, { recursive: true, force: true });
    }
  });
});

/** Request data evaluated as code, and a production table that is deleted with its stack. */
const PLANTED = `import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { Hono } from 'hono';

export const app = new Hono();
app.post('/calculate', async (c) => {
  const { formula } = await c.req.json<{ formula: string }>();
  return c.json({ value: eval(formula) as unknown });
});

export function table(scope: Construct): Table {
  return new Table(scope, 'Memories', {
    partitionKey: { name: 'pk', type: AttributeType.STRING },
    removalPolicy: RemovalPolicy.DESTROY,
  });
}
`;

/** A WARNING-level finding only: the token's issuer and audience are not checked. */
const WARNING_ONLY = `import { jwtVerify } from 'jose';

export async function subject(token: string, key: Uint8Array): Promise<string | undefined> {
  const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
  return payload.sub;
}
`;

describe('the sast gate', () => {
  let project: ScratchProject;
  let reports: string;
  beforeAll(() => {
    project = new ScratchProject();
  });
  afterAll(() => project.dispose());
  afterEach(() => {
    for (const file of ['planted.ts', 'planted-warning.ts', 'planted-request-handlers.ts']) {
      rmSync(path.join(project.root, 'service', 'src', file), { force: true });
    }
    rmSync(reports, { recursive: true, force: true });
  });
  const runSast = (args: string[] = []) => {
    reports = mkdtempSync(path.join(tmpdir(), 'b2-sast-reports-'));
    return project.run('sast', args, { B2_REPORTS_DIR: reports });
  };

  it('passes on the project tree and writes the SARIF and JUnit reports the model declares', () => {
    const result = runSast();
    expect(result.output).toContain('sast passed');
    expect(result.status).toBe(0);
    expect(missingReports(GATES.sast, reports)).toEqual([]);
    const sarif = JSON.parse(declaredReport(GATES.sast, 'sarif', reports));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results).toEqual([]);
    const junit = declaredReport(GATES.sast, 'junit', reports);
    expect(junit).toContain(`<testsuite name="sast" tests="${RULE_IDS.length}" failures="0"`);
    for (const ruleId of RULE_IDS) expect(junit).toContain(`name="${ruleId}"`);
  });

  it('fails on planted bad code and names each rule with its file and line, warnings included', () => {
    project.write('service/src/planted.ts', PLANTED);
    project.write('service/src/planted-warning.ts', WARNING_ONLY);
    const result = runSast();
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/ERROR b2-code-evaluation-non-literal service\/src\/planted\.ts:9 /);
    expect(result.output).toMatch(/ERROR b2-removal-policy-destroy-stateful service\/src\/planted\.ts:15 /);
    expect(result.output).toMatch(/WARNING b2-jwt-verify-without-issuer-audience service\/src\/planted-warning\.ts:4 /);
    expect(result.output).toContain('sast FAILED: 3 finding(s) at WARNING or above');

    expect(missingReports(GATES.sast, reports)).toEqual([]);
    const sarif = JSON.parse(declaredReport(GATES.sast, 'sarif', reports));
    const found = sarif.runs[0].results.map(
      (r: { ruleId: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }) =>
        `${r.ruleId} ${r.locations[0].physicalLocation.artifactLocation.uri}`,
    );
    expect(found).toEqual(
      expect.arrayContaining([
        'b2-code-evaluation-non-literal service/src/planted.ts',
        'b2-removal-policy-destroy-stateful service/src/planted.ts',
        'b2-jwt-verify-without-issuer-audience service/src/planted-warning.ts',
      ]),
    );

    const junit = declaredReport(GATES.sast, 'junit', reports);
    expect(junit).toContain(`<testsuite name="sast" tests="${RULE_IDS.length}" failures="3"`);
    expect(junit).toMatch(
      /name="b2-code-evaluation-non-literal"[^>]*>\s*<failure message="1 finding\(s\) at WARNING or above" type="finding">ERROR b2-code-evaluation-non-literal service\/src\/planted\.ts:9 /,
    );
    expect(junit).toMatch(
      /name="b2-jwt-verify-without-issuer-audience"[^>]*>\s*<failure [^>]*>WARNING b2-jwt-verify-without-issuer-audience service\/src\/planted-warning\.ts:4 /,
    );
  });

  it('fails on code evaluated from a standard Request and a filter concatenated from a parameter, naming each line', () => {
    project.write('service/src/planted-request-handlers.ts', REQUEST_HANDLER_SNIPPETS);
    const result = runSast();
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/ERROR b2-code-evaluation-non-literal service\/src\/planted-request-handlers\.ts:5 /);
    expect(result.output).toMatch(
      /ERROR b2-code-evaluation-non-literal service\/src\/planted-request-handlers\.ts:10 /,
    );
    expect(result.output).toMatch(/ERROR b2-dynamodb-expression-built service\/src\/planted-request-handlers\.ts:16 /);
    expect(result.output).toContain('sast FAILED: 3 finding(s) at WARNING or above');
  });

  it('lets a warning pass, reported, when only errors block', () => {
    project.write('service/src/planted-warning.ts', WARNING_ONLY);
    const result = runSast(['--severity', 'ERROR']);
    expect(result.output).toMatch(
      /WARNING b2-jwt-verify-without-issuer-audience service\/src\/planted-warning\.ts:4 .*\(below the blocking severity\)/,
    );
    expect(result.output).toContain('sast passed: no finding at ERROR or above');
    expect(result.status).toBe(0);
    // The report agrees with the gate: a finding below the blocking severity fails no test case.
    expect(declaredReport(GATES.sast, 'junit', reports)).toContain(
      `<testsuite name="sast" tests="${RULE_IDS.length}" failures="0"`,
    );
  });
});
