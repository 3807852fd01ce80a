import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { LoadSummary, readSummary } from './summary';
import { runMain } from '../pipeline/kit/cli';
import { workspace } from '../pipeline/kit/workspace';

/**
 * The load baselines: for each environment and scenario, the summary of the last release that
 * was promoted there. They are run state, not source: they live in the local engine's
 * git-ignored workspace, `.pipeline/baselines/<environment>/load-<scenario>.json`
 * (`B2_PIPELINE_DIR` moves the workspace), and only a promotion writes them. A load run reads
 * one through `B2_LOAD_BASELINE_ENVIRONMENT` (or an explicit file through `B2_LOAD_BASELINE`).
 */

/** The service's own rule for environment names (`service/src/config.ts`): also a safe folder name. */
const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{1,30}$/;

function checkEnvironment(environment: string): void {
  if (!ENVIRONMENT_NAME.test(environment)) {
    throw new Error(
      `'${environment}' is not an environment name (dev, staging, prod): lower-case letters, digits and -`,
    );
  }
}

/** The baseline of `scenario` (`current`, `tenfold`) in a baseline location (a folder). */
export function baselineFileIn(location: string, scenario: string): string {
  return path.join(location, `load-${scenario}.json`);
}

/** Where the baseline of `scenario` promoted to `environment` is kept in the workspace. */
export function baselineFile(environment: string, scenario: string): string {
  checkEnvironment(environment);
  return baselineFileIn(path.join(workspace.baselines(), environment), scenario);
}

export interface PromotionOptions {
  /** The release (commit or release id) the summary measured, recorded with the baseline. */
  readonly release?: string;
  /** @default now */
  readonly promotedAt?: Date;
}

/**
 * Makes a load run's summary the baseline of its scenario in `environment`. The engine calls
 * this after a release was promoted there, and nothing else moves a baseline: a failed run is
 * refused, and a run of a headroom step is not a gate scenario. The file is replaced in one
 * rename, so a reader never sees half a baseline.
 * @returns the baseline file written
 */
export function promoteBaseline(summaryPath: string, environment: string, options: PromotionOptions = {}): string {
  checkEnvironment(environment);
  const summary = readSummary(summaryPath);
  if (!summary.passed) {
    throw new Error(
      `${summaryPath} records a failed load run (${summary.failures[0] ?? 'failed'}): it cannot become the baseline`,
    );
  }
  if (summary.scenario.startsWith('step-')) {
    throw new Error(
      `${summaryPath} is a headroom step (${summary.scenario}), not a load gate's run: it cannot become a baseline`,
    );
  }
  const promoted: LoadSummary = {
    ...summary,
    promotion: {
      environment,
      ...(options.release ? { release: options.release } : {}),
      promotedAt: (options.promotedAt ?? new Date()).toISOString(),
    },
  };
  const file = baselineFile(environment, summary.scenario);
  mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, `${JSON.stringify(promoted, null, 2)}\n`);
  renameSync(partial, file);
  return file;
}

const USAGE = 'usage: load:promote-baseline --environment <name> [--release <id>] <summary.json>...';

/** `npx projen load:promote-baseline -- --environment prod --release <commit> reports/load-current/summary.json ...` */
async function main(): Promise<number> {
  // `npx projen <task> -- <args>` hands the `--` on as well.
  const args = process.argv.slice(2);
  const { values, positionals } = parseArgs({
    args: args[0] === '--' ? args.slice(1) : args,
    options: { environment: { type: 'string' }, release: { type: 'string' } },
    allowPositionals: true,
  });
  if (!values.environment || positionals.length === 0) throw new Error(USAGE);
  for (const summaryPath of positionals) {
    const file = promoteBaseline(summaryPath, values.environment, { release: values.release });
    const summary = readSummary(file);
    console.log(
      `baseline of load-${summary.scenario} in ${values.environment} is now ${summaryPath} ` +
        `(p95 ${summary.latencyMs.p95.toFixed(1)} ms at ${summary.achievedRate.toFixed(1)} req/s): ${file}`,
    );
  }
  return 0;
}

if (require.main === module) runMain(main);
