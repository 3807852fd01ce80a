import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DeliveryMetrics, readHistory } from './history';
import { canaryBeside, endpointTrend, runTimeline } from './run-charts';
import { renderRunReport, TrendPoint } from './run-report';
import { loadResults, securityFindings } from './run-results';
import { Chart, renderFigure } from '../../kit/charts';
import { workspace } from '../../kit/workspace';
import { GateName, GATES, LOAD_GATES } from '../../model';
import { Evidence } from '../approval/approvals';
import { readSummary, reportFile, runFolder, runIds, RunSummary } from '../run/run-record';

/** The evidence each approval of the run was shown (`evidence-<environment>.json` in the run folder). */
function approvalEvidence(run: RunSummary): Evidence[] {
  const folder = runFolder(run.runId);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => /^evidence-.+\.json$/.test(f))
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(folder, f), 'utf8')) as Evidence);
}

/** How many earlier runs that promoted a release the trend shows. */
const TREND_RUNS = 10;

/** The load results of the last runs that promoted a release, and this run's, oldest first, for the trend. */
function loadTrend(upTo: RunSummary): TrendPoint[] {
  const earlier = runIds()
    .filter((id) => id < upTo.runId)
    .map(readSummary)
    .filter((run) => run.outcome === 'promoted')
    .slice(-TREND_RUNS);
  return [...earlier, upTo].flatMap((run) => {
    const id = run.runId;
    return loadResults(run).map(({ environment, summary }) => ({
      runId: id,
      scenario: summary.scenario,
      environment,
      p95Ms: summary.latencyMs.p95,
      p99Ms: summary.latencyMs.p99,
      achievedRate: summary.achievedRate,
      errorRate: summary.errorRate,
      passed: summary.passed,
      endpoints: Object.fromEntries(Object.entries(summary.endpoints ?? {}).map(([name, e]) => [name, e.p95])),
      referenceEndpoints: Object.fromEntries(
        Object.entries(summary.reference?.endpoints ?? {}).map(([name, e]) => [name, e.p95]),
      ),
    }));
  });
}

/** The files the gates left that a person opens: Playwright's report, k6's pages, SARIF, SBOM. */
function reportLinks(run: RunSummary): { label: string; href: string }[] {
  return run.steps
    .filter((s) => s.kind === 'gate')
    .flatMap((s) => {
      const gate = GATES[s.id.split('/')[1] as GateName];
      if (!gate) return [];
      const files = [...gate.reports.map((r) => ({ format: r.format as string, path: r.path }))];
      if (LOAD_GATES.includes(gate.name)) {
        files.push({ format: 'k6 web dashboard', path: `${gate.name}/dashboard.html` });
      }
      return files
        .map((r) => ({
          label: `${s.stage} › ${gate.name}: ${r.format === 'html' && gate.name === 'e2e' ? 'Playwright report' : r.format} (${path.basename(r.path)})`,
          href: path.join('reports', s.stage, r.path),
        }))
        .filter((l) => existsSync(path.join(runFolder(run.runId), l.href)));
    });
}

/** Renders the run's page from its summary and what its gates left, into the run folder. */
export async function writeRunPage(run: RunSummary, delivery: DeliveryMetrics): Promise<void> {
  const trend = loadTrend(run);
  const draw = (chart: Chart | undefined): Promise<string | undefined> =>
    chart ? renderFigure(chart) : Promise.resolve(undefined);
  const scenarios = [...new Set(trend.map((p) => p.scenario))];
  const [timeline, canaries, trends] = await Promise.all([
    draw(runTimeline(run)),
    Promise.all(run.deployments.map((d) => draw(canaryBeside(d)))),
    Promise.all(scenarios.map((scenario) => draw(endpointTrend(trend, scenario)))),
  ]);
  const present = (figures: (string | undefined)[]): string[] => figures.filter((f): f is string => f !== undefined);
  const html = renderRunReport({
    run,
    load: loadResults(run),
    findings: securityFindings(run),
    delivery,
    trend,
    links: reportLinks(run),
    figures: { timeline, canaries: present(canaries), trends: present(trends) },
    evidence: approvalEvidence(run),
    rollbacksOnDemand: (readHistory(workspace.history()).rollbacks ?? []).filter(
      (r) => r.fromReleaseId === run.release.id || r.toReleaseId === run.release.id,
    ),
  });
  writeFileSync(reportFile(run.runId), html);
}
