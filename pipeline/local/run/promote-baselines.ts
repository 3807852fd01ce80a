import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { productionOf } from './local-plan';
import { RunContext } from './run-context';
import { reportsOf, runFolder } from './run-record';
import { RELEASE_PARTS } from '../../../service/build/release';
import { runProjenTask } from '../../kit/task-process';
import { workspace } from '../../kit/workspace';
import { CONTRACT_BASELINE, PROMOTE_BASELINE_TASK } from '../../model';
import { loadResults } from '../report/run-results';

/**
 * After the release reached production, its passed load runs become the next runs' baselines,
 * and its API contract the one the next release's api-compat gate compares with, through the
 * same task the AWS pipeline's promote step runs. A failure here does not undo the release: it is
 * reported, and the old baselines stay.
 */
export async function promoteBaselines(context: RunContext): Promise<void> {
  const { run } = context;
  const production = productionOf(context.plan);
  const passed = loadResults(run).filter((result) => result.summary.passed);
  const summaries = passed.map((result) =>
    path.join(reportsOf(run.runId, result.environment), result.gate, 'summary.json'),
  );
  // The contract the release serves, as built into it (a given release may not be this checkout's code).
  const contract = path.join(run.release.dir, RELEASE_PARTS.contract);
  const contractArgs = existsSync(contract) ? ['--contract', contract] : [];
  if (summaries.length === 0 && contractArgs.length === 0) return;
  const log = path.join(runFolder(run.runId), 'logs', 'promote-baselines.log');
  const result = await runProjenTask(PROMOTE_BASELINE_TASK, {
    args: ['--', '--environment', production, '--release', run.release.id, ...contractArgs, ...summaries],
    log,
    timeoutMs: 2 * 60_000,
    signal: context.signal,
  });
  if (result.exitCode !== 0 || result.stoppedBecause) {
    context.log(
      `⚠ the load baselines were not moved (${result.stoppedBecause ?? `exit code ${result.exitCode}`}); log: ${log}`,
    );
    return;
  }
  for (const loaded of passed) {
    const file = path.join(workspace.baselines(), production, `${loaded.gate}.json`);
    run.baselinesPromoted.push(`${loaded.gate} (measured in ${loaded.environment}) → ${file}`);
  }
  if (contractArgs.length > 0) {
    run.baselinesPromoted.push(`API contract → ${path.join(workspace.baselines(), production, CONTRACT_BASELINE)}`);
  }
  context.journal.save();
}
