import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { RegressionTolerance } from './budget';
import { LoadPlan } from './plan';
import { renderLoadJunit, renderReportHtml } from './report';
import { loadReportCharts } from './report-charts';
import { BaselineLookup, LoadSummary } from './summary';
import { readK6TimeSeries, TimeSeries } from './timeseries';
import type { TrendEntry } from './trend';
import { evaluateRun, K6SummaryExport, THRESHOLD_EXIT_CODE, Verdict } from './verdict';
import { renderFigure } from '../pipeline/kit/charts';
import { readCpuTimes, stealShare } from '../pipeline/kit/host-cpu';
import { requireTool } from '../pipeline/toolchain/probe';

/** The k6 script: one user session per iteration. */
export const SESSION_SCRIPT = path.join(__dirname, 'k6', 'session.ts');

export const REPORT_FILES = {
  plan: 'plan.json',
  k6Summary: 'k6-summary.json',
  summary: 'summary.json',
  junit: 'junit.xml',
  report: 'report.html',
  dashboard: 'dashboard.html',
  timeseries: 'timeseries.json',
} as const;

/** The report's time buckets: a few seconds, so a 30-second run still shows its shape. */
const BUCKET_SECONDS = 2;

/**
 * The accounts a run signs in with: `load-<runId>-<n>@example.com`, all with one password that
 * lives only in this process and k6's environment. Consecutive runs (the headroom steps) share
 * one pool and register only the users the earlier runs did not.
 */
export interface LoadUserPool {
  readonly runId: string;
  readonly password: string;
  /** How many of the pool's users exist already. */
  registered: number;
}

export function newUserPool(): LoadUserPool {
  return {
    runId: `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`,
    password: randomBytes(18).toString('base64url'),
    registered: 0,
  };
}

export interface LoadRunOptions {
  readonly plan: LoadPlan;
  readonly target: string;
  readonly reportDir: string;
  /** The last promoted release's run, or why there is none. */
  readonly baseline: BaselineLookup;
  readonly tolerance: RegressionTolerance;
  /**
   * The reference baseline, or why there is none.
   * @default none (a run with no baseline either says why once)
   */
  readonly reference?: BaselineLookup;
  /** @default REFERENCE_REGRESSION_TOLERANCE */
  readonly referenceTolerance?: RegressionTolerance;
  /** Export k6's web dashboard as HTML. @default true */
  readonly dashboard?: boolean;
  /** Show k6's live progress. @default only on a terminal */
  readonly progress?: boolean;
  /** @default a new pool for this run alone */
  readonly users?: LoadUserPool;
  /** The scenario's last promotions, oldest first, for the report's trend. @default none */
  readonly trend?: readonly TrendEntry[];
  /**
   * Leave a run the host starved unjudged (a gate, which measures again); otherwise the share the
   * host took is only recorded (a headroom step). @default false
   */
  readonly notJudgedOnStarvedHost?: boolean;
}

/**
 * The k6 script and the plan module it imports are TypeScript with extensionless imports (as
 * the type-checker wants them); k6 resolves only paths with extensions, so the script is
 * bundled into one ES module first, leaving k6's own modules to k6.
 */
async function bundleScript(outDir: string): Promise<string> {
  const outfile = path.join(outDir, 'session.js');
  await build({
    entryPoints: [SESSION_SCRIPT],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2020',
    external: ['k6', 'k6/*'],
    logLevel: 'error',
  });
  return outfile;
}

/** The target must answer before k6 starts: an unreachable environment is not a load result. */
export async function assertReachable(target: string): Promise<void> {
  try {
    const res = await fetch(`${target}/health`, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`GET /health answered ${res.status}`);
  } catch (err) {
    const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
    throw new Error(`the target ${target} is unreachable (${cause}): is the environment running?`);
  }
}

function runK6(k6: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(k6, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** k6's exit codes other than "passed" and "threshold crossed": the run itself did not complete. */
const K6_EXIT_MEANING: Record<number, string> = {
  100: 'setup() timed out',
  104: 'the k6 options are invalid',
  105: 'the run was stopped from outside',
  107: 'the script threw an exception',
  108: 'the script aborted the run',
};

/** Runs one plan with k6 and writes the gate's reports: plan, k6 export, summary, JUnit, page, dashboard. */
export async function runLoad(options: LoadRunOptions): Promise<Verdict> {
  const { plan, reportDir } = options;
  const k6 = await requireTool('k6');
  await assertReachable(options.target);
  const files = Object.fromEntries(
    Object.entries(REPORT_FILES).map(([key, name]) => [key, path.join(reportDir, name)]),
  ) as Record<keyof typeof REPORT_FILES, string>;
  for (const file of Object.values(files)) rmSync(file, { force: true });
  writeFileSync(files.plan, `${JSON.stringify(plan, null, 2)}\n`);

  const scratch = mkdtempSync(path.join(tmpdir(), 'b2-k6-'));
  try {
    const script = await bundleScript(scratch);
    const dashboard = options.dashboard ?? true;
    const progress = options.progress ?? Boolean(process.stdout.isTTY);
    const users = options.users ?? newUserPool();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      K6_NO_USAGE_REPORT: 'true',
      // Through the environment rather than `-e`, so the password is not on k6's command line.
      B2_LOAD_PASSWORD: users.password,
      B2_LOAD_USERS_REGISTERED: String(users.registered),
      ...(dashboard
        ? {
            K6_WEB_DASHBOARD: 'true',
            // No live port: the gate runs unattended, and a port could collide with a parallel run.
            K6_WEB_DASHBOARD_PORT: '-1',
            K6_WEB_DASHBOARD_PERIOD: '2s',
            K6_WEB_DASHBOARD_EXPORT: files.dashboard,
          }
        : { K6_WEB_DASHBOARD: 'false' }),
    };
    const args = [
      'run',
      ...(progress ? [] : ['--quiet']),
      '--summary-export',
      files.k6Summary,
      // Every request's sample, for the report's pictures over time (bucketed, then deleted with the scratch folder).
      '--out',
      `json=${path.join(scratch, 'k6-points.json')}`,
      '-e',
      `B2_LOAD_PLAN=${files.plan}`,
      '-e',
      `B2_API_URL=${options.target}`,
      '-e',
      `B2_LOAD_RUN=${users.runId}`,
      script,
    ];
    const startedAt = new Date().toISOString();
    const cpuBefore = readCpuTimes();
    const exitCode = await runK6(k6, args, env);
    const steal = stealShare(cpuBefore, readCpuTimes());
    // setup() ran to the end unless k6 stopped in it (100, 107, 108): the pool now holds the plan's users.
    if (exitCode === 0 || exitCode === THRESHOLD_EXIT_CODE) users.registered = Math.max(users.registered, plan.users);
    if (exitCode !== 0 && exitCode !== THRESHOLD_EXIT_CODE) {
      throw new Error(
        `k6 stopped with exit code ${exitCode} (${K6_EXIT_MEANING[exitCode] ?? 'see its output above'}) before the run completed`,
      );
    }
    if (!existsSync(files.k6Summary)) throw new Error(`k6 exited ${exitCode} without writing ${files.k6Summary}`);
    const k6Summary = JSON.parse(readFileSync(files.k6Summary, 'utf8')) as K6SummaryExport;
    const verdict = evaluateRun(
      {
        plan,
        k6: k6Summary,
        k6ExitCode: exitCode,
        target: options.target,
        startedAt,
        ...(steal === undefined ? {} : { host: { steal, judgeStarved: !options.notJudgedOnStarvedHost } }),
      },
      {
        baseline: options.baseline,
        tolerance: options.tolerance,
        reference: options.reference,
        referenceTolerance: options.referenceTolerance,
      },
    );
    const series = await readK6TimeSeries(path.join(scratch, 'k6-points.json'), BUCKET_SECONDS, plan.warmupSeconds);
    await writeReports(verdict.summary, series, options.trend ?? [], files, dashboard && existsSync(files.dashboard));
    return verdict;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * How many times a gate runs its load before a host that starved every run fails it unjudged.
 */
export const RUNS_ON_A_STARVED_HOST = 3;

/**
 * Runs a gate's load until a run is judged: again while the host starved it (`HostDuringRun`),
 * at most `RUNS_ON_A_STARVED_HOST` times, saying so each time. Whether to run again depends on
 * the host alone, never on the result; after the last run the verdict is that run's, unjudged
 * when the host starved it too.
 */
export async function untilJudged(runOnce: () => Promise<Verdict>, log: (line: string) => void): Promise<Verdict> {
  for (let run = 1; ; run++) {
    const verdict = await runOnce();
    const host = verdict.summary.host;
    if (host?.judged !== false || run >= RUNS_ON_A_STARVED_HOST) return verdict;
    log(
      `run ${run} of ${RUNS_ON_A_STARVED_HOST} not judged: the host took ${host.stealPercent}% of this machine's CPU (steal) while k6 ran; running again`,
    );
  }
}

async function writeReports(
  summary: LoadSummary,
  series: TimeSeries,
  trend: readonly TrendEntry[],
  files: Record<keyof typeof REPORT_FILES, string>,
  dashboard: boolean,
): Promise<void> {
  writeFileSync(files.summary, `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(files.timeseries, `${JSON.stringify(series)}\n`);
  writeFileSync(files.junit, renderLoadJunit(summary));
  const figures = await Promise.all(loadReportCharts(summary, series, trend).map(renderFigure));
  writeFileSync(
    files.report,
    renderReportHtml(
      summary,
      { dashboard: dashboard ? REPORT_FILES.dashboard : undefined, summary: REPORT_FILES.summary },
      figures,
    ),
  );
}

/** One line a person reads first: what was planned, what was achieved, how fast. */
export function describeRun(summary: LoadSummary): string {
  const l = summary.latencyMs;
  return (
    `scenario ${summary.scenario}: ${summary.targetRate} req/s planned, ${summary.achievedRate.toFixed(1)} achieved ` +
    `(${summary.requests} requests in ${summary.durationSeconds} s); p50 ${l.p50.toFixed(1)} ms, p95 ${l.p95.toFixed(1)} ms, ` +
    `p99 ${l.p99.toFixed(1)} ms; errors ${(summary.errorRate * 100).toFixed(2)}%` +
    (summary.host ? `; the host took ${summary.host.stealPercent}% of this machine's CPU (steal)` : '')
  );
}

/** Each endpoint's p50 and p95, and which failed. */
export function describeEndpoints(summary: LoadSummary): string {
  const endpoints = Object.entries(summary.endpoints ?? {}).map(
    ([name, e]) => `${name} ${e.p50.toFixed(1)}/${e.p95.toFixed(1)} ms${e.passed === false ? ' FAILED' : ''}`,
  );
  return `per endpoint (p50/p95): ${endpoints.join(', ') || 'none measured'}`;
}

function describeComparison(what: string, b: LoadSummary['baseline'], note: string | undefined): string {
  if (!b) return `${what}: ${note ?? 'none'}`;
  const sign = b.p95ChangePercent > 0 ? '+' : '';
  const slower = Object.entries(b.endpoints ?? {})
    .filter(([, e]) => !e.passed)
    .map(([name]) => name);
  return (
    `${what}: p95 ${sign}${b.p95ChangePercent}% against ${b.p95.toFixed(1)} ms (tolerance ${b.tolerancePercent}%), ` +
    `${slower.length ? `slower: ${slower.join(', ')}` : 'no endpoint slower'}, from ${b.source}`
  );
}

/** Against the last promoted release, and against the reference baseline: one line each. */
export function describeBaseline(summary: LoadSummary): string {
  return [
    describeComparison('baseline', summary.baseline, summary.baselineNote),
    describeComparison('reference', summary.reference, summary.referenceNote ?? 'not compared'),
  ].join('\n');
}
