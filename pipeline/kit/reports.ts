import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../toolchain/paths';

/**
 * Where a gate writes its reports: `<reports root>/<gate>/`. The reports root is `reports/`
 * in the project, or the run's own folder when an engine sets `B2_REPORTS_DIR`.
 */
export function reportsRoot(): string {
  return process.env.B2_REPORTS_DIR ? path.resolve(process.env.B2_REPORTS_DIR) : path.join(PROJECT_ROOT, 'reports');
}

/** The report folder of one gate, created if missing. */
export function reportDir(gate: string): string {
  const dir = path.join(reportsRoot(), gate);
  mkdirSync(dir, { recursive: true });
  return dir;
}
