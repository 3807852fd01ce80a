import { ApprovalStep, DeployStep, GateName, GATES, GateStep, PipelinePlan, PlanStage, PlanStep } from '../../model';

/**
 * The model's plan as the local engine walks it. The engine renders exactly what `planFor`
 * returns; the only change it may make is to leave gates out, for a run that says so (a quick
 * check of the promotion mechanics), and such a run is marked partial everywhere it shows.
 */

/** Gates run in waves: a wave starts when every gate of the wave before it has passed. */
export type Wave = readonly GateStep[];

/**
 * Orders steps into waves by their `after` lists: each wave holds the steps whose prerequisites
 * are all in earlier waves (or are not gates, such as the deploy they verify).
 */
export function wavesOf(steps: readonly GateStep[]): Wave[] {
  const ids = new Set(steps.map((s) => s.id));
  const done = new Set<string>();
  const waves: Wave[] = [];
  let left = [...steps];
  while (left.length > 0) {
    const ready = left.filter((s) => s.after.every((id) => !ids.has(id) || done.has(id)));
    if (ready.length === 0) throw new Error(`the gates ${left.map((s) => s.id).join(', ')} wait on each other`);
    waves.push(ready);
    for (const s of ready) done.add(s.id);
    left = left.filter((s) => !done.has(s.id));
  }
  return waves;
}

/** Parses a list of gates (`--only-gates`, `--waive`): gate names, comma-separated, or `none`. */
export function parseOnlyGates(text: string | undefined, option = '--only-gates'): readonly GateName[] | undefined {
  if (text === undefined) return undefined;
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 1 && names[0] === 'none') return [];
  const unknown = names.filter((n) => !(n in GATES));
  if (unknown.length > 0 || names.length === 0) {
    throw new Error(
      `${option}: ${unknown.join(', ') || '(empty)'} is not a gate; use gate names (${Object.keys(GATES).join(', ')}) or none`,
    );
  }
  return names as GateName[];
}

/**
 * The plan with only the given gates. A kept step that waited on a dropped one now waits on
 * what the dropped one waited on, so the order among the kept gates is the model's.
 */
export function withOnlyGates(plan: PipelinePlan, only: readonly GateName[]): PipelinePlan {
  const keep = new Set(only);
  const all = plan.stages.flatMap((s) => s.steps);
  const byId = new Map(all.map((s) => [s.id, s]));
  const dropped = (step: PlanStep | undefined): boolean => step?.kind === 'gate' && !keep.has(step.gate.name);
  const resolve = (ids: readonly string[]): string[] => [
    ...new Set(ids.flatMap((id) => (dropped(byId.get(id)) ? resolve(byId.get(id)?.after ?? []) : [id]))),
  ];
  return {
    stages: plan.stages.map((stage) => ({
      ...stage,
      steps: stage.steps
        .filter((step) => !dropped(step))
        .map((step) => ({ ...step, after: resolve(step.after) }))
        .map((step) =>
          step.kind === 'approval' ? { ...step, evidence: step.evidence.filter((id) => !dropped(byId.get(id))) } : step,
        ),
    })),
  };
}

/** The gate steps of the plan that were left out, for the report. */
export function skippedGates(full: PipelinePlan, run: PipelinePlan): string[] {
  const kept = new Set(run.stages.flatMap((s) => s.steps.map((step) => step.id)));
  return full.stages.flatMap((s) =>
    s.steps.filter((step) => step.kind === 'gate' && !kept.has(step.id)).map((step) => step.id),
  );
}

/** What one environment's stage holds, as the engine needs it. */
export interface EnvironmentStage {
  readonly name: string;
  readonly approval?: ApprovalStep;
  readonly deploy: DeployStep;
  readonly verify: Wave[];
}

export function environmentStage(stage: PlanStage): EnvironmentStage {
  const deploy = stage.steps.find((s): s is DeployStep => s.kind === 'deploy');
  if (!deploy) throw new Error(`stage ${stage.name} has no deploy step`);
  return {
    name: stage.name,
    approval: stage.steps.find((s): s is ApprovalStep => s.kind === 'approval'),
    deploy,
    verify: wavesOf(stage.steps.filter((s): s is GateStep => s.kind === 'gate')),
  };
}

/** The stages that deploy an environment, in promotion order. */
export function environmentStages(plan: PipelinePlan): EnvironmentStage[] {
  return plan.stages.filter((s) => s.steps.some((step) => step.kind === 'deploy')).map(environmentStage);
}

/** The pre-deploy gate waves. */
export function preDeployWaves(plan: PipelinePlan): Wave[] {
  const stage = plan.stages.find((s) => s.name === 'pre-deploy');
  return stage ? wavesOf(stage.steps.filter((s): s is GateStep => s.kind === 'gate')) : [];
}

/** The last environment of the promotion order: where releases go live for users. */
export function productionOf(plan: PipelinePlan): string {
  const stages = environmentStages(plan);
  return stages[stages.length - 1]?.name ?? 'prod';
}
