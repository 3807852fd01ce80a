import { EnvironmentConfig, EnvironmentName } from './environments';
import { Gate, GateName, GATES } from './gates';
import { definePolicy, GateGroup, Promotion, PROMOTION_POLICY, PromotionPolicy } from './policy';

/** The tasks that build what the gates check and the environments run. */
export interface BuildTasks {
  /** Builds the release every environment deploys: the Lambda bundles and the web front end. */
  readonly release: string;
  /** Synthesizes the cloud assembly the AWS pipeline deploys: the pipeline stack and its stages. */
  readonly cloudAssembly: string;
  /**
   * Synthesizes each environment's stacks from the built release into `STAGES_ASSEMBLY_DIR`
   * (`assembly-<environment>/`): the templates an approval compares with what is live.
   */
  readonly templates: string;
}

/** Where the `templates` task writes each environment's stage (`assembly-<environment>/`), from the project root. */
export const STAGES_ASSEMBLY_DIR = 'cdk.out';

/** The whole pipeline, engine-free: what each engine renders. */
export interface PipelineModel {
  readonly gates: Readonly<Record<GateName, Gate>>;
  readonly build: BuildTasks;
  readonly policy: PromotionPolicy;
}

/** The pipeline of this project. */
export const PIPELINE: PipelineModel = {
  gates: GATES,
  build: { release: 'bundle', cloudAssembly: 'synth:pipeline', templates: 'synth' },
  policy: PROMOTION_POLICY,
};

export type StageName = 'build' | 'pre-deploy' | EnvironmentName;

interface PlanStepBase {
  /** Unique in the plan: `<stage>/<step>`, e.g. `dev/load-current`. */
  readonly id: string;
  /** Steps of the same stage that must have passed before this one starts. */
  readonly after: readonly string[];
}

export interface BuildStep extends PlanStepBase {
  readonly kind: 'build';
  readonly tasks: BuildTasks;
}

export interface GateStep extends PlanStepBase {
  readonly kind: 'gate';
  readonly gate: Gate;
  /** The environment a post-deploy gate checks; none for a pre-deploy gate. */
  readonly environment?: EnvironmentConfig;
}

export interface ApprovalStep extends PlanStepBase {
  readonly kind: 'approval';
  readonly environment: EnvironmentConfig;
  /** The gate steps (ids) whose results the approver sees: every gate that ran before it. */
  readonly evidence: readonly string[];
}

export interface DeployStep extends PlanStepBase {
  readonly kind: 'deploy';
  /** The environment, its traffic shift, bake and rollback triggers. */
  readonly promotion: Promotion;
}

export type PlanStep = BuildStep | GateStep | ApprovalStep | DeployStep;

/** Stages run one after another; inside a stage, steps run as soon as their `after` steps have passed. */
export interface PlanStage {
  readonly name: StageName;
  readonly steps: readonly PlanStep[];
}

/** The ordered plan every engine renders: the CDK Pipeline, the GitHub workflow, the local engine. */
export interface PipelinePlan {
  readonly stages: readonly PlanStage[];
}

const stepId = (stage: StageName, step: string) => `${stage}/${step}`;

/** Gate steps for groups that run one after another, the first group after `first`. */
function gateGroups(
  stage: StageName,
  groups: readonly GateGroup[],
  first: readonly string[],
  model: PipelineModel,
  environment?: EnvironmentConfig,
): GateStep[] {
  let previous = first;
  return groups.flatMap((group) => {
    const steps = group.map((name): GateStep => ({
      kind: 'gate',
      id: stepId(stage, name),
      after: previous,
      gate: model.gates[name],
      ...(environment ? { environment } : {}),
    }));
    previous = steps.map((step) => step.id);
    return steps;
  });
}

function promotionStage(promotion: Promotion, model: PipelineModel, evidence: readonly string[]): PlanStage {
  const name = promotion.environment.name;
  const approval: ApprovalStep[] = promotion.approval
    ? [{ kind: 'approval', id: stepId(name, 'approval'), after: [], environment: promotion.environment, evidence }]
    : [];
  const deploy: DeployStep = {
    kind: 'deploy',
    id: stepId(name, 'deploy'),
    after: approval.map((step) => step.id),
    promotion,
  };
  const gates = gateGroups(name, promotion.verify, [deploy.id], model, promotion.environment);
  return { name, steps: [...approval, deploy, ...gates] };
}

/**
 * Turns the model into the ordered plan the engines render: the build, the pre-deploy gates,
 * then per environment its approval (where required), its deploy and its verify gates.
 * Throws when the policy breaks a rule or names a gate the model does not define.
 */
export function planFor(model: PipelineModel = PIPELINE): PipelinePlan {
  const policy = definePolicy(model.policy);
  const named = [...policy.preDeploy, ...policy.promotions.flatMap((p) => p.verify.flat())];
  const unknown = named.filter((name) => !model.gates[name]);
  if (unknown.length > 0) throw new Error(`the policy names gates the model does not define: ${unknown.join(', ')}`);

  const build: PlanStage = {
    name: 'build',
    steps: [{ kind: 'build', id: stepId('build', 'build'), after: [], tasks: model.build }],
  };
  const preDeploy: PlanStage = { name: 'pre-deploy', steps: gateGroups('pre-deploy', [policy.preDeploy], [], model) };
  const stages: PlanStage[] = [build, preDeploy];
  for (const promotion of policy.promotions) {
    const evidence = stages.flatMap((stage) => gateStepsOf(stage).map((step) => step.id));
    stages.push(promotionStage(promotion, model, evidence));
  }
  return { stages };
}

/** The gate steps of a stage, in plan order. */
export function gateStepsOf(stage: PlanStage): GateStep[] {
  return stage.steps.filter((step): step is GateStep => step.kind === 'gate');
}

/** One stage of a plan by name. */
export function stageOf(plan: PipelinePlan, name: StageName): PlanStage {
  const stage = plan.stages.find((s) => s.name === name);
  if (!stage) throw new Error(`the plan has no stage ${name}`);
  return stage;
}
