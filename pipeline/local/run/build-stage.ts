import * as path from 'node:path';
import { environmentStages } from './local-plan';
import { ProgressTask } from './progress';
import { RunContext } from './run-context';
import { StageFailure } from './run-journal';
import { runFolder } from './run-record';
import { DEFAULT_RELEASE_DIR } from '../../../service/build/release';
import { PIPELINE, STAGES_ASSEMBLY_DIR } from '../../model';
import { PROJECT_ROOT } from '../../toolchain/paths';
import { keepTemplates, runBuildTask, storeRelease } from '../release/release-build';

const DEFAULT_BUILD_TIMEOUT_MS = 10 * 60_000;

/**
 * Synthesizes each environment's stacks from the release and keeps their templates beside it,
 * for the approvals to compare with what is live. A synth that fails leaves the release without
 * them (its approval then says the infrastructure change is unknown); the infra gate fails on it.
 * @returns what the build step's line adds
 */
async function synthesizeTemplates(context: RunContext, task: ProgressTask): Promise<string> {
  const { run, plan, options } = context;
  const templatesTask = PIPELINE.build.templates;
  const log = path.join(runFolder(run.runId), 'logs', 'templates.log');
  task.output = `npx projen ${templatesTask}`;
  try {
    await runBuildTask(templatesTask, log, options.buildTimeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS, context.signal);
  } catch (err) {
    return `; templates not kept: ${(err as Error).message}`;
  }
  const environments = environmentStages(plan).map((s) => s.name);
  const missing = keepTemplates(path.join(PROJECT_ROOT, STAGES_ASSEMBLY_DIR), run.release.dir, environments);
  return missing.length
    ? `; no templates synthesized for ${missing.join(', ')}`
    : `; its templates kept for ${environments.join(', ')}`;
}

/**
 * The build stage: runs the model's build task (or takes the release folder the run was given)
 * and stores the release in the workspace under the run's release id.
 */
export async function buildStage(context: RunContext, task: ProgressTask): Promise<void> {
  const { run, plan, options, journal } = context;
  const startedAt = new Date();
  const buildStep = plan.stages.find((s) => s.name === 'build')?.steps.find((s) => s.kind === 'build');
  const buildTask = buildStep?.kind === 'build' ? buildStep.tasks.release : PIPELINE.build.release;
  const log = path.join(runFolder(run.runId), 'logs', 'build.log');
  const step = (status: 'passed' | 'failed', summary: string): void =>
    journal.step({
      id: 'build/build',
      stage: 'build',
      kind: 'build',
      status,
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      summary,
      task: buildTask,
      log: options.releaseDir ? undefined : path.relative(runFolder(run.runId), log),
    });
  let summary: string;
  try {
    if (options.releaseDir) {
      task.output = `using the release built in ${options.releaseDir}`;
      storeRelease(path.resolve(options.releaseDir), run.release.id, run.release.commit);
      summary = `release ${run.release.id} from ${options.releaseDir}`;
    } else {
      task.output = `npx projen ${buildTask}`;
      await runBuildTask(buildTask, log, options.buildTimeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS, context.signal);
      storeRelease(DEFAULT_RELEASE_DIR, run.release.id, run.release.commit);
      summary = `release ${run.release.id} built by \`npx projen ${buildTask}\``;
      summary += await synthesizeTemplates(context, task);
    }
  } catch (err) {
    step('failed', (err as Error).message);
    throw new StageFailure(`build failed: ${(err as Error).message}`, 'failed');
  }
  step('passed', summary);
  task.title = `build: ${summary}`;
}
