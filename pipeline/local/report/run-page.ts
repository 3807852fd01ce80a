import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DeliveryMetrics } from './history';
import { renderRunReport, TrendPoint } from './run-report';
import { loadResults, securityFindings } from './run-results';
import { GateName, GATES, LOAD_GATES } from '../../model';
import { readSummary, reportFile, runFolder, runIds, RunSummary } from '../run/run-record';

/** Earlier runs' load results, oldest first, for the trend. */
function loadTrend(upTo: RunSummary): TrendPoint[] {
  const ids = runIds()
    .filter((id) => id <= upTo.runId)
    .slice(-30);
  return ids.flatMap((id) => {
    const run = id === upTo.runId ? upTo : readSummary(id);
    return loadResults(run).map(({ environment, summary }) => ({
      runId: id,
      scenario: summary.scenario,
      environment,
      p95Ms: summary.latencyMs.p95,
      p99Ms: summary.latencyMs.p99,
      achievedRate: summary.achievedRate,
      errorRate: summary.errorRate,
      passed: summary.passed,
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
export function writeRunPage(run: RunSummary, delivery: DeliveryMetrics): void {
  const html = renderRunReport({
    run,
    load: loadResults(run),
    findings: securityFindings(run),
    delivery,
    trend: loadTrend(run),
    links: reportLinks(run),
  });
  writeFileSync(reportFile(run.runId), html);
}
