import * as path from 'node:path';
import { localGateEnvironment } from './gate-inputs';
import { longestFirst } from './gate-order';
import { runGate } from './gate-runner';
import { Wave, productionOf } from './local-plan';
import { ProgressTask, runSideBySide } from './progress';
import { RunContext } from './run-context';
import { reportsOf, runFolder } from './run-record';
import { workspace } from '../../kit/workspace';
import { GateStep } from '../../model';
import { couldNotCheck } from '../report/run-results';

/** What a gate process is told: the inputs its contract declares, from this run and the environment it checks. */
function gateEnv(context: RunContext, step: GateStep, scope: string): Record<string, string> {
  return localGateEnvironment(step, {
    reportsDir: reportsOf(context.run.runId, scope),
    environmentUrl: step.environment ? context.environments.client(step.environment.name).url : undefined,
    releaseVersion: context.run.release.commit,
    baselineLocation: path.join(workspace.baselines(), productionOf(context.plan)),
  });
}

/** Runs one gate step and records it; resolves to the failure line, or undefined when it passed (or was waived). */
async function runGateStep(
  context: RunContext,
  step: GateStep,
  scope: string,
  signal: AbortSignal,
  task: ProgressTask,
): Promise<string | undefined> {
  const { run, options, journal } = context;
  const result = await runGate(step.gate, {
    scope,
    logDir: path.join(runFolder(run.runId), 'logs'),
    env: gateEnv(context, step, scope),
    timeoutMs: options.gateTimeoutMs ?? step.gate.timeoutMinutes * 60_000,
    signal,
    reportsDir: reportsOf(run.runId, scope),
  });
  const log = path.relative(runFolder(run.runId), result.log);
  const status =
    result.status === 'failed' && couldNotCheck(step.gate, reportsOf(run.runId, scope)) ? 'unavailable' : result.status;
  const waiver = status === 'unavailable' && options.waive?.gates.includes(step.gate.name) ? options.waive : undefined;
  if (waiver) run.waivers.push({ gate: step.id, by: waiver.by, reason: waiver.reason });
  journal.step({
    id: step.id,
    stage: scope,
    kind: 'gate',
    status,
    startedAt: result.startedAt,
    durationMs: result.durationMs,
    summary: waiver ? `${result.summary} — waived by ${waiver.by}: ${waiver.reason}` : result.summary,
    task: step.gate.task,
    log,
    exitCode: result.exitCode,
  });
  if (waiver) {
    task.title = `${scope} › ${step.gate.name}: could not check, waived by ${waiver.by}`;
    return undefined;
  }
  if (status !== 'passed') {
    const verdict = status === 'unavailable' ? 'could not check' : status;
    return `${step.id} ${verdict}: ${result.summary || `exit code ${result.exitCode}`} (log: ${path.join(runFolder(run.runId), log)})`;
  }
  task.title = `${scope} › ${step.gate.name}: passed`;
  return undefined;
}

/**
 * Runs waves of gates, each wave's gates side by side and longest first (from recent runs);
 * resolves to what failed, if anything did.
 */
export async function runWaves(
  context: RunContext,
  parent: ProgressTask,
  waves: readonly Wave[],
  scope: string,
  signal: AbortSignal,
): Promise<string | undefined> {
  for (const wave of waves) {
    if (signal.aborted) return String(signal.reason);
    const failures: string[] = [];
    await runSideBySide(
      parent,
      longestFirst(wave, context.gateDurations).map((step) => ({
        title: `${scope} › ${step.gate.name}`,
        task: async (_c, task) => {
          const failure = await runGateStep(context, step, scope, signal, task);
          if (failure) {
            failures.push(failure);
            throw new Error(failure);
          }
        },
      })),
      Math.min(context.parallelism, wave.length),
    );
    if (failures.length > 0) return failures.join('; ');
  }
  return undefined;
}
