import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { LoadSummary, readSummary as readLoadSummary } from '../../../loadtest/summary';
import { API_CHANGES_REPORT, ApiContractChange, readApiContractChange } from '../../kit/api-contract-change';
import { compareStacks, InfrastructureChange, readStageTemplates } from '../../kit/infrastructure-change';
import { Gate, GATES, GateName, LOAD_GATES } from '../../model';
import { Evidence } from '../approval/approvals';
import { releaseTemplatesDir } from '../release/release-build';
import { reportsOf, RunSummary, runFolder } from '../run/run-record';
import { commitsBetween } from '../run/source';

/**
 * What the gates of a run left in its reports folder, read back for the approval's evidence
 * and the run's page: the k6 summaries and the security findings.
 */

export interface LoadResult {
  readonly gate: string;
  readonly environment: string;
  readonly summary: LoadSummary;
  /** Relative to the run folder. */
  readonly report?: string;
  readonly dashboard?: string;
}

/** A gate's reports folder inside the run, relative to the run folder. */
export function gateReportsDir(runId: string, scope: string, gate: string): string {
  return path.relative(runFolder(runId), path.join(reportsOf(runId, scope), gate));
}

const present = (runId: string, relative: string): string | undefined =>
  existsSync(path.join(runFolder(runId), relative)) ? relative : undefined;

/** Every load summary the run's gates wrote, in the order the gates ran. */
export function loadResults(run: RunSummary): LoadResult[] {
  return run.steps
    .filter((step) => step.kind === 'gate' && LOAD_GATES.includes(step.id.split('/')[1] as GateName))
    .flatMap((step) => {
      const [environment, gate] = step.id.split('/');
      const dir = gateReportsDir(run.runId, environment, gate);
      const file = path.join(runFolder(run.runId), dir, 'summary.json');
      if (!existsSync(file)) return [];
      try {
        return [
          {
            gate,
            environment,
            summary: readLoadSummary(file),
            report: present(run.runId, path.join(dir, 'report.html')),
            dashboard: present(run.runId, path.join(dir, 'dashboard.html')),
          },
        ];
      } catch {
        return [];
      }
    });
}

/**
 * Whether a failed gate said it could not check rather than that it found something. The
 * model names an exit code for that, but `npx projen` turns every failure into exit code 1, so
 * the engine reads the gate's own JSON report, which records `"status": "unavailable"`.
 */
export function couldNotCheck(gate: Gate, reportsRoot: string): boolean {
  if (gate.unavailableExitCode === undefined) return false;
  return gate.reports
    .filter((r) => r.format === 'json')
    .some((r) => {
      try {
        const report = JSON.parse(readFileSync(path.join(reportsRoot, r.path), 'utf8')) as { status?: string };
        return report.status === 'unavailable';
      } catch {
        return false;
      }
    });
}

export interface Finding {
  readonly gate: string;
  readonly rule: string;
  readonly level: string;
  readonly message: string;
  readonly location?: string;
}

export interface GateFindings {
  readonly gate: string;
  /** The report the findings were read from, relative to the run folder. */
  readonly report: string;
  readonly findings: readonly Finding[];
  /** For a report that counts rather than lists (the dependency audit): severity → count. */
  readonly counts?: Readonly<Record<string, number>>;
  /** The gate's own verdict line, when its report has one. */
  readonly note?: string;
}

interface Sarif {
  runs?: {
    results?: {
      ruleId?: string;
      level?: string;
      message?: { text?: string };
      locations?: { physicalLocation?: { artifactLocation?: { uri?: string }; region?: { startLine?: number } } }[];
    }[];
  }[];
}

function sarifFindings(gate: string, file: string): Finding[] {
  const sarif = JSON.parse(readFileSync(file, 'utf8')) as Sarif;
  return (sarif.runs ?? []).flatMap((run) =>
    (run.results ?? []).map((r) => {
      const where = r.locations?.[0]?.physicalLocation;
      return {
        gate,
        rule: r.ruleId ?? 'unknown rule',
        level: r.level ?? 'warning',
        message: (r.message?.text ?? '').split('\n')[0],
        location: where?.artifactLocation?.uri
          ? `${where.artifactLocation.uri}${where.region?.startLine ? `:${where.region.startLine}` : ''}`
          : undefined,
      };
    }),
  );
}

interface AuditReport {
  status?: string;
  cause?: string;
  npmAudit?: { metadata?: { vulnerabilities?: Record<string, number> } };
}

/** The deps gate's report: its verdict, and npm audit's advisory counts by severity when it got them. */
function auditFindings(file: string): { counts?: Record<string, number>; note?: string } {
  const audit = JSON.parse(readFileSync(file, 'utf8')) as AuditReport;
  return {
    counts: audit.npmAudit?.metadata?.vulnerabilities,
    note: audit.status ? `${audit.status}${audit.cause ? `: ${audit.cause}` : ''}` : undefined,
  };
}

/** The security gates' findings, from the SARIF and audit reports the model says they write. */
export function securityFindings(run: RunSummary): GateFindings[] {
  const results: GateFindings[] = [];
  for (const step of run.steps.filter((s) => s.kind === 'gate' && s.stage === 'pre-deploy')) {
    const gate = GATES[step.id.split('/')[1] as GateName];
    if (!gate) continue;
    for (const report of gate.reports) {
      const relative = path.relative(runFolder(run.runId), path.join(reportsOf(run.runId, 'pre-deploy'), report.path));
      const file = path.join(runFolder(run.runId), relative);
      if (!existsSync(file)) continue;
      try {
        if (report.format === 'sarif') {
          results.push({ gate: gate.name, report: relative, findings: sarifFindings(gate.name, file) });
        } else if (report.format === 'json' && gate.name === 'deps') {
          results.push({ gate: gate.name, report: relative, findings: [], ...auditFindings(file) });
        }
      } catch {
        results.push({
          gate: gate.name,
          report: relative,
          findings: [{ gate: gate.name, rule: 'report', level: 'error', message: 'the report could not be read' }],
        });
      }
    }
  }
  return results;
}

/** The release live in an environment, as an approval compares with it. */
export interface LiveRelease {
  readonly id: string;
  readonly commit: string;
  readonly dir: string;
}

/**
 * The environment's stacks as the candidate changes them: its templates, kept beside it, against
 * those kept beside the release live there (against none when nothing is live yet).
 */
export function infrastructureChangeFor(
  run: RunSummary,
  environment: string,
  live: LiveRelease | undefined,
): InfrastructureChange {
  const candidate = readStageTemplates(releaseTemplatesDir(run.release.dir, environment));
  const current = live ? readStageTemplates(releaseTemplatesDir(live.dir, environment)) : [];
  const unknownReason = !candidate
    ? `release ${run.release.id} has no templates for ${environment} (the build's synth failed, or the release was given without them)`
    : `the live release ${live?.id} has no templates kept for ${environment} (it was delivered before they were kept, or given without them)`;
  return compareStacks({
    environment,
    candidateRelease: run.release.id,
    liveRelease: live?.id,
    candidate,
    live: current,
    unknownReason,
  });
}

/**
 * The API contract change the api-compat gate wrote in this run (`API_CHANGES_REPORT` under
 * its reports folder), from the last scope it ran in; undefined when it did not run.
 */
export function apiContractChangeOf(run: RunSummary): ApiContractChange | undefined {
  const scopes = ['pre-deploy', ...new Set(run.steps.map((s) => s.stage))];
  const files = scopes
    .map((scope) => path.join(reportsOf(run.runId, scope), API_CHANGES_REPORT))
    .filter((file) => existsSync(file));
  const last = files[files.length - 1];
  return last ? readApiContractChange(last) : undefined;
}

/**
 * What the approver of `environment` sees: every gate result so far, the k6 numbers against
 * the last promoted release, the commits since the release live there now, what the release
 * does to the environment's infrastructure and to the API contract.
 */
export function evidenceFor(run: RunSummary, environment: string, live: LiveRelease | undefined): Evidence {
  const liveCommit = live?.commit;
  const liveSha = liveCommit?.replace(/-dirty$/, '');
  const apiContract = apiContractChangeOf(run);
  return {
    runId: run.runId,
    commit: run.version,
    environment,
    gates: run.steps
      .filter((s) => s.kind === 'gate')
      .map((s) => ({
        gate: s.id.split('/')[1],
        scope: s.stage,
        status: s.status,
        durationMs: Math.round(s.durationMs),
        summary: s.summary,
      })),
    load: loadResults(run).map(({ environment: env, summary }) => ({
      scenario: summary.scenario,
      environment: env,
      p95Ms: summary.latencyMs.p95,
      p99Ms: summary.latencyMs.p99,
      achievedRate: summary.achievedRate,
      targetRate: summary.targetRate,
      errorRate: summary.errorRate,
      ...(summary.baseline
        ? { p95ChangePercent: summary.baseline.p95ChangePercent, baselineP95Ms: summary.baseline.p95 }
        : {}),
    })),
    liveCommit,
    commitsSinceLive: commitsBetween(liveSha, run.commit),
    waivers: run.waivers ?? [],
    infrastructure: infrastructureChangeFor(run, environment, live),
    ...(apiContract ? { apiContract } : {}),
  };
}
