import * as path from 'node:path';
import { productionOf } from './local-plan';
import { RunContext } from './run-context';
import { reportsOf, runFolder } from './run-record';
import { runProjenTask } from '../../kit/task-process';
import { workspace } from '../../kit/workspace';
import { PROMOTE_BASELINE_TASK } from '../../model';
import { loadResults } from '../report/run-results';

/**
 * After the release reached production, its passed load runs become the next runs' baselines,
 * through the same task the AWS pipeline's promote step runs. A failure here does not undo the
 * release: it is reported, and the old baseline stays.
 */
export async function promoteBaselines(context: RunContext): Promise<void> {
  const { run } = context;
  const production = productionOf(context.plan);
  const passed = loadResults(run).filter((result) => result.summary.passed);
  if (passed.length === 0) return;
  const summaries = passed.map((result) =>
    path.join(reportsOf(run.runId, result.environment), result.gate, 'summary.json'),
  );
  const log = path.join(runFolder(run.runId), 'logs', 'promote-baselines.log');
  const result = await runProjenTask(PROMOTE_BASELINE_TASK, {
    args: ['--', '--environment', production, '--release', run.release.id, ...summaries],
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
  context.journal.save();
}
