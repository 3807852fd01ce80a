import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { projectFiles } from '../pipeline/checks/project-copy';
import { parseCommandLine, runMain } from '../pipeline/kit/cli';
import { JunitTestCase, renderJunit } from '../pipeline/kit/junit';
import { reportDir } from '../pipeline/kit/reports';
import { PROJECT_ROOT } from '../pipeline/toolchain/paths';
import { requireTool } from '../pipeline/toolchain/probe';

/** gitleaks' default rules extended with the project's one reviewed allowlist. */
export const GITLEAKS_CONFIG = 'security/gitleaks.toml';

/** The two scans, each one run of the SARIF report, told apart by the run's automation id. */
const SCANS = {
  tree: { id: 'secrets/working-tree/', name: 'no secret in the working tree' },
  history: { id: 'secrets/git-history/', name: 'no secret in the git history' },
} as const;

export interface SecretScanProps {
  /** The gitleaks executable. */
  readonly gitleaks: string;
  /** The project folder (a git work tree). */
  readonly root: string;
  /** The gitleaks config, relative to root. */
  readonly config: string;
  /** Where the SARIF report (one run per scan) is written. */
  readonly sarifPath: string;
  /** Where the JUnit report (one test case per scan) is written. */
  readonly junitPath: string;
  /**
   * `git log` options choosing the commits scanned, e.g. `origin/main..HEAD` for a change.
   * @default - every commit of every branch
   */
  readonly logOpts?: string;
}

export interface SecretFinding {
  readonly ruleId: string;
  readonly file: string;
  readonly line: number;
  /** The commit that added it; undefined for the working tree. */
  readonly commit?: string;
}

export interface SecretScanResult {
  readonly findings: readonly SecretFinding[];
  /** Files in the working tree scan, and whether the history was scanned (no commits: nothing to scan). */
  readonly treeFiles: number;
  readonly historyScanned: boolean;
}

/** The part of a SARIF log the gate reads and writes. */
interface SarifLog {
  readonly version: string;
  readonly $schema?: string;
  readonly runs: Array<{
    automationDetails?: { id: string };
    readonly results?: ReadonlyArray<{
      readonly ruleId: string;
      readonly locations?: ReadonlyArray<{
        readonly physicalLocation?: {
          readonly artifactLocation?: { readonly uri?: string };
          readonly region?: { readonly startLine?: number };
        };
      }>;
      readonly partialFingerprints?: { readonly commitSha?: string };
    }>;
  }>;
}

/**
 * Runs gitleaks with the secret redacted from its output and report. Inline `gitleaks:allow`
 * comments are not honoured: the reviewed config is the only allowlist.
 */
function gitleaks(props: SecretScanProps, cwd: string, args: string[], report: string): SarifLog {
  const run = spawnSync(
    props.gitleaks,
    [
      ...args,
      '--config',
      path.join(props.root, props.config),
      '--report-format',
      'sarif',
      '--report-path',
      report,
      '--redact',
      '--no-banner',
      '--ignore-gitleaks-allow',
      '--log-level',
      'warn',
      // Leaks are read from the report; a non-zero exit is then always gitleaks failing.
      '--exit-code',
      '0',
    ],
    { cwd, encoding: 'utf8' },
  );
  if (run.error) throw new Error(`gitleaks could not start: ${run.error.message}`);
  if (run.status !== 0) {
    const cause = `${run.stdout}\n${run.stderr}`.trim().split('\n').filter(Boolean).slice(-1)[0] ?? 'no output';
    throw new Error(`gitleaks ${args[0]} failed (exit ${run.status}): ${cause}`);
  }
  return JSON.parse(readFileSync(report, 'utf8')) as SarifLog;
}

function findingsOf(log: SarifLog): SecretFinding[] {
  return log.runs.flatMap((run) =>
    (run.results ?? []).map((result) => {
      const location = result.locations?.[0]?.physicalLocation;
      const commit = result.partialFingerprints?.commitSha;
      return {
        ruleId: result.ruleId,
        file: location?.artifactLocation?.uri ?? '(unknown file)',
        line: location?.region?.startLine ?? 0,
        commit: commit ? commit : undefined,
      };
    }),
  );
}

function hasCommits(root: string): boolean {
  return spawnSync('git', ['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd: root }).status === 0;
}

/**
 * Scans the working tree as git sees it (tracked and new files, nothing git ignores, so no
 * node_modules, tools or build output) and the git history, into one SARIF log with one run each.
 */
export function scanForSecrets(props: SecretScanProps): SecretScanResult {
  const started = performance.now();
  const work = mkdtempSync(path.join(tmpdir(), 'b2-secrets-'));
  try {
    // gitleaks' directory scan reads every file under a folder; a copy of exactly the files git
    // sees keeps it to what a commit can contain, with the same relative paths.
    const tree = path.join(work, 'tree');
    const files = projectFiles(props.root);
    for (const file of files) {
      mkdirSync(path.dirname(path.join(tree, file)), { recursive: true });
      copyFileSync(path.join(props.root, file), path.join(tree, file));
    }
    const treeLog = gitleaks(props, tree, ['dir', '.'], path.join(work, 'tree.sarif'));
    for (const run of treeLog.runs) run.automationDetails = { id: SCANS.tree.id };

    const logs = [treeLog];
    const historyScanned = hasCommits(props.root);
    if (historyScanned) {
      const logOpts = props.logOpts ? [`--log-opts=${props.logOpts}`] : [];
      const historyLog = gitleaks(props, props.root, ['git', '.', ...logOpts], path.join(work, 'history.sarif'));
      for (const run of historyLog.runs) run.automationDetails = { id: SCANS.history.id };
      logs.push(historyLog);
    }

    const merged: SarifLog = { ...treeLog, runs: logs.flatMap((log) => log.runs) };
    writeFileSync(props.sarifPath, `${JSON.stringify(merged, null, 2)}\n`);
    writeFileSync(props.junitPath, renderSecretsJunit(merged, (performance.now() - started) / 1000));
    return { findings: findingsOf(merged), treeFiles: files.length, historyScanned };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function describeFinding(finding: SecretFinding): string {
  const where = finding.commit ? `in commit ${finding.commit.slice(0, 12)}` : 'in the working tree';
  return `${finding.ruleId} ${finding.file}:${finding.line} ${where}`;
}

/**
 * The SARIF report as JUnit: one test case per scan, failing with one line per finding (rule,
 * file and line, never the secret). A scan that did not run (no commits yet) is skipped.
 */
function renderSecretsJunit(log: SarifLog, seconds: number): string {
  const cases = Object.values(SCANS).map((scan): JunitTestCase => {
    const runs = log.runs.filter((run) => run.automationDetails?.id === scan.id);
    if (runs.length === 0) return { name: scan.name, skipped: 'not scanned: the repository has no commits yet' };
    const findings = findingsOf({ ...log, runs });
    return {
      name: scan.name,
      failure:
        findings.length === 0
          ? undefined
          : {
              message: `${findings.length} secret(s)`,
              type: 'secret',
              details: findings.map(describeFinding).join('\n'),
            },
    };
  });
  return renderJunit({ name: 'secrets', suites: [{ name: 'secrets', cases, seconds }] });
}

/** `secrets [--log-opts <git log options>]`: exit 0 when no secret is found, 1 when one is. */
async function main(): Promise<number> {
  const { values } = parseCommandLine(process.argv.slice(2), { 'log-opts': { type: 'string' } });
  const sarifPath = path.join(reportDir('secrets'), 'gitleaks.sarif');
  const result = scanForSecrets({
    gitleaks: await requireTool('gitleaks'),
    root: PROJECT_ROOT,
    config: GITLEAKS_CONFIG,
    sarifPath,
    junitPath: path.join(reportDir('secrets'), 'junit.xml'),
    logOpts: values['log-opts'],
  });

  const report = path.relative(process.cwd(), sarifPath);
  const history = result.historyScanned
    ? `the git history (${values['log-opts'] ?? 'every commit'})`
    : 'no git history (no commits yet)';
  for (const finding of result.findings) console.log(`secrets: ${describeFinding(finding)}`);
  if (result.findings.length > 0) {
    console.log(
      `secrets FAILED: ${result.findings.length} secret(s) in ${result.treeFiles} files and ${history}; ` +
        `remove each and rotate it (a committed secret stays in the history: rewrite it or treat the secret as leaked); ` +
        `a planted test fixture goes in ${GITLEAKS_CONFIG}'s allowlist; report: ${report}`,
    );
    return 1;
  }
  console.log(`secrets passed: no secret in ${result.treeFiles} files and ${history}; report: ${report}`);
  return 0;
}

if (require.main === module) runMain(main);
