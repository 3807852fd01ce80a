import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { parseCommandLine, runMain } from '../pipeline/kit/cli';
import { readJsonFile } from '../pipeline/kit/json-file';
import { reportDir } from '../pipeline/kit/reports';
import { GATES } from '../pipeline/model/gates';
import { PROJECT_ROOT } from '../pipeline/toolchain/paths';

/** npm's advisory severities, lowest first. */
export const AUDIT_LEVELS = ['info', 'low', 'moderate', 'high', 'critical'] as const;
export type AuditLevel = (typeof AUDIT_LEVELS)[number];

/** Where a project keeps its reviewed audit decisions (npm-audit-resolver's format, version 1). */
export const DECISIONS_FILE = 'security/audit-resolve.json';

/** The exit code of "the advisory service could not be reached": the gate could not check. */
const UNAVAILABLE = GATES.deps.unavailableExitCode ?? 3;

export interface DependencyAuditProps {
  /** The folder with the package.json and package-lock.json to audit (nothing needs installing). */
  readonly project: string;
  /** The decisions file applied by check-audit. */
  readonly decisionsFile: string;
  /** The lowest advisory severity that blocks when no decision covers it. */
  readonly auditLevel: AuditLevel;
  /** The folder that receives audit.json and sbom.cdx.json. */
  readonly reportDir: string;
  /**
   * The registry whose advisory service answers.
   * @default - npm's configured registry
   */
  readonly registry?: string;
}

/** One advisory check-audit left unresolved, as it reports it. */
interface UnresolvedAdvisory {
  readonly id: number;
  readonly name: string;
  readonly title: string;
  readonly url: string;
  readonly severity: string;
  readonly paths: readonly string[];
  readonly resolutions: ReadonlyArray<{ readonly path: string; readonly resolution: string }>;
}

export type AuditVerdict =
  | { readonly status: 'passed'; readonly advisories: number; readonly resolved: number; readonly below: number }
  | { readonly status: 'blocked'; readonly blocking: readonly UnresolvedAdvisory[] }
  | { readonly status: 'unavailable'; readonly cause: string };

/**
 * The decisions file, stricter than npm-audit-resolver's own schema: every decision says why,
 * and every decision expires, so an ignored advisory comes back for review.
 */
const Decisions = z.object({
  version: z.literal(1),
  decisions: z.record(
    z.string().regex(/^\d+\|\S+$/, 'keys are "<advisory id>|<dependency path>"'),
    z.object({
      decision: z.enum(['ignore', 'postpone', 'fix']),
      reason: z.string({ error: 'every decision gives its reason' }).trim().min(1, 'every decision gives its reason'),
      madeAt: z.number().int().optional(),
      expiresAt: z
        .number({ error: 'every decision has an expiresAt (milliseconds since 1970)' })
        .int('expiresAt is in whole milliseconds since 1970'),
    }),
  ),
  rules: z.record(z.string(), z.unknown()).optional(),
});

function readDecisions(file: string): z.infer<typeof Decisions> {
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: create it with {"version": 1, "decisions": {}} (no decisions yet)`);
  }
  return readJsonFile(file, Decisions, 'a file of dependency decisions');
}

function bin(name: string): string {
  return path.join(PROJECT_ROOT, 'node_modules', '.bin', name);
}

function lastLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')
      .filter((l) => l.trim())
      .slice(-1)[0] ?? 'no output'
  );
}

function requireLockfile(project: string): void {
  const lockfile = path.join(project, 'package-lock.json');
  if (!existsSync(lockfile)) {
    throw new Error(`${lockfile} is missing: npm audit reads the lockfile; run \`npm install\``);
  }
}

/** The CycloneDX SBOM of the production dependencies, from the lockfile the release installs from. */
function writeSbom(project: string, file: string): void {
  const run = spawnSync(
    bin('cyclonedx-npm'),
    [
      '--omit',
      'dev',
      '--package-lock-only',
      '--validate',
      '--output-format',
      'JSON',
      '--output-file',
      file,
      'package.json',
    ],
    { cwd: project, encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`the SBOM could not be written: ${lastLine(`${run.stdout}\n${run.stderr}`)}`);
}

/**
 * npm audit and check-audit read package.json, package-lock.json and `audit-resolve.json` from
 * their working folder; a scratch folder lets the decisions live in `security/` and leaves the
 * project untouched.
 */
function auditWorkspace(props: DependencyAuditProps): string {
  const workspace = mkdtempSync(path.join(tmpdir(), 'b2-deps-'));
  for (const file of ['package.json', 'package-lock.json', '.npmrc']) {
    if (existsSync(path.join(props.project, file))) {
      copyFileSync(path.join(props.project, file), path.join(workspace, file));
    }
  }
  copyFileSync(props.decisionsFile, path.join(workspace, 'audit-resolve.json'));
  return workspace;
}

/**
 * A service that accepts the request and never answers must not hold the pipeline for npm's
 * default of five minutes per attempt: one minute, one retry. The bulk answer for this project
 * takes seconds.
 */
const FETCH_TIMEOUT_MS = 60_000;
const FETCH_RETRIES = 1;
/** The last resort for a run that still does not end (npm audit asks once, check-audit once more). */
const RUN_TIMEOUT_MS = (FETCH_RETRIES + 1) * FETCH_TIMEOUT_MS + 60_000;

function npmArgs(props: DependencyAuditProps): string[] {
  return [
    `--fetch-timeout=${FETCH_TIMEOUT_MS}`,
    `--fetch-retries=${FETCH_RETRIES}`,
    ...(props.registry ? [`--registry=${props.registry}`] : []),
  ];
}

function timedOut(run: SpawnSyncReturns<string>): boolean {
  return (run.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
}

const NO_ANSWER = `no answer within ${RUN_TIMEOUT_MS / 1000} s`;

function parseJson(run: SpawnSyncReturns<string>, what: string): unknown {
  try {
    return JSON.parse(run.stdout);
  } catch {
    throw new Error(`${what} printed no JSON (exit ${run.status}): ${lastLine(run.stderr || run.stdout)}`);
  }
}

interface NpmAuditReport {
  readonly vulnerabilities?: Record<string, { readonly via: ReadonlyArray<unknown> }>;
  readonly metadata?: { readonly vulnerabilities?: Record<string, number> };
  readonly message?: string;
  readonly error?: unknown;
}

/** The distinct advisories of an npm audit report (a package lists its own under `via`). */
function advisoryIds(report: NpmAuditReport): Set<number> {
  const ids = new Set<number>();
  for (const vulnerability of Object.values(report.vulnerabilities ?? {})) {
    for (const via of vulnerability.via) {
      if (typeof via === 'object' && via && typeof (via as { source?: unknown }).source === 'number') {
        ids.add((via as { source: number }).source);
      }
    }
  }
  return ids;
}

function rank(severity: string): number {
  const at = AUDIT_LEVELS.indexOf(severity as AuditLevel);
  // An unknown severity blocks: nothing is waved through because it is unfamiliar.
  return at === -1 ? AUDIT_LEVELS.length : at;
}

/**
 * Audits production and development dependencies with `npm audit`, applies the decisions with
 * npm-audit-resolver's `check-audit`, and writes `audit.json` and the production SBOM
 * `sbom.cdx.json` into the report folder on every run, whatever the verdict.
 */
export function auditDependencies(props: DependencyAuditProps): AuditVerdict {
  const record = <V extends AuditVerdict | { status: 'error'; cause: string }>(verdict: V, npmAudit?: unknown): V => {
    const report = {
      gate: GATES.deps.name,
      project: props.project,
      registry: props.registry ?? 'npm default',
      auditLevel: props.auditLevel,
      decisionsFile: props.decisionsFile,
      ...verdict,
      npmAudit,
    };
    writeFileSync(path.join(props.reportDir, 'audit.json'), `${JSON.stringify(report, null, 2)}\n`);
    return verdict;
  };
  try {
    requireLockfile(props.project);
    writeSbom(props.project, path.join(props.reportDir, 'sbom.cdx.json'));
    readDecisions(props.decisionsFile);
    return audit(props, record);
  } catch (err) {
    record({ status: 'error', cause: (err as Error).message });
    throw err;
  }
}

function audit(
  props: DependencyAuditProps,
  record: (verdict: AuditVerdict, npmAudit: unknown) => AuditVerdict,
): AuditVerdict {
  const workspace = auditWorkspace(props);
  try {
    const npmAudit = spawnSync('npm', ['audit', '--json', ...npmArgs(props)], {
      cwd: workspace,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: RUN_TIMEOUT_MS,
    });
    if (timedOut(npmAudit)) return record({ status: 'unavailable', cause: NO_ANSWER }, undefined);
    const report = parseJson(npmAudit, 'npm audit') as NpmAuditReport;
    // npm audit reports a failed request to the advisory endpoint (refused, timed out, an
    // error status, an answer that is not a report) as a JSON error and no vulnerabilities.
    if (report.error !== undefined || report.vulnerabilities === undefined) {
      const cause = report.message || lastLine(npmAudit.stderr);
      return record({ status: 'unavailable', cause }, report);
    }

    const check = spawnSync(
      'node',
      [
        path.join(PROJECT_ROOT, 'node_modules', 'npm-audit-resolver', 'check.js'),
        '--json',
        `--audit-level=${props.auditLevel}`,
        ...npmArgs(props),
      ],
      {
        cwd: workspace,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
        timeout: RUN_TIMEOUT_MS,
      },
    );
    if (timedOut(check)) return record({ status: 'unavailable', cause: NO_ANSWER }, report);
    if (check.status !== 0 && check.status !== 1) {
      // check-audit asks npm audit again; the service can fail in between.
      const cause = lastLine(check.stderr);
      if (/'npm audit' failed/.test(check.stderr)) return record({ status: 'unavailable', cause }, report);
      throw new Error(`check-audit failed (exit ${check.status}): ${cause}`);
    }
    const unresolved = parseJson(check, 'check-audit') as UnresolvedAdvisory[];
    const expired = (a: UnresolvedAdvisory) => a.resolutions.some((r) => r.resolution === 'expired');
    const blocking = unresolved.filter((a) => expired(a) || rank(a.severity) >= rank(props.auditLevel));
    if (blocking.length > 0) return record({ status: 'blocked', blocking }, report);

    const advisories = advisoryIds(report).size;
    return record(
      { status: 'passed', advisories, resolved: advisories - unresolved.length, below: unresolved.length },
      report,
    );
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

export function describeBlocking(advisory: UnresolvedAdvisory): string {
  const paths = advisory.resolutions.map((r) => `${r.path}${r.resolution === 'expired' ? ' (decision expired)' : ''}`);
  return (
    `${advisory.severity} ${advisory.name}: ${advisory.title} (advisory ${advisory.id}, ${advisory.url}) ` +
    `via ${paths.join(', ')}; decision key "${advisory.id}|${advisory.resolutions[0]?.path ?? advisory.name}"`
  );
}

/**
 * `deps [--audit-level high] [--project <dir>] [--registry <url>] [--decisions <file>]`: exit 0
 * when nothing blocks, 1 when an advisory or an expired decision blocks, 3 when the advisory
 * service could not be reached (never a pass), 2 on any other error.
 */
async function main(): Promise<number> {
  const { values } = parseCommandLine(process.argv.slice(2), {
    'audit-level': { type: 'string', default: 'high' },
    project: { type: 'string', default: PROJECT_ROOT },
    registry: { type: 'string' },
    decisions: { type: 'string' },
  });
  const auditLevel = values['audit-level'] as AuditLevel;
  if (!AUDIT_LEVELS.includes(auditLevel)) {
    throw new Error(`--audit-level must be one of ${AUDIT_LEVELS.join(', ')}, not ${values['audit-level']}`);
  }
  const project = path.resolve(values.project);
  const decisionsFile = path.resolve(project, values.decisions ?? DECISIONS_FILE);
  const dir = reportDir('deps');
  const verdict = auditDependencies({ project, decisionsFile, auditLevel, reportDir: dir, registry: values.registry });
  const reports = `${path.relative(process.cwd(), dir)}/{audit.json,sbom.cdx.json}`;

  switch (verdict.status) {
    case 'unavailable':
      console.error(
        `advisory service unreachable: ${verdict.cause}; the dependencies were NOT checked and the gate fails ` +
          `(run it where the registry's audit endpoint answers, or pass --registry <url>); reports: ${reports}`,
      );
      return UNAVAILABLE;
    case 'blocked':
      for (const advisory of verdict.blocking) console.log(`deps: ${describeBlocking(advisory)}`);
      console.log(
        `deps FAILED: ${verdict.blocking.length} advisory(ies) unresolved at ${auditLevel} or above or with an expired decision; ` +
          `upgrade, or record a decision with its reason and expiresAt in ${path.relative(process.cwd(), decisionsFile)}; reports: ${reports}`,
      );
      return 1;
    case 'passed':
      console.log(
        `deps passed: ${verdict.advisories} advisory(ies), ${verdict.resolved} covered by unexpired decisions, ` +
          `${verdict.below} unresolved below ${auditLevel}; reports: ${reports}`,
      );
      return 0;
  }
}

if (require.main === module) runMain(main);
