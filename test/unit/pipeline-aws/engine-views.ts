import { CfnTemplate } from './pipeline-synthesis';
import { codeBuildActions, pipelineOf, projectOf } from './pipeline-template';
import { GATES, GateStep, PipelinePlan, StageName, taskOfCommand } from '../../../pipeline/model';

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

/** The model's own plan: what the local engine renders. */
export function planView(plan: PipelinePlan): EngineView {
  const gates: GateView[] = [];
  for (const stage of plan.stages) {
    const steps = stage.steps.filter((s): s is GateStep => s.kind === 'gate');
    const byId = new Map(steps.map((s) => [s.id, s.gate.name]));
    const edges = new Map(
      steps.map((s) => [s.gate.name, new Set(s.after.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : [])))]),
    );
    const after = closed(edges);
    for (const s of steps) {
      gates.push({ stage: stage.name, gate: s.gate.name, task: s.gate.task, after: after.get(s.gate.name)! });
    }
  }
  const build = plan.stages.flatMap((s) => s.steps).find((s) => s.kind === 'build');
  return { gates, build: build?.kind === 'build' ? [build.tasks.release, build.tasks.cloudAssembly] : [] };
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
      gates.push({ stage: name, gate: action.Name, task: tasks[0], after: after.sort() });
    }
  }
  return { gates, build };
}

/** A GitHub workflow, as far as the view reads it. */
export interface WorkflowJson {
  readonly jobs: Record<
    string,
    { readonly needs?: string | readonly string[]; readonly steps: readonly { readonly run?: string }[] }
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
  }));
  const single = jobs.filter((job) => job.id !== buildJob && job.tasks.length === 1);
  const after = closed(new Map(single.map((job) => [job.id, new Set(job.needs)])));
  return {
    gates: single.map((job) => ({ stage: 'pre-deploy', gate: job.id, task: job.tasks[0], after: after.get(job.id)! })),
    build: jobs.find((job) => job.id === buildJob)?.tasks ?? [],
  };
}

const GATE_TASKS = new Set(Object.values(GATES).map((gate) => gate.task));
const GATE_NAMES = new Set(Object.keys(GATES));

/**
 * Where an engine differs from the model in the stages it renders: a gate missing or extra,
 * under another name, running another task, or ordered differently; or another build.
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
