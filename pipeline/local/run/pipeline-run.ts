import { existsSync, renameSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { buildStage } from './build-stage';
import { deployStage } from './deploy-stage';
import { finishRun } from './finish';
import { recentGateDurations } from './gate-order';
import { runWaves } from './gate-waves';
import { EnvironmentStage, environmentStages, preDeployWaves, skippedGates, withOnlyGates } from './local-plan';
import { ProgressItem, ProgressTask, runWithProgress } from './progress';
import { promoteBaselines } from './promote-baselines';
import { RunContext, RunOptions } from './run-context';
import { RunJournal, StageFailure } from './run-journal';
import {
  acquireRunLock,
  EXIT_CODE,
  latestAwaitingRun,
  newRunId,
  readSummary,
  recentSummaries,
  runAwaitingJudgement,
  runFolder,
  RunSummary,
} from './run-record';
import { currentSource } from './source';
import { workspace } from '../../kit/workspace';
import { GateName, PIPELINE, PipelinePlan, planFor } from '../../model';
import { probe } from '../../toolchain/probe';
import { ToolName } from '../../toolchain/versions';
import { awaitingApprovalLines, decideApproval, recordCommandDecision } from '../approval/approval-stage';
import { Decision } from '../approval/approvals';
import { LocalEnvironments } from '../environments/local-environments';
import { describeShift } from '../environments/traffic-shift';
import { recordJudgementDecision } from '../judgement/marginal-decision';
import { pruneReleases } from '../release/release-build';
import { readHistory } from '../report/history';
import { liveSequence } from '../rollback/rollback-plan';

export type { RunOptions } from './run-context';

/** How many of the newest runs the gate order is taken from. */
const RUNS_TIMED = 20;

/** How many of the releases last live in each environment are kept for a rollback on demand. */
const ROLLBACK_TARGETS_KEPT = 5;

/** The tools the plan's gates need, checked before anything runs: a missing tool fails at once, with the fix. */
async function missingTools(plan: PipelinePlan): Promise<string[]> {
  // DynamoDB Local holds every environment; k6 drives the synthetic users of every deploy; the
  // releases run on the pinned Node of the Lambda runtime's major.
  const needed = new Set<ToolName>(['dynamodb-local', 'k6', 'node']);
  for (const stage of plan.stages) {
    for (const step of stage.steps) if (step.kind === 'gate') step.gate.tools.forEach((t) => needed.add(t));
  }
  const states = await Promise.all([...needed].map(probe));
  return states
    .filter((s) => !s.ok)
    .map((s) => (s.found ? `${s.tool.name} (${s.found} found, ${s.tool.version} pinned)` : s.tool.name));
}

/**
 * Every check of the run's configuration against this machine, before anything is built or
 * written: the tree, the tools, and the ports against what is already running.
 */
async function preflight(plan: PipelinePlan, options: RunOptions, dirty: boolean): Promise<void> {
  if (dirty && !options.allowDirty) {
    throw new Error(
      'the working tree has uncommitted changes: commit them (a run delivers a commit), or pass --allow-dirty to deliver them marked as dirty',
    );
  }
  const missing = await missingTools(plan);
  if (missing.length > 0) throw new Error(`missing tools: ${missing.join(', ')}: run \`npx projen tools:install\``);
  const environments = new LocalEnvironments(options.config.ports);
  try {
    const mismatches = await environments.portMismatches(environmentStages(plan).map((s) => s.name));
    if (mismatches.length > 0) {
      throw new Error(
        `${mismatches.join('; ')}: stop the environments first (\`npx projen env:stop\`; their data stays) or set B2_LOCAL_PORTS to where they run`,
      );
    }
  } finally {
    await environments.close();
  }
}

/**
 * One pipeline run on this machine: builds the release, runs the pre-deploy gates, then
 * promotes through the model's environments with their traffic shifts, alarms, verify gates and
 * approvals. Each stage is its own module; this one orders them, and starts, resumes and ends
 * runs. Everything a run does is written into its `summary.json` as it goes, so a run stopped at
 * an approval can be resumed.
 */
export class PipelineRun {
  /** The plan for a run: the model's, with only the named gates when the run says so. */
  static planOf(onlyGates: readonly GateName[] | undefined): { plan: PipelinePlan; skipped: string[] } {
    const full = planFor(PIPELINE);
    const plan = onlyGates ? withOnlyGates(full, onlyGates) : full;
    return { plan, skipped: skippedGates(full, plan) };
  }

  /** Starts a run for the current commit. Resolves to the process exit code. */
  static async start(options: RunOptions, log: (line: string) => void = console.log): Promise<number> {
    const source = currentSource();
    const { plan, skipped } = PipelineRun.planOf(options.onlyGates);
    await preflight(plan, options, source.dirty);
    const runId = newRunId(source.commit);
    const version = source.dirty ? `${source.commit}-dirty` : source.commit;
    const run: RunSummary = {
      runId,
      commit: source.commit,
      version,
      branch: source.branch,
      subject: source.subject,
      committedAt: source.committedAt,
      dirty: source.dirty,
      trigger: options.trigger,
      startedAt: new Date().toISOString(),
      outcome: 'running',
      release: {
        id: runId,
        commit: version,
        dir: path.join(workspace.releases(), runId),
        source: options.releaseDir ? 'given' : 'built',
      },
      skippedGates: skipped,
      onlyGates: options.onlyGates,
      minuteMs: options.config.minuteMs,
      ports: options.config.ports,
      stages: [],
      steps: [],
      deployments: [],
      approvals: [],
      waivers: [],
      baselinesPromoted: [],
    };
    const unlock = acquireRunLock(runId);
    try {
      const engine = new PipelineRun(run, plan, options, log);
      engine.context.journal.save();
      // The writer keeps its open file across a rename, so the output continues in the run folder.
      if (options.outputFile && existsSync(options.outputFile)) {
        renameSync(options.outputFile, path.join(runFolder(runId), 'output.log'));
      }
      return await engine.execute();
    } finally {
      unlock();
    }
  }

  /** Continues a run that stopped at an approval, once it has been decided (or to decide it here). */
  static async resume(
    runId: string | undefined,
    options: RunOptions,
    log: (line: string) => void = console.log,
  ): Promise<number> {
    const run = waitingRun(runId, 'no run is waiting for an approval: start one with `npx projen pipeline`');
    const unlock = acquireRunLock(run.runId);
    try {
      run.outcome = 'running';
      run.reason = undefined;
      run.finishedAt = undefined;
      const { plan } = PipelineRun.planOf(run.onlyGates as GateName[] | undefined);
      const resumed: RunOptions = {
        ...options,
        config: { ...options.config, ports: run.ports, minuteMs: run.minuteMs },
        onlyGates: run.onlyGates as GateName[] | undefined,
      };
      const engine = new PipelineRun(run, plan, resumed, log);
      engine.context.journal.save();
      return await engine.execute();
    } finally {
      unlock();
    }
  }

  /**
   * Records a decision on a run waiting for an approval (the approve and reject commands). A
   * rejection ends the run there; an approval waits for `resume`.
   */
  static async decideByCommand(
    runId: string | undefined,
    verdict: Decision['decision'],
    by: string,
    comment: string,
    options: RunOptions,
    log: (line: string) => void = console.log,
  ): Promise<number> {
    const judged = runAwaitingJudgement(runId);
    if (judged) {
      // The run is still going, its canary live: the decision goes into the audit log, where it waits for it.
      const { shown } = recordJudgementDecision(judged, verdict, by, comment);
      log(
        `${shown}\n\n${verdict === 'approved' ? 'Promote' : 'Roll back'} recorded for the marginal canary of run ${judged.runId} in ${judged.awaitingJudgement}; the run acts on it now.`,
      );
      return EXIT_CODE.promoted;
    }
    const run = waitingRun(runId, 'no run is waiting for an approval');
    const environment = run.awaiting;
    if (!environment) throw new Error(`run ${run.runId} does not say which environment waits for the approval`);
    const unlock = acquireRunLock(run.runId);
    try {
      const { plan } = PipelineRun.planOf(run.onlyGates as GateName[] | undefined);
      const engine = new PipelineRun(
        run,
        plan,
        { ...options, config: { ports: run.ports, minuteMs: run.minuteMs } },
        log,
      );
      try {
        await recordCommandDecision(engine.context, environment, verdict, by, comment);
        if (verdict === 'approved') {
          log(
            `Approved by ${by}; recorded in ${workspace.approvals()}.\nContinue the run: npx projen pipeline:resume --run ${run.runId}`,
          );
          return EXIT_CODE.promoted;
        }
        return await finishRun(
          engine.context,
          'rejected',
          `the deploy to ${environment} was rejected by ${by}: ${environment} was not touched`,
        );
      } finally {
        await engine.context.environments.close();
      }
    } finally {
      unlock();
    }
  }

  private readonly abort = new AbortController();
  private readonly context: RunContext;

  private constructor(run: RunSummary, plan: PipelinePlan, options: RunOptions, log: (line: string) => void) {
    this.context = {
      run,
      plan,
      options,
      environments: new LocalEnvironments(options.config.ports),
      journal: new RunJournal(run),
      signal: this.abort.signal,
      parallelism: options.config.gatesAtOnce ?? Math.max(1, availableParallelism()),
      gateDurations: recentGateDurations(recentSummaries(RUNS_TIMED)),
      log,
    };
  }

  private async execute(): Promise<number> {
    const { run, plan, options, journal } = this.context;
    const interrupt = (): void => this.abort.abort('the run was interrupted');
    process.once('SIGINT', interrupt);
    process.once('SIGTERM', interrupt);
    try {
      const stages = environmentStages(plan);
      const done = (name: string): boolean =>
        run.deployments.some((d) => d.environment === name && d.outcome === 'promoted');
      const first = !run.steps.some((s) => s.kind === 'build' && s.status === 'passed');
      const item = (title: string, stage: string, body: (task: ProgressTask) => Promise<void>): ProgressItem => ({
        title,
        task: (_c, task) => journal.stage(stage, () => body(task)),
      });

      let batch: ProgressItem[] = [];
      if (first) batch.push(item('build', 'build', (task) => buildStage(this.context, task)));
      batch.push(item('environments', 'environments', (task) => this.bringUpEnvironments(task)));
      if (first) {
        const waves = preDeployWaves(plan);
        batch.push(
          item(
            `pre-deploy (${waves.flat().length} gates, ${this.context.parallelism} at a time, longest first)`,
            'pre-deploy',
            async (task) => {
              const failure = await runWaves(this.context, task, waves, 'pre-deploy', this.abort.signal);
              if (failure) throw new StageFailure(failure, 'failed');
            },
          ),
        );
      }
      for (const stage of stages.filter((s) => !done(s.name))) {
        if (stage.approval) {
          await runWithProgress(batch);
          batch = [];
          const decision = await decideApproval(this.context, stage);
          if (decision === 'awaiting') return await this.stopAtApproval(stage);
          if (decision === 'rejected') {
            return await finishRun(
              this.context,
              'rejected',
              `the deploy to ${stage.name} was rejected: ${stage.name} was not touched`,
            );
          }
        }
        batch.push(
          item(
            `${stage.name}: ${describeShift(stage.deploy.promotion.environment.trafficShift, options.config.minuteMs)}`,
            stage.name,
            (task) => deployStage(this.context, stage, task),
          ),
        );
      }
      await runWithProgress(batch);
      await promoteBaselines(this.context);
      const last = stages[stages.length - 1]?.name ?? 'the last environment';
      return await finishRun(this.context, 'promoted', `${run.release.id} is live in ${last}`);
    } catch (err) {
      if (err instanceof StageFailure) return await finishRun(this.context, err.outcome, err.message);
      const message = this.abort.signal.aborted ? String(this.abort.signal.reason) : (err as Error).message;
      return await finishRun(this.context, 'error', message);
    } finally {
      process.removeListener('SIGINT', interrupt);
      process.removeListener('SIGTERM', interrupt);
      await this.context.environments.close();
    }
  }

  /** The environments stage: DynamoDB Local and every environment up, then old releases pruned. */
  private async bringUpEnvironments(task: ProgressTask): Promise<void> {
    const { run, plan, environments } = this.context;
    const stages = environmentStages(plan);
    const states = await environments.bringUp(
      stages.map((s) => ({ name: s.name, token: s.deploy.promotion.environment.token })),
      (line) => (task.output = line),
    );
    task.title = `environments: DynamoDB Local on ${environments.database.port}; ${stages.map((s) => `${s.name} ${environments.client(s.name).url}`).join(', ')}`;
    const inUse = new Set<string>([run.release.id]);
    for (const state of states.values()) {
      if (state.live) inUse.add(state.live.id);
      if (state.candidate) inUse.add(state.candidate.id);
    }
    // The releases each environment ran last stay, for `pipeline:rollback` to go back to.
    const history = readHistory(workspace.history());
    for (const stage of stages) {
      for (const entry of liveSequence(history, stage.name).slice(-ROLLBACK_TARGETS_KEPT)) inUse.add(entry.releaseId);
    }
    pruneReleases(inUse);
  }

  private async stopAtApproval(stage: EnvironmentStage): Promise<number> {
    this.context.run.awaiting = stage.name;
    const code = await finishRun(
      this.context,
      'awaiting-approval',
      `waiting for an approval to deploy to ${stage.name}`,
    );
    this.context.log(awaitingApprovalLines(this.context, stage));
    return code;
  }
}

/** The run an approval command acts on: the one named, or the newest waiting; refused unless it waits. */
function waitingRun(runId: string | undefined, none: string): RunSummary {
  const run = runId ? readSummary(runId) : latestAwaitingRun();
  if (!run) throw new Error(none);
  if (run.outcome !== 'awaiting-approval') {
    throw new Error(
      `run ${run.runId} is not waiting for an approval (it ${run.outcome === 'running' ? 'is running' : `ended ${run.outcome}`})`,
    );
  }
  return run;
}
