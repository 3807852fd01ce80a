import { CfnTemplate } from './pipeline-synthesis';
import { codeBuildActions, pipelineOf, PipelineAction, projectOf } from './pipeline-template';
import { LocalGateContext, localGateEnvironment } from '../../../pipeline/local/run/gate-inputs';
import {
  GATE_INPUTS,
  GateInputError,
  GATES,
  GateStep,
  PipelinePlan,
  StageName,
  taskOfCommand,
} from '../../../pipeline/model';

/**
 * What one engine runs, read back from what it renders, in the terms of the model: per stage,
 * each gate's name, its task, and the gates of the same stage that must have passed before it
 * starts (the whole chain, not just the nearest).
 */
export interface GateView {
  readonly stage: StageName;
  readonly gate: string;
  readonly task: string;
  readonly after: readonly string[];
  /**
   * The environment variables the engine gives the gate, set and not empty; for the model, the
   * variables of the inputs the gate declares (`pipeline/model/contract.ts`).
   */
  readonly variables: readonly string[];
}

export interface EngineView {
  readonly gates: readonly GateView[];
  /** The tasks of the build, in order. */
  readonly build: readonly string[];
}

/** Adds to each gate every gate it waits for through other gates. */
function closed(edges: Map<string, Set<string>>): Map<string, string[]> {
  const result = new Map<string, string[]>();
  const visit = (name: string, seen: Set<string>): Set<string> => {
    for (const before of edges.get(name) ?? []) {
      if (!seen.has(before)) {
        seen.add(before);
        visit(before, seen);
      }
    }
    return seen;
  };
  for (const name of edges.keys()) result.set(name, [...visit(name, new Set())].sort());
  return result;
}

/** The variables of the inputs a gate declares: what every engine must set for it. */
function declaredVariables(step: GateStep): string[] {
  return step.gate.inputs.map((input) => GATE_INPUTS[input].variable);
}

/** The model's own plan, each gate with the inputs it declares. */
export function planView(
  plan: PipelinePlan,
  variables: (step: GateStep) => readonly string[] = declaredVariables,
): EngineView {
  const gates: GateView[] = [];
  for (const stage of plan.stages) {
    const steps = stage.steps.filter((s): s is GateStep => s.kind === 'gate');
    const byId = new Map(steps.map((s) => [s.id, s.gate.name]));
    const edges = new Map(
      steps.map((s) => [s.gate.name, new Set(s.after.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : [])))]),
    );
    const after = closed(edges);
    for (const s of steps) {
      gates.push({
        stage: stage.name,
        gate: s.gate.name,
        task: s.gate.task,
        after: after.get(s.gate.name)!,
        variables: variables(s),
      });
    }
  }
  const build = plan.stages.flatMap((s) => s.steps).find((s) => s.kind === 'build');
  return { gates, build: build?.kind === 'build' ? [build.tasks.release, build.tasks.cloudAssembly] : [] };
}

/** What the local engine knows when it starts a gate, as a sample: every source it fills inputs from. */
export const SAMPLE_LOCAL_CONTEXT: LocalGateContext = {
  reportsDir: '.pipeline/runs/sample/reports/dev',
  environmentUrl: 'http://127.0.0.1:8080',
  releaseVersion: '0123456789abcdef0123456789abcdef01234567',
  baselineLocation: '.pipeline/baselines/prod',
};

/**
 * The local engine: its plan, each gate with the variables `localGateEnvironment` gives it. A
 * gate it would refuse to start (`GateInputError`) gets the declared inputs less the missing ones.
 */
export function localEngineView(plan: PipelinePlan, context: LocalGateContext = SAMPLE_LOCAL_CONTEXT): EngineView {
  return planView(plan, (step) => {
    try {
      return Object.keys(localGateEnvironment(step, context));
    } catch (err) {
      if (!(err instanceof GateInputError)) throw err;
      const missing = new Set(err.missing.map((input) => GATE_INPUTS[input].variable));
      return declaredVariables(step).filter((variable) => !missing.has(variable));
    }
  });
}

/** `PreDeploy` → `pre-deploy`, `Dev` → `dev`. */
function planStageName(pipelineStage: string): StageName {
  return pipelineStage.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase() as StageName;
}

/** The tasks a CodeBuild project's build phase runs (`npx projen <task>`); other commands are not tasks. */
function tasksOf(commands: readonly string[] | undefined): string[] {
  return (commands ?? []).flatMap((command) => {
    const task = taskOfCommand(command);
    return task ? [task] : [];
  });
}

/** A variable as CodeBuild and CodePipeline declare it; a value may be a CloudFormation expression. */
interface VariableJson {
  readonly name: string;
  readonly value: unknown;
}

/** Whether a variable has a value: a non-empty string, or an expression CloudFormation resolves. */
function isSet(value: unknown): boolean {
  return typeof value === 'string' ? value.length > 0 : value !== undefined && value !== null;
}

/**
 * The variables a CodeBuild action's build gets: the project's environment variables (what CDK
 * Pipelines knows at synthesis) and the action's (stack outputs, read when the action runs),
 * the action's winning where both set one.
 */
function actionVariables(template: CfnTemplate, action: PipelineAction): string[] {
  const project = projectOf(template, action).properties as {
    Environment?: { EnvironmentVariables?: { Name: string; Value: unknown }[] };
  };
  const projectVariables: VariableJson[] = (project.Environment?.EnvironmentVariables ?? []).map((v) => ({
    name: v.Name,
    value: v.Value,
  }));
  const configured = action.Configuration?.EnvironmentVariables;
  if (configured !== undefined && typeof configured !== 'string') {
    throw new Error(`${action.Name}: unreadable action variables ${JSON.stringify(configured).slice(0, 200)}`);
  }
  const actionVariableList = configured ? (JSON.parse(configured) as VariableJson[]) : [];
  const merged = new Map([...projectVariables, ...actionVariableList].map((v) => [v.name, v.value]));
  return [...merged].filter(([, value]) => isSet(value)).map(([name]) => name);
}

/**
 * The synthesized CodePipeline: each CodeBuild action whose build runs one projen task is a
 * gate; CodePipeline runs an action after every action of its stage with a lower run order.
 */
export function codePipelineView(template: CfnTemplate): EngineView {
  const gates: GateView[] = [];
  let build: string[] = [];
  for (const stage of pipelineOf(template).Stages) {
    const name = planStageName(stage.Name);
    const actions = codeBuildActions(stage).map((action) => ({
      action,
      tasks: tasksOf(projectOf(template, action).buildSpec.phases?.build?.commands),
    }));
    if (name === 'build') {
      build = actions.flatMap((a) => a.tasks);
      continue;
    }
    const stageGates = actions.filter((a) => a.tasks.length === 1);
    for (const { action, tasks } of stageGates) {
      const runOrder = action.RunOrder ?? 1;
      const after = stageGates.filter((other) => (other.action.RunOrder ?? 1) < runOrder).map((o) => o.action.Name);
      gates.push({
        stage: name,
        gate: action.Name,
        task: tasks[0],
        after: after.sort(),
        variables: actionVariables(template, action),
      });
    }
  }
  return { gates, build };
}

/** A GitHub workflow, as far as the view reads it. */
export interface WorkflowJson {
  readonly jobs: Record<
    string,
    {
      readonly needs?: string | readonly string[];
      readonly env?: Record<string, string>;
      readonly steps: readonly { readonly run?: string }[];
    }
  >;
}

/**
 * The pull-request workflow: it checks changes, so its gates are the pre-deploy ones. A job
 * that runs one task is a gate (or another check, like drift); `needs` orders jobs.
 */
export function workflowView(workflow: WorkflowJson, buildJob = 'synth'): EngineView {
  const jobs = Object.entries(workflow.jobs).map(([id, job]) => ({
    id,
    tasks: tasksOf(job.steps.flatMap((step) => (step.run ? [step.run] : []))),
    needs: typeof job.needs === 'string' ? [job.needs] : [...(job.needs ?? [])],
    variables: Object.entries(job.env ?? {})
      .filter(([, value]) => isSet(value))
      .map(([name]) => name),
  }));
  const single = jobs.filter((job) => job.id !== buildJob && job.tasks.length === 1);
  const after = closed(new Map(single.map((job) => [job.id, new Set(job.needs)])));
  return {
    gates: single.map((job) => ({
      stage: 'pre-deploy',
      gate: job.id,
      task: job.tasks[0],
      after: after.get(job.id)!,
      variables: job.variables,
    })),
    build: jobs.find((job) => job.id === buildJob)?.tasks ?? [],
  };
}

const GATE_TASKS = new Set(Object.values(GATES).map((gate) => gate.task));
const GATE_NAMES = new Set(Object.keys(GATES));

/** Every input the model's gate declares that the engine leaves unset: `staging/smoke: B2_EXPECTED_VERSION is not set`. */
export function inputProblems(expected: GateView, actual: GateView): string[] {
  const given = new Set(actual.variables);
  return expected.variables
    .filter((variable) => !given.has(variable))
    .map((variable) => `${expected.stage}/${expected.gate}: ${variable} is not set`);
}

/**
 * Where an engine differs from the model in the stages it renders: a gate missing or extra,
 * under another name, running another task, ordered differently, or without an input it
 * declares; or another build.
 */
export function parityProblems(expected: EngineView, actual: EngineView, stages: readonly StageName[]): string[] {
  const problems: string[] = [];
  const key = (v: GateView) => `${v.stage}/${v.gate}`;
  const actualGates = new Map(actual.gates.map((v) => [key(v), v]));
  for (const want of expected.gates.filter((v) => stages.includes(v.stage))) {
    const got = actualGates.get(key(want));
    if (!got) {
      problems.push(`${key(want)} (task ${want.task}) is missing`);
      continue;
    }
    if (got.task !== want.task) problems.push(`${key(want)} runs ${got.task}, not ${want.task}`);
    if (got.after.join(',') !== want.after.join(',')) {
      problems.push(`${key(want)} waits for [${got.after.join(', ')}], not [${want.after.join(', ')}]`);
    }
    problems.push(...inputProblems(want, got));
  }
  const expectedKeys = new Set(expected.gates.map(key));
  for (const got of actual.gates) {
    // Checks that are not gates (the drift check) may run beside the gates; a gate may not.
    const isGate = GATE_TASKS.has(got.task) || GATE_NAMES.has(got.gate);
    if (isGate && !expectedKeys.has(key(got))) problems.push(`${key(got)} (task ${got.task}) is not in the model`);
    if (isGate && !stages.includes(got.stage)) problems.push(`${key(got)} runs in a stage this engine does not render`);
  }
  if (actual.build.join(',') !== expected.build.join(',')) {
    problems.push(`the build runs [${actual.build.join(', ')}], not [${expected.build.join(', ')}]`);
  }
  return problems;
}
