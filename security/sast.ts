import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseCommandLine, runMain } from '../pipeline/kit/cli';
import { JunitTestCase, renderJunit } from '../pipeline/kit/junit';
import { reportDir } from '../pipeline/kit/reports';
import { PROJECT_ROOT } from '../pipeline/toolchain/paths';
import { requireTool } from '../pipeline/toolchain/probe';

/** semgrep's rule severities, lowest first. */
export const SEVERITIES = ['INFO', 'WARNING', 'ERROR'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The project's own rules, each with its `semgrep --test` fixture beside it. */
export const RULES_DIR = 'security/semgrep/rules';

/**
 * Vulnerable snippets in shapes the project's code does not use, each with a safe lookalike: every
 * rule's reach beyond the project's own code. Bad on purpose; the gate tests scan it.
 */
export const CORPUS_DIR = 'security/corpus';

export interface SastScanProps {
  /** The semgrep executable. */
  readonly semgrep: string;
  /** The project folder: targets, rules and the paths in findings are relative to it. */
  readonly root: string;
  /** Folders (or files) to scan. semgrep's default ignores apply: tests, node_modules, git-ignored files. */
  readonly targets: readonly string[];
  /** Where the SARIF report is written. */
  readonly sarifPath: string;
  /**
   * The lowest severity that blocks; findings below it are reported but pass.
   * @default 'WARNING'
   */
  readonly blockingSeverity?: Severity;
  /**
   * The rules folder.
   * @default RULES_DIR
   */
  readonly rulesDir?: string;
  /**
   * Folders never scanned: the rules' fixtures and the corpus are bad on purpose.
   * @default [rulesDir, CORPUS_DIR]
   */
  readonly excluded?: readonly string[];
}

export interface SastFinding {
  readonly ruleId: string;
  /** A semgrep severity; one this gate does not know blocks, so nothing is waved through. */
  readonly severity: string;
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export interface SastResult {
  /** The rules that ran, as the SARIF report lists them. */
  readonly rules: readonly string[];
  readonly findings: readonly SastFinding[];
  /** The findings at or above the blocking severity. */
  readonly blocking: readonly SastFinding[];
  readonly scannedFiles: number;
}

/** The part of semgrep's JSON output the gate reads. */
interface SemgrepOutput {
  readonly results: ReadonlyArray<{
    readonly check_id: string;
    readonly path: string;
    readonly start: { readonly line: number };
    readonly extra: { readonly severity: string; readonly message: string };
  }>;
  readonly errors: ReadonlyArray<{
    readonly level?: string;
    readonly type?: unknown;
    readonly message?: string;
    readonly path?: string;
  }>;
  readonly paths: { readonly scanned: readonly string[] };
}

/** The part of semgrep's SARIF report the gate reads: the rules that ran. */
interface SemgrepSarif {
  readonly runs: ReadonlyArray<{
    readonly tool: { readonly driver: { readonly rules?: ReadonlyArray<{ readonly id: string }> } };
  }>;
}

export function blocks(severity: string, threshold: Severity): boolean {
  const rank = SEVERITIES.indexOf(severity as Severity);
  return rank === -1 || rank >= SEVERITIES.indexOf(threshold);
}

/**
 * Runs semgrep offline over the targets with the project's rules only: no registry rules, no
 * metrics, no version check, so the scan is the same on every machine and reaches no network.
 */
export function scan(props: SastScanProps): SastResult {
  const rulesDir = props.rulesDir ?? RULES_DIR;
  const excluded = props.excluded ?? [rulesDir, CORPUS_DIR];
  const threshold = props.blockingSeverity ?? 'WARNING';
  const targets = props.targets.filter((target) => existsSync(path.resolve(props.root, target)));
  if (targets.length === 0) throw new Error(`none of the SAST targets exist: ${props.targets.join(', ')}`);

  const run = spawnSync(
    props.semgrep,
    [
      'scan',
      '--config',
      rulesDir,
      '--metrics=off',
      '--disable-version-check',
      '--no-rewrite-rule-ids',
      '--json',
      `--sarif-output=${props.sarifPath}`,
      ...excluded.flatMap((folder) => ['--exclude', folder]),
      ...targets,
    ],
    { cwd: props.root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  if (run.error) throw new Error(`semgrep could not start: ${run.error.message}`);
  if (run.status !== 0) {
    const cause = run.stderr.trim().split('\n').filter(Boolean).slice(-1)[0] ?? 'no output';
    throw new Error(`semgrep failed (exit ${run.status}): ${cause}`);
  }
  const output = JSON.parse(run.stdout) as SemgrepOutput;

  // A file semgrep could not analyse is a file nobody checked: that fails the gate too.
  const failures = output.errors.filter((e) => e.level === 'error');
  if (failures.length > 0) {
    const first = failures[0];
    throw new Error(
      `semgrep could not analyse ${first.path ?? 'the rules'}: ${first.message ?? JSON.stringify(first.type)}`,
    );
  }

  const findings = output.results
    .map((r) => ({
      ruleId: r.check_id,
      severity: r.extra.severity,
      file: r.path,
      line: r.start.line,
      message: r.extra.message.trim(),
    }))
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  const sarif = JSON.parse(readFileSync(props.sarifPath, 'utf8')) as SemgrepSarif;
  return {
    rules: sarif.runs.flatMap((sarifRun) => (sarifRun.tool.driver.rules ?? []).map((rule) => rule.id)),
    findings,
    blocking: findings.filter((f) => blocks(f.severity, threshold)),
    scannedFiles: output.paths.scanned.length,
  };
}

/** One line per finding: the rule, where, and the rule's first sentence (its full text is in the SARIF). */
export function describeFinding(finding: SastFinding): string {
  const firstSentence = finding.message.split(/(?<=\.)\s/)[0];
  return `${finding.severity} ${finding.ruleId} ${finding.file}:${finding.line} ${firstSentence}`;
}

/**
 * The scan as JUnit, one test case per rule that ran: a rule fails with its blocking findings,
 * one line each. semgrep's own JUnit has a case per finding instead, so a clean scan would hold
 * no test at all and a finding below the blocking severity would fail a report the gate passed.
 */
export function renderSastJunit(result: SastResult, blockingSeverity: Severity, seconds: number): string {
  const rules = [...new Set([...result.rules, ...result.findings.map((f) => f.ruleId)])].sort();
  const cases = rules.map((rule): JunitTestCase => {
    const blocking = result.blocking.filter((f) => f.ruleId === rule);
    return {
      name: rule,
      failure:
        blocking.length === 0
          ? undefined
          : {
              message: `${blocking.length} finding(s) at ${blockingSeverity} or above`,
              type: 'finding',
              details: blocking.map(describeFinding).join('\n'),
            },
    };
  });
  return renderJunit({ name: 'sast', suites: [{ name: 'sast', cases, seconds }] });
}

/** `sast [--severity WARNING] <folder>...`: exit 0 when nothing blocks, 1 on a blocking finding. */
async function main(): Promise<number> {
  const { values, positionals } = parseCommandLine(process.argv.slice(2), {
    severity: { type: 'string', default: 'WARNING' },
  });
  const severity = values.severity.toUpperCase();
  if (!SEVERITIES.includes(severity as Severity)) {
    throw new Error(`--severity must be one of ${SEVERITIES.join(', ')}, not ${values.severity}`);
  }
  if (positionals.length === 0) throw new Error('usage: sast.ts [--severity <level>] <folder>...');

  const semgrep = await requireTool('semgrep');
  const sarifPath = path.join(reportDir('sast'), 'semgrep.sarif');
  const started = performance.now();
  const result = scan({
    semgrep,
    root: PROJECT_ROOT,
    targets: positionals,
    sarifPath,
    blockingSeverity: severity as Severity,
  });
  writeFileSync(
    path.join(reportDir('sast'), 'junit.xml'),
    renderSastJunit(result, severity as Severity, (performance.now() - started) / 1000),
  );

  for (const finding of result.findings) {
    const note = result.blocking.includes(finding) ? '' : ' (below the blocking severity)';
    console.log(`sast: ${describeFinding(finding)}${note}`);
  }
  const report = path.relative(process.cwd(), sarifPath);
  if (result.blocking.length > 0) {
    console.log(
      `sast FAILED: ${result.blocking.length} finding(s) at ${severity} or above in ${result.scannedFiles} files; ` +
        `fix the code, or suppress one finding with a \`// nosemgrep: <rule-id> -- <reason>\` comment on its line; report: ${report}`,
    );
    return 1;
  }
  console.log(`sast passed: no finding at ${severity} or above in ${result.scannedFiles} files; report: ${report}`);
  return 0;
}

if (require.main === module) runMain(main);
