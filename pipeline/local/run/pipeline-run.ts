import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { Listr, ListrTask, ListrTaskWrapper, PRESET_TIMER } from 'listr2';
import { promoteBaseline } from '../../../loadtest/baseline';
import { GateName, GateStep, PIPELINE, PipelinePlan, planFor } from '../../model';
import { askForDecision } from '../approval/prompt';
import { localGateEnvironment } from './gate-inputs';
import { decisionsOf, Decision, Evidence, evidenceDigest, recordDecision, renderEvidence } from '../approval/approvals';
import { LocalDatabase } from '../environments/database';
import { EnvironmentClient } from '../environments/environment-client';
import { environmentSettings } from '../environments/environment-settings';
import { runGate } from './gate-runner';
import { appendRun, deliveryMetrics, readRuns } from '../report/history';
import { LocalEngineConfig } from './local-config';
import { EnvironmentStage, environmentStages, preDeployWaves, skippedGates, Wave, withOnlyGates } from './local-plan';
import { pruneReleases, RELEASE_BUILD_DIR, runBuildTask, storeRelease } from '../release/release-build';
import { rollout } from '../environments/rollout';
import { writeRunPage } from '../report/run-page';
import { duration } from '../report/run-report';
import { couldNotCheck, evidenceFor, loadResults } from '../report/run-results';
import {
  acquireRunLock,
  EXIT_CODE,
  evidenceFile,
  latestAwaitingRun,
  newRunId,
  readSummary,
  reportFile,
  reportsOf,
  runFolder,
  RunSummary,
  StageResult,
  StepResult,
  writeSummary,
} from './run-record';
import { currentSource } from './source';
import { describeShift } from '../environments/traffic-shift';
import { workspace } from '../../kit/workspace';
import { probe } from '../../toolchain/probe';
import { ToolName } from '../../toolchain/versions';

export interface RunOptions {
  readonly config: LocalEngineConfig;
  /** What started the run: `manual`, `push` (the git hook), … */
  readonly trigger: string;
  /** Deliver a tree with uncommitted changes, marked as dirty. @default false: refused */
  readonly allowDirty: boolean;
  /** Run only these of the model's gates; the run is marked partial. @default every gate */
  readonly onlyGates?: readonly GateName[];
  /** Deliver this built release folder instead of building one. @default build with the model's build task */
  readonly releaseDir?: string;
  /** An approval given up front, for an unattended run. */
  readonly approve?: { readonly by: string; readonly comment: string };
  /**
   * Gates whose "could not check" (for example the advisory service unreachable from this
   * machine) a person accepts, by name and with a reason. Only that outcome is waived: a gate
   * that ran and found something still fails the run. The waiver shows in the evidence, the
   * approval digest and the report; the gate never shows as passed.
   */
  readonly waive?: { readonly gates: readonly GateName[]; readonly by: string; readonly reason: string };
  /** A person is at a terminal to answer the approval question. */
  readonly interactive: boolean;
  /** @default each gate's own timeout in the model */
  readonly gateTimeoutMs?: number;
  /** @default 10 min */
  readonly buildTimeoutMs?: number;
  /** The file this process's output already goes to (the git hook's): moved into the run folder as `output.log`. */
  readonly outputFile?: string;
}

type Ctx = Record<string, never>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- listr2's wrapper is generic over its renderers
type StageTask = ListrTaskWrapper<Ctx, any, any>;

const DEFAULT_BUILD_TIMEOUT_MS = 10 * 60_000;

/** A stage stopped the run; the message is the line a person reads. */
class StageFailure extends Error {
  constructor(
    message: string,
    readonly outcome: 'failed' | 'rolled-back',
  ) {
    super(message);
  }
}

const rel = (runId: string, file: string): string => path.relative(runFolder(runId), file);

/** The tools the plan's gates need, checked before anything runs: a missing tool fails at once, with the fix. */
async function missingTools(plan: PipelinePlan): Promise<string[]> {
  const needed = new Set<ToolName>(['dynamodb-local']);
  for (const stage of plan.stages) {
    for (const step of stage.steps) if (step.kind === 'gate') step.gate.tools.forEach((t) => needed.add(t));
  }
  const states = await Promise.all([...needed].map(probe));
  return states
    .filter((s) => !s.ok)
    .map((s) => (s.found ? `${s.tool.name} (${s.found} found, ${s.tool.version} pinned)` : s.tool.name));
}

/**
 * One pipeline run on this machine: builds the release, runs the pre-deploy gates, then
 * promotes through the model's environments with their traffic shifts, alarms, verify gates and
 * approvals. It writes everything it does into the run's `summary.json` as it goes, so a run
 * stopped at an approval can be resumed.
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
    if (source.dirty && !options.allowDirty) {
      throw new Error(
        'the working tree has uncommitted changes: commit them (a run delivers a commit), or pass --allow-dirty to deliver them marked as dirty',
      );
    }
    const { plan, skipped } = PipelineRun.planOf(options.onlyGates);
    const missing = await missingTools(plan);
    if (missing.length > 0) throw new Error(`missing tools: ${missing.join(', ')}: run \`npx projen tools:install\``);
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
      writeSummary(run);
      // The writer keeps its open file across a rename, so the output continues in the run folder.
      if (options.outputFile && existsSync(options.outputFile)) {
        renameSync(options.outputFile, path.join(runFolder(runId), 'output.log'));
      }
      return await new PipelineRun(run, plan, options, log).execute();
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
    const run = runId ? readSummary(runId) : latestAwaitingRun();
    if (!run) throw new Error('no run is waiting for an approval: start one with `npx projen pipeline`');
    if (run.outcome !== 'awaiting-approval') {
      throw new Error(
        `run ${run.runId} is not waiting for an approval (it ${run.outcome === 'running' ? 'is running' : `ended ${run.outcome}`})`,
      );
    }
    const unlock = acquireRunLock(run.runId);
    try {
      run.outcome = 'running';
      run.reason = undefined;
      run.finishedAt = undefined;
      writeSummary(run);
      const { plan } = PipelineRun.planOf(run.onlyGates as GateName[] | undefined);
      const resumed: RunOptions = {
        ...options,
        config: { ...options.config, ports: run.ports, minuteMs: run.minuteMs },
        onlyGates: run.onlyGates as GateName[] | undefined,
      };
      return await new PipelineRun(run, plan, resumed, log).execute();
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
    decision: Decision['decision'],
    by: string,
    comment: string,
    options: RunOptions,
    log: (line: string) => void = console.log,
  ): Promise<number> {
    const run = runId ? readSummary(runId) : latestAwaitingRun();
    if (!run) throw new Error('no run is waiting for an approval');
    if (run.outcome !== 'awaiting-approval') {
      throw new Error(`run ${run.runId} is not waiting for an approval (it ended ${run.outcome})`);
    }
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
      const evidence = await engine.evidence(environment);
      if (decisionsOf(workspace.approvals(), run.runId).some((d) => d.environment === environment)) {
        throw new Error(
          `run ${run.runId} already has a decision for ${environment}: resume it with \`npx projen pipeline:resume --run ${run.runId}\``,
        );
      }
      log(`${renderEvidence(evidence)}\n`);
      const recorded: Decision = {
        runId: run.runId,
        commit: run.version,
        environment,
        decision,
        by,
        at: new Date().toISOString(),
        comment,
        evidenceDigest: evidenceDigest(evidence),
        via: 'command',
      };
      recordDecision(workspace.approvals(), recorded);
      if (decision === 'approved') {
        log(
          `Approved by ${by}; recorded in ${workspace.approvals()}.\nContinue the run: npx projen pipeline:resume --run ${run.runId}`,
        );
        return EXIT_CODE.promoted;
      }
      run.approvals.push(recorded);
      run.steps.push({
        id: `${environment}/approval`,
        stage: environment,
        kind: 'approval',
        status: 'rejected',
        startedAt: recorded.at,
        durationMs: 0,
        summary: `rejected by ${by} (command): ${comment}`,
      });
      return engine.finish(
        'rejected',
        `the deploy to ${environment} was rejected by ${by}: ${environment} was not touched`,
      );
    } finally {
      unlock();
    }
  }

  private readonly database: LocalDatabase;
  private readonly environments = new Map<string, EnvironmentClient>();
  private readonly abort = new AbortController();
  private readonly parallelism = Math.max(1, availableParallelism());
  private readonly renderer: 'default' | 'simple';

  private constructor(
    private readonly run: RunSummary,
    private readonly plan: PipelinePlan,
    private readonly options: RunOptions,
    private readonly log: (line: string) => void,
  ) {
    this.database = new LocalDatabase(options.config.ports.database);
    this.renderer = process.stdout.isTTY && !process.env.CI ? 'default' : 'simple';
  }

  // ---- the run ---------------------------------------------------------------------------

  private async execute(): Promise<number> {
    const interrupt = (): void => this.abort.abort('the run was interrupted');
    process.once('SIGINT', interrupt);
    process.once('SIGTERM', interrupt);
    try {
      const stages = environmentStages(this.plan);
      const done = (name: string): boolean =>
        this.run.deployments.some((d) => d.environment === name && d.outcome === 'promoted');
      const first = !this.run.steps.some((s) => s.kind === 'build' && s.status === 'passed');
      const pending = stages.filter((s) => !done(s.name));

      const upfront: ListrTask<Ctx>[] = [];
      if (first) {
        upfront.push({ title: 'build', task: (_c, task) => this.stage('build', () => this.build(task)) });
        upfront.push({
          title: 'environments',
          task: (_c, task) => this.stage('environments', () => this.bringUpEnvironments(task)),
        });
        const waves = preDeployWaves(this.plan);
        upfront.push({
          title: `pre-deploy (${waves.flat().length} gates, ${this.parallelism} at a time)`,
          task: (_c, task) =>
            this.stage('pre-deploy', async () => {
              const failure = await this.runWaves(task, waves, 'pre-deploy', this.abort.signal);
              if (failure) throw new StageFailure(failure, 'failed');
            }),
        });
      } else {
        upfront.push({
          title: 'environments',
          task: (_c, task) => this.stage('environments', () => this.bringUpEnvironments(task)),
        });
      }

      let batch: ListrTask<Ctx>[] = upfront;
      for (const stage of pending) {
        if (stage.approval) {
          await this.runTasks(batch);
          batch = [];
          const decision = await this.decide(stage);
          if (decision === 'awaiting') return this.stopAtApproval(stage);
          if (decision === 'rejected') {
            return this.finish('rejected', `the deploy to ${stage.name} was rejected: ${stage.name} was not touched`);
          }
        }
        batch.push({
          title: `${stage.name}: ${describeShift(stage.deploy.promotion.environment.trafficShift, this.options.config.minuteMs)}`,
          task: (_c, task) => this.stage(stage.name, () => this.deployStage(stage, task)),
        });
      }
      await this.runTasks(batch);
      this.promoteBaselines();
      const last = stages[stages.length - 1]?.name ?? 'the last environment';
      return this.finish('promoted', `${this.run.release.id} is live in ${last}`);
    } catch (err) {
      if (err instanceof StageFailure) return this.finish(err.outcome, err.message);
      const message = this.abort.signal.aborted ? String(this.abort.signal.reason) : (err as Error).message;
      return this.finish('error', message);
    } finally {
      process.removeListener('SIGINT', interrupt);
      process.removeListener('SIGTERM', interrupt);
      await Promise.all([...this.environments.values()].map((e) => e.close()));
    }
  }

  private async runTasks(tasks: ListrTask<Ctx>[]): Promise<void> {
    if (tasks.length === 0) return;
    const list = new Listr<Ctx, 'default' | 'simple', 'simple'>(tasks, {
      renderer: this.renderer,
      fallbackRenderer: 'simple',
      rendererOptions: { timer: PRESET_TIMER, collapseSubtasks: false, showErrorMessage: true },
      fallbackRendererOptions: { timer: PRESET_TIMER },
      registerSignalListeners: false,
      exitOnError: true,
    });
    await list.run();
  }

  /** Times one stage into the summary; a thrown error fails it. */
  private async stage(name: string, body: () => Promise<void>): Promise<void> {
    const startedAt = new Date();
    const record = (status: StageResult['status']): void => {
      this.run.stages.push({
        name,
        status,
        startedAt: startedAt.toISOString(),
        durationMs: Date.now() - startedAt.getTime(),
      });
      writeSummary(this.run);
    };
    try {
      await body();
      record('passed');
    } catch (err) {
      record(err instanceof StageFailure ? err.outcome : 'failed');
      throw err;
    }
  }

  private step(result: StepResult): void {
    this.run.steps.push(result);
    writeSummary(this.run);
  }

  // ---- build and environments --------------------------------------------------------------

  private async build(task: StageTask): Promise<void> {
    const startedAt = new Date();
    const buildStep = this.plan.stages.find((s) => s.name === 'build')?.steps.find((s) => s.kind === 'build');
    const buildTask = buildStep?.kind === 'build' ? buildStep.tasks.release : PIPELINE.build.release;
    const log = path.join(runFolder(this.run.runId), 'logs', 'build.log');
    let summary: string;
    try {
      if (this.options.releaseDir) {
        task.output = `using the release built in ${this.options.releaseDir}`;
        storeRelease(path.resolve(this.options.releaseDir), this.run.release.id, this.run.release.commit);
        summary = `release ${this.run.release.id} from ${this.options.releaseDir}`;
      } else {
        task.output = `npx projen ${buildTask}`;
        await runBuildTask(buildTask, log, this.options.buildTimeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS, this.abort.signal);
        storeRelease(RELEASE_BUILD_DIR, this.run.release.id, this.run.release.commit);
        summary = `release ${this.run.release.id} built by \`npx projen ${buildTask}\``;
      }
    } catch (err) {
      this.step({
        id: 'build/build',
        stage: 'build',
        kind: 'build',
        status: 'failed',
        startedAt: startedAt.toISOString(),
        durationMs: Date.now() - startedAt.getTime(),
        summary: (err as Error).message,
        task: buildTask,
        log: this.options.releaseDir ? undefined : rel(this.run.runId, log),
      });
      throw new StageFailure(`build failed: ${(err as Error).message}`, 'failed');
    }
    this.step({
      id: 'build/build',
      stage: 'build',
      kind: 'build',
      status: 'passed',
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      summary,
      task: buildTask,
      log: this.options.releaseDir ? undefined : rel(this.run.runId, log),
    });
    task.title = `build: ${summary}`;
  }

  private client(environment: string): EnvironmentClient {
    let client = this.environments.get(environment);
    if (!client) {
      const port = this.run.ports.environments[environment];
      if (!port) {
        throw new Error(
          `no port is configured for environment ${environment}: set B2_LOCAL_PORTS=${environment}=<port>`,
        );
      }
      client = new EnvironmentClient(environment, port);
      this.environments.set(environment, client);
    }
    return client;
  }

  /** DynamoDB Local with every environment's table, and each environment's host, started unless running. */
  private async bringUpEnvironments(task: StageTask): Promise<void> {
    task.output = `DynamoDB Local on port ${this.database.port}`;
    const db = await this.database.ensureUp();
    const stages = environmentStages(this.plan);
    await this.database.ensureTables(stages.map((s) => s.name));
    for (const stage of stages) {
      const client = this.client(stage.name);
      task.output = `${stage.name} on ${client.url}`;
      const environment = stage.deploy.promotion.environment;
      const state = await client.ensureUp(
        environmentSettings({
          environment: stage.name,
          port: client.port,
          dynamodbEndpoint: db.endpoint,
          token: environment.token,
        }),
      );
      if (state.port !== client.port) {
        throw new Error(
          `environment ${stage.name} is running on port ${state.port}, not the configured ${client.port}: run \`npx projen env:stop\` first`,
        );
      }
    }
    task.title = `environments: DynamoDB Local on ${db.port}; ${stages.map((s) => `${s.name} ${this.client(s.name).url}`).join(', ')}`;
    const inUse = new Set<string>([this.run.release.id]);
    for (const stage of stages) {
      const state = await this.client(stage.name).state();
      if (state.live) inUse.add(state.live.id);
      if (state.candidate) inUse.add(state.candidate.id);
    }
    pruneReleases(inUse);
  }

  // ---- gates -------------------------------------------------------------------------------

  /** What a gate process is told: the inputs its contract declares, from this run and the environment it checks. */
  private gateEnv(step: GateStep, scope: string): Record<string, string> {
    return localGateEnvironment(step, {
      reportsDir: reportsOf(this.run.runId, scope),
      environmentUrl: step.environment ? this.client(step.environment.name).url : undefined,
      releaseVersion: this.run.release.commit,
      baselineLocation: path.join(workspace.baselines(), this.production),
    });
  }

  /** Runs waves of gates, each wave's gates side by side; resolves to what failed, if anything did. */
  private async runWaves(
    parent: StageTask,
    waves: readonly Wave[],
    scope: string,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    for (const wave of waves) {
      if (signal.aborted) return String(signal.reason);
      const failures: string[] = [];
      await parent
        .newListr<Ctx>(
          wave.map((step) => ({
            title: `${scope} › ${step.gate.name}`,
            task: async (_c, task) => {
              const result = await runGate(step.gate, {
                scope,
                logDir: path.join(runFolder(this.run.runId), 'logs'),
                env: this.gateEnv(step, scope),
                timeoutMs: this.options.gateTimeoutMs ?? step.gate.timeoutMinutes * 60_000,
                signal,
              });
              const log = rel(this.run.runId, result.log);
              const status =
                result.status === 'failed' && couldNotCheck(step.gate, reportsOf(this.run.runId, scope))
                  ? 'unavailable'
                  : result.status;
              const waiver =
                status === 'unavailable' && this.options.waive?.gates.includes(step.gate.name)
                  ? this.options.waive
                  : undefined;
              this.step({
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
                this.run.waivers.push({ gate: step.id, by: waiver.by, reason: waiver.reason });
                writeSummary(this.run);
                task.title = `${scope} › ${step.gate.name}: could not check, waived by ${waiver.by}`;
                return;
              }
              if (status !== 'passed') {
                const verdict = status === 'unavailable' ? 'could not check' : status;
                const line = `${step.id} ${verdict}: ${result.summary || `exit code ${result.exitCode}`} (log: ${path.join(runFolder(this.run.runId), log)})`;
                failures.push(line);
                throw new Error(line);
              }
              task.title = `${scope} › ${step.gate.name}: passed`;
            },
          })),
          { concurrent: Math.min(this.parallelism, wave.length), exitOnError: false },
        )
        .run();
      if (failures.length > 0) return failures.join('; ');
    }
    return undefined;
  }

  // ---- environments ------------------------------------------------------------------------

  private async deployStage(stage: EnvironmentStage, task: StageTask): Promise<void> {
    const startedAt = new Date();
    const promotion = stage.deploy.promotion;
    const environment = promotion.environment;
    const outcome = await rollout({
      environment: this.client(stage.name),
      release: { id: this.run.release.id, commit: this.run.release.commit, dir: this.run.release.dir },
      shift: environment.trafficShift,
      triggers: {
        maxErrorRate: promotion.rollback.maxErrorRate,
        p99LatencyMs: promotion.rollback.p99LatencyMs,
        evaluationMinutes: environment.alarms.evaluationMinutes,
      },
      minuteMs: this.options.config.minuteMs,
      verify: (signal) => {
        const both = AbortSignal.any([signal, this.abort.signal]);
        return this.runWaves(task, stage.verify, stage.name, both);
      },
      onProgress: (line) => (task.output = line),
    });
    this.run.deployments.push(outcome);
    const rollbackText = outcome.rollback
      ? `; detected with ${outcome.rollback.candidateShare ?? '?'}% of traffic on ${outcome.releaseId}; traffic back on ${outcome.previousReleaseId ?? 'nothing (there was no previous release)'} ${duration(outcome.rollback.trafficRestoredMs)} after detection, ${outcome.releaseId} stopped after ${duration(outcome.rollback.candidateStoppedMs)}`
      : '';
    this.step({
      id: stage.deploy.id,
      stage: stage.name,
      kind: 'deploy',
      status:
        outcome.outcome === 'promoted' ? 'promoted' : outcome.outcome === 'rolled-back' ? 'rolled-back' : 'failed',
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      summary:
        outcome.outcome === 'promoted'
          ? `${outcome.releaseId} live on ${this.client(stage.name).url}`
          : `${outcome.reason}${rollbackText}`,
    });
    if (outcome.outcome === 'rolled-back') {
      throw new StageFailure(`rolled back in ${stage.name}: ${outcome.reason}${rollbackText}`, 'rolled-back');
    }
    if (outcome.outcome !== 'promoted') {
      throw new StageFailure(`deploy to ${stage.name} failed: ${outcome.reason}`, 'failed');
    }
    task.title = `${stage.name}: ${outcome.releaseId} live on ${this.client(stage.name).url}`;
  }

  // ---- approvals ---------------------------------------------------------------------------

  private evidenceFileOf(environment: string): string {
    return evidenceFile(this.run.runId).replace(/\.json$/, `-${environment}.json`);
  }

  /** The evidence shown for this approval: kept in the run folder, so the decision is taken on exactly it. */
  private async evidence(environment: string): Promise<Evidence> {
    const file = this.evidenceFileOf(environment);
    const client = this.client(environment);
    const live = (await client.isUp()) ? (await client.state()).live?.commit : client.lastKnownState()?.live?.commit;
    if (existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as Evidence;
      // A decision on "what changes since the live release" means nothing once another release went live there.
      if (saved.liveCommit !== live) {
        throw new Error(
          `${environment} has changed since run ${this.run.runId} stopped for its approval (live then: ${saved.liveCommit ?? 'nothing'}, now: ${live ?? 'nothing'}): start a new run`,
        );
      }
      return saved;
    }
    const evidence = evidenceFor(this.run, environment, live);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(evidence, null, 2)}\n`);
    return evidence;
  }

  private async decide(stage: EnvironmentStage): Promise<'approved' | 'rejected' | 'awaiting'> {
    const startedAt = new Date();
    const environment = stage.name;
    const evidence = await this.evidence(environment);
    const digest = evidenceDigest(evidence);
    let decision = decisionsOf(workspace.approvals(), this.run.runId)
      .filter((d) => d.environment === environment)
      .pop();
    if (decision && decision.evidenceDigest !== digest) {
      throw new Error(
        `the evidence of run ${this.run.runId} changed after ${decision.by} decided on it: start a new run`,
      );
    }
    if (!decision) {
      const record = (verdict: Decision['decision'], by: string, comment: string, via: Decision['via']): Decision => {
        const d: Decision = {
          runId: this.run.runId,
          commit: this.run.version,
          environment,
          decision: verdict,
          by,
          at: new Date().toISOString(),
          comment,
          evidenceDigest: digest,
          via,
        };
        recordDecision(workspace.approvals(), d);
        return d;
      };
      if (this.options.approve) {
        decision = record('approved', this.options.approve.by, this.options.approve.comment, 'flag');
      } else if (this.options.interactive) {
        this.log(`\n${renderEvidence(evidence)}\n`);
        const answer = await askForDecision(environment);
        if (answer) decision = record(answer.decision, answer.by, answer.comment, 'terminal');
      }
    }
    if (!decision) return 'awaiting';
    this.run.awaiting = undefined;
    this.run.approvals.push(decision);
    this.step({
      id: stage.approval?.id ?? `${environment}/approval`,
      stage: environment,
      kind: 'approval',
      status: decision.decision,
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      summary: `${decision.decision} by ${decision.by} (${decision.via}): ${decision.comment}`,
    });
    this.log(
      `${decision.decision === 'approved' ? '✔' : '✖'} ${environment}: ${decision.decision} by ${decision.by} — ${decision.comment}`,
    );
    return decision.decision === 'approved' ? 'approved' : 'rejected';
  }

  private stopAtApproval(stage: EnvironmentStage): number {
    const id = this.run.runId;
    this.run.awaiting = stage.name;
    const evidence = JSON.parse(readFileSync(this.evidenceFileOf(stage.name), 'utf8')) as Evidence;
    this.finish('awaiting-approval', `waiting for an approval to deploy to ${stage.name}`);
    this.log(
      [
        '',
        renderEvidence(evidence),
        '',
        `Run ${id} is waiting for an approval to deploy ${this.run.release.id} to ${stage.name}.`,
        `  approve: npx projen pipeline:approve --run ${id} --by "<your name>" --comment "<why>"`,
        `  reject:  npx projen pipeline:reject --run ${id} --by "<your name>" --comment "<why>"`,
        `  then:    npx projen pipeline:resume --run ${id}`,
      ].join('\n'),
    );
    return EXIT_CODE.awaitingApproval;
  }

  // ---- the end -----------------------------------------------------------------------------

  /** The last environment of the promotion order: where releases go live for users. */
  private get production(): string {
    const stages = environmentStages(this.plan);
    return stages[stages.length - 1]?.name ?? 'prod';
  }

  /** After the release reached production, its load results become the next runs' baselines. */
  private promoteBaselines(): void {
    for (const result of loadResults(this.run)) {
      if (!result.summary.passed) continue;
      const from = path.join(reportsOf(this.run.runId, result.environment), result.gate, 'summary.json');
      const to = promoteBaseline(from, this.production, { release: this.run.release.id });
      this.run.baselinesPromoted.push(`${result.gate} (measured in ${result.environment}) → ${to}`);
    }
  }

  private finish(outcome: RunSummary['outcome'], reason: string): number {
    this.run.outcome = outcome;
    this.run.reason = reason;
    this.run.finishedAt = new Date().toISOString();
    writeSummary(this.run);
    appendRun(workspace.history(), {
      runId: this.run.runId,
      commit: this.run.commit,
      committedAt: this.run.committedAt,
      trigger: this.run.trigger,
      startedAt: this.run.startedAt,
      finishedAt: this.run.finishedAt,
      outcome: outcome === 'running' ? 'error' : outcome,
      deployments: this.run.deployments,
    });
    const production = this.production;
    const delivery = deliveryMetrics(readRuns(workspace.history()), production);
    writeRunPage(this.run, delivery);

    const took = duration(Date.parse(this.run.finishedAt) - Date.parse(this.run.startedAt));
    const lines = [
      '',
      `Run ${this.run.runId}: ${outcome.toUpperCase()} after ${took}: ${reason}`,
      `  stages: ${this.run.stages.map((s) => `${s.name} ${duration(s.durationMs)}${s.status === 'passed' ? '' : ` (${s.status})`}`).join(' · ')}`,
    ];
    const waived = new Set(this.run.waivers.map((w) => w.gate));
    const failed = this.run.steps.filter(
      (s) => (s.status === 'failed' || s.status === 'unavailable') && !waived.has(s.id),
    );
    for (const waiver of this.run.waivers) {
      lines.push(`  ⚠ ${waiver.gate} could not check; waived by ${waiver.by}: ${waiver.reason}`);
    }
    for (const step of failed) {
      lines.push(
        `  ✖ ${step.id}: ${step.summary}${step.log ? ` (log: ${path.join(runFolder(this.run.runId), step.log)})` : ''}`,
      );
    }
    if (outcome === 'failed' || outcome === 'rolled-back') {
      lines.push('  next: fix what failed, commit, and run `npx projen pipeline` again');
    }
    if (this.run.skippedGates.length > 0) {
      lines.push(`  partial run: ${this.run.skippedGates.length} of the model's gates were left out (--only-gates)`);
    }
    lines.push(`  report: ${reportFile(this.run.runId)}`);
    lines.push(
      `  delivery (${delivery.windowDays} days, ${production}): ${delivery.productionDeployments} deployments, ${delivery.deploymentsPerDay.toFixed(2)}/day · ` +
        `lead time ${duration(delivery.leadTimeMs)} · change failure rate ${delivery.changeFailureRate === undefined ? '–' : `${(delivery.changeFailureRate * 100).toFixed(0)}%`} · time to restore ${duration(delivery.timeToRestoreMs)}`,
    );
    if (this.environments.size > 0) {
      lines.push(
        `  environments: ${[...this.environments.values()].map((e) => `${e.environment} ${e.url}`).join(' · ')} (npx projen env:status / env:stop)`,
      );
    }
    this.log(lines.join('\n'));
    return outcome === 'promoted'
      ? EXIT_CODE.promoted
      : outcome === 'awaiting-approval'
        ? EXIT_CODE.awaitingApproval
        : outcome === 'rejected'
          ? EXIT_CODE.rejected
          : outcome === 'error'
            ? EXIT_CODE.error
            : EXIT_CODE.failed;
  }
}
