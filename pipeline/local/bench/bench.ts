import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { Benchmark, benchmarkLines, benchmarkRecord, Measured } from './bench-report';
import { parseCommandLine, runMain } from '../../kit/cli';
import { reportDir } from '../../kit/reports';
import { runCommand, runProjenTask } from '../../kit/task-process';
import { workspace } from '../../kit/workspace';
import { PIPELINE, planFor } from '../../model';
import { PROJECT_ROOT } from '../../toolchain/paths';
import { readHistory } from '../report/history';
import { productionOf } from '../run/local-plan';
import { readSummary, runIds, RunSummary } from '../run/run-record';

/**
 * `npx projen bench [-- --without-ci] [--allow-dirty]`: one measurement of the speeds a person
 * waits for, on this machine, as they run them:
 *
 * - a full delivery of a second release (the README's main job, with the approval given up
 *   front), from which the pre-deploy wall and each gate's time are taken (the engine's record);
 *   when no release is live in prod yet, a first delivery runs before it, so the one measured is
 *   a blue/green change everywhere;
 * - CI: the README's test command (`npx projen test`, with `CI=true`, the tools already
 *   installed, as CI's installer leaves them), unless `--without-ci`.
 *
 * It prints each beside its target and writes `reports/bench/bench.json`. A benchmark, not a
 * test: the numbers are this machine's, and nothing fails on them.
 */

const OPTIONS = { 'without-ci': { type: 'boolean' }, 'allow-dirty': { type: 'boolean' } } as const;
const HOUR_MS = 3_600_000;
const DELIVERY_ARGS = ['--approve', '--by', 'bench', '--comment', 'benchmark run', '--waive', 'deps'];

function promotedToProd(): boolean {
  const prod = productionOf(planFor(PIPELINE));
  return readHistory(workspace.history()).runs.some((run) =>
    run.deployments.some((d) => d.environment === prod && d.outcome === 'promoted'),
  );
}

/** One delivery through the engine, as the README's main job runs it; resolves to its run's record. */
async function deliver(
  reports: string,
  label: string,
  allowDirty: boolean,
): Promise<Measured & { runId: string; summary: RunSummary }> {
  const before = new Set(runIds());
  const log = path.join(reports, `${label}.log`);
  console.log(
    `${label}: npx projen pipeline -- ${DELIVERY_ARGS.join(' ')}${allowDirty ? ' --allow-dirty' : ''} (log: ${path.relative(PROJECT_ROOT, log)})`,
  );
  const result = await runProjenTask('pipeline', {
    args: ['--', ...DELIVERY_ARGS, ...(allowDirty ? ['--allow-dirty'] : [])],
    log,
    timeoutMs: HOUR_MS,
  });
  const runId = runIds().find((id) => !before.has(id));
  if (!runId) throw new Error(`the ${label} started no run (exit code ${result.exitCode}): see ${log}`);
  const summary = readSummary(runId);
  const failure =
    summary.outcome === 'promoted'
      ? undefined
      : `the run ended ${summary.outcome}: ${summary.reason ?? 'see its report'}`;
  return { wallMs: result.durationMs, runId, summary, failure };
}

async function main(): Promise<number> {
  const { values } = parseCommandLine(process.argv.slice(2), OPTIONS);
  const allowDirty = values['allow-dirty'] ?? false;
  const reports = reportDir('bench');
  mkdirSync(reports, { recursive: true });
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
  const at = new Date().toISOString();

  const warmUp = promotedToProd() ? undefined : await deliver(reports, 'warm-up', allowDirty);
  if (warmUp?.failure) {
    throw new Error(`the warm-up delivery did not promote (${warmUp.failure}), so no second release can be measured`);
  }
  const run = await deliver(reports, 'delivery', allowDirty);

  let ci: Benchmark['ci'];
  if (!values['without-ci']) {
    const log = path.join(reports, 'ci.log');
    console.log(`CI: CI=true npx projen test (log: ${path.relative(PROJECT_ROOT, log)})`);
    const result = await runCommand('npx', ['projen', 'test'], { env: { CI: 'true' }, log, timeoutMs: 2 * HOUR_MS });
    ci = {
      command: 'CI=true npx projen test',
      wallMs: result.durationMs,
      failure: result.exitCode === 0 ? undefined : `exit code ${result.exitCode}: see ${log}`,
    };
  }

  const bench: Benchmark = {
    at,
    cores: availableParallelism(),
    commit,
    warmUp: warmUp && { wallMs: warmUp.wallMs, runId: warmUp.runId, failure: warmUp.failure },
    run,
    ci,
  };
  writeFileSync(path.join(reports, 'bench.json'), `${JSON.stringify(benchmarkRecord(bench), null, 2)}\n`);
  console.log(
    [
      '',
      ...benchmarkLines(bench),
      '',
      `written: ${path.relative(PROJECT_ROOT, path.join(reports, 'bench.json'))}`,
    ].join('\n'),
  );
  return run.failure || ci?.failure ? 1 : 0;
}

runMain(main);
