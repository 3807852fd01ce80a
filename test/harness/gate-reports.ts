import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Gate, ReportFormat } from '../../pipeline/model/gates';

/**
 * The pipeline model's view of a gate's reports, for the gate's own test: engines publish what
 * the model declares, so each gate test checks the gate wrote exactly those files.
 */

/** The reports the model declares for the gate that are not in the reports root: none when they agree. */
export function missingReports(gate: Gate, reportsRoot: string): string[] {
  return gate.reports.map((report) => report.path).filter((file) => !existsSync(path.join(reportsRoot, file)));
}

/** The text of the report the model declares for the gate in that format. */
export function declaredReport(gate: Gate, format: ReportFormat, reportsRoot: string): string {
  const report = gate.reports.find((r) => r.format === format);
  if (!report) throw new Error(`the model declares no ${format} report for ${gate.name}`);
  return readFileSync(path.join(reportsRoot, report.path), 'utf8');
}
