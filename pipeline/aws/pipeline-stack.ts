import { CfnResource, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CodePipeline, CodePipelineSource, ManualApprovalStep, ShellStep, Step } from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';
import { BaselinePromotionStep, BaselineStore, MeasuredLoad } from './baseline-store';
import { PIPELINE_ASSEMBLY_DIR, PipelineConfig, pipelineConfigProblems } from './config';
import { GateInputSources, GateReportGroups, GateStep, RuntimeVersions, ToolVersions } from './gate-step';
import { acknowledgeGeneratedPermissions } from './generated-permissions';
import { InfrastructureEvidenceStep } from './infrastructure-evidence-step';
import { ReleaseAssets, ServiceStage } from '../../stages/service-stage';
import {
  ApprovalStep,
  BuildStep,
  EnvironmentName,
  EVIDENCE_FOLDER,
  Gate,
  GateStep as PlannedGate,
  gateStepsOf,
  INSTALL_DEPENDENCIES_COMMAND,
  LoadScenario,
  LOAD_SCENARIOS,
  PIPELINE,
  PipelinePlan,
  planFor,
  PlanStage,
  REPORTS_FOLDER,
  runTaskCommand,
} from '../model';
import { PINNED_TOOLS, SERVICE_NODE_MAJOR, ToolName } from '../toolchain/versions';

/**
 * The cdk-assets CLI the asset publishing steps install. CDK Pipelines would install `latest`;
 * a pinned version makes a pipeline run today and next month publish the same way.
 */
export const CDK_ASSETS_VERSION = '4.7.3';

/**
 * CodeBuild's standard 7.0 image offers these (its `runtimes.yml` lists nodejs 24, 22, 20 and 18):
 * Node is the service's pinned major, the Lambda runtime's, so the steps build and test the release
 * on the Node it runs on.
 */
export const DEFAULT_RUNTIME_VERSIONS: RuntimeVersions = {
  nodejs: String(SERVICE_NODE_MAJOR),
  python: '3.12',
  java: 'corretto17',
};

/** `pre-deploy` → `PreDeploy`, `load-current` → `LoadCurrent`. */
function pascalCase(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** The load scenario a gate measures; none for a gate that is not a load gate. */
function scenarioOf(gate: Gate): LoadScenario | undefined {
  return Object.values(LOAD_SCENARIOS).find((scenario) => gate.name === `load-${scenario.name}`);
}

/** CodePipeline stage names: `pre-deploy` → `PreDeploy`, `dev` → `Dev`. */
export function pipelineStageName(stage: PlanStage['name']): string {
  return pascalCase(stage);
}

export interface PipelineStackProps extends Omit<StackProps, 'env'> {
  readonly config: PipelineConfig;
  /**
   * The commit the release was built from. The pipeline updates itself before it deploys, so
   * the commit it was synthesized from is the release its stages deploy and its smoke gates expect.
   */
  readonly commit: string;
  /** The built release the stages deploy. */
  readonly assets: ReleaseAssets;
  /**
   * The plan to render.
   * @default planFor(PIPELINE) — the project's pipeline model
   */
  readonly plan?: PipelinePlan;
  /**
   * The version of each gate tool the steps install, by tool.
   * @default - the project's pins (`pipeline/toolchain/versions.ts`)
   */
  readonly toolVersions?: Partial<ToolVersions>;
  /**
   * The aws-cdk CLI the self-mutation step installs.
   * @default - none: required, so that self-mutation is never `latest`
   */
  readonly cdkCliVersion: string;
  /**
   * The cdk-assets CLI the asset publishing steps install.
   * @default CDK_ASSETS_VERSION
   */
  readonly cdkAssetsVersion?: string;
  /**
   * The language runtimes the CodeBuild steps select.
   * @default DEFAULT_RUNTIME_VERSIONS
   */
  readonly runtimeVersions?: RuntimeVersions;
}

/**
 * The AWS rendering of the pipeline plan: a self-mutating CDK Pipeline (CodePipeline V2) that
 * starts on a push to the branch, synthesizes itself and the stages, runs the pre-deploy gates
 * in parallel as CodeBuild steps, then deploys each environment in promotion order with its
 * verify gates after the deploy and, where the plan says so, a manual approval before it.
 * Rollback is the stages' own: each environment's CodeDeploy deployment group and alarms.
 * Every gate step is given the inputs the gate contract declares; once production's gates have
 * passed, the release's load summaries become the baselines in the pipeline's baseline store.
 */
export class PipelineStack extends Stack {
  readonly pipeline: CodePipeline;
  readonly plan: PipelinePlan;
  /** Each environment's stage, by environment. */
  readonly stages: ReadonlyMap<EnvironmentName, ServiceStage>;
  /** The gate steps, by plan step id (`dev/e2e`). */
  readonly gateSteps: ReadonlyMap<string, GateStep>;
  /** Pipeline failures and approval requests. */
  readonly notifications: sns.Topic;
  /** Production's load baselines: what the load gates compare with. */
  readonly baselines: BaselineStore;
  /** The step after production's gates that makes the release's load summaries the baselines. */
  readonly baselinePromotion: BaselinePromotionStep;
  /**
   * What a person attaches to roll an environment's stage back to an earlier execution that
   * succeeded in it (`aws codepipeline rollback-stage`): the stage's deploy actions run again
   * with that execution's cloud assembly, templates and release.
   */
  readonly stageRollbackPolicy: iam.ManagedPolicy;

  private readonly source: CodePipelineSource;
  private readonly toolVersions: ToolVersions;
  private readonly runtimeVersions: RuntimeVersions;
  private readonly props: PipelineStackProps;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    const problems = pipelineConfigProblems(props.config);
    if (problems.length > 0) throw new Error(`the pipeline config is invalid: ${problems.join('; ')}`);
    super(scope, id, { ...props, env: { account: props.config.account, region: props.config.region } });
    this.props = props;
    this.plan = props.plan ?? planFor(PIPELINE);
    this.toolVersions = {
      ...(Object.fromEntries(Object.values(PINNED_TOOLS).map((tool) => [tool.name, tool.version])) as Record<
        ToolName,
        string
      >),
      ...props.toolVersions,
    };
    this.runtimeVersions = props.runtimeVersions ?? DEFAULT_RUNTIME_VERSIONS;
    this.notifications = this.notificationTopic();

    const gates = this.plan.stages.flatMap((stage) => stage.steps).filter((s): s is PlannedGate => s.kind === 'gate');
    this.source = CodePipelineSource.connection(props.config.repository, props.config.branch, {
      connectionArn: props.config.connectionArn,
      triggerOnPush: true,
      // A full clone instead of a snapshot, for the gates that read the history.
      codeBuildCloneOutput: gates.some((step) => step.gate.gitHistory),
    });

    const synth = this.synthStep();
    this.pipeline = new CodePipeline(this, 'Pipeline', {
      pipelineName: props.config.pipelineName,
      pipelineType: codepipeline.PipelineType.V2,
      // A newer commit waiting at a stage boundary replaces an older one: approvers see the latest.
      // Not PARALLEL: a PARALLEL pipeline cannot roll a stage back (`aws codepipeline rollback-stage`).
      executionMode: codepipeline.ExecutionMode.SUPERSEDED,
      selfMutation: true,
      // Every environment has its own account: artifacts are encrypted with a key they can use.
      crossAccountKeys: true,
      enableKeyRotation: true,
      cliVersion: props.cdkCliVersion,
      cdkAssetsCliVersion: props.cdkAssetsVersion ?? CDK_ASSETS_VERSION,
      synth,
      codeBuildDefaults: {
        // Pinned rather than CDK's default, which moves with aws-cdk-lib upgrades.
        buildEnvironment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0 },
        // The service's Node major, selected rather than left to the image's default.
        partialBuildSpec: codebuild.BuildSpec.fromObject({
          phases: { install: { 'runtime-versions': { nodejs: this.runtimeVersions.nodejs } } },
        }),
        timeout: Duration.minutes(30),
      },
    });

    const environmentStages = this.plan.stages.filter((stage) => stage.name !== 'build' && stage.name !== 'pre-deploy');
    const production = environmentStages[environmentStages.length - 1];
    if (!production) throw new Error('the plan promotes to no environment');
    this.baselines = new BaselineStore(this, 'LoadBaselines', { environment: production.name as EnvironmentName });

    const stages = new Map<EnvironmentName, ServiceStage>();
    const gateSteps = new Map<string, GateStep>();
    let baselinePromotion: BaselinePromotionStep | undefined;
    for (const stage of this.plan.stages) {
      if (stage.name === 'build') continue;
      if (stage.name === 'pre-deploy') {
        this.pipeline.addWave(pipelineStageName(stage.name), { post: this.gateStepsFor(stage, gateSteps) });
        continue;
      }
      const deploy = stage.steps.find((step) => step.kind === 'deploy');
      if (!deploy) throw new Error(`the plan's ${stage.name} stage deploys nothing`);
      const serviceStage = new ServiceStage(this, pipelineStageName(stage.name), {
        environment: deploy.promotion.environment,
        commit: props.commit,
        assets: props.assets,
      });
      stages.set(stage.name, serviceStage);
      const approvals = stage.steps.filter((step): step is ApprovalStep => step.kind === 'approval');
      const verify = this.gateStepsFor(stage, gateSteps, serviceStage);
      if (stage === production) baselinePromotion = this.baselinePromotionAfter(stage, gateSteps);
      // Before an approval, the evidence of what the release does to the stage's deployed stacks.
      const evidence = approvals.length
        ? [
            new InfrastructureEvidenceStep({
              input: this.source,
              assembly: synth,
              stage: serviceStage,
              environment: stage.name,
            }),
          ]
        : [];
      const approvalSteps = approvals.map((approval) => this.approvalStep(approval));
      for (const approval of approvalSteps) for (const step of evidence) approval.addStepDependency(step);
      this.pipeline.addStage(serviceStage, {
        pre: [...evidence, ...approvalSteps],
        post: [...verify, ...(baselinePromotion && stage === production ? [baselinePromotion] : [])],
      });
    }
    this.stages = stages;
    this.gateSteps = gateSteps;
    this.baselinePromotion = baselinePromotion!;

    this.pipeline.buildPipeline();
    this.stageRollbackPolicy = this.stageRollback([...stages.keys()].map((name) => pipelineStageName(name)));
    // Approval requests reach the topic from the approval action itself (its message carries the
    // review link); failures, including a rejected approval, through a notification rule.
    this.pipeline.pipeline.notifyOn('Failures', this.notifications, {
      events: [codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED],
    });
    acknowledgeGeneratedPermissions(this.pipeline);
    // cfn-lint's E3703 checks a CloudFormation action's RoleArn against the IAM role ARN format,
    // and cannot evaluate the Fn::Join CDK writes for the environments' bootstrap roles
    // (`arn:${AWS::Partition}:iam::<account>:role/cdk-…`): it reports "prefer Fn::Sub" as an error
    // on every cross-account deploy action. Ignored on this one resource only.
    (this.pipeline.pipeline.node.defaultChild as CfnResource).addMetadata('cfn-lint', {
      config: { ignore_checks: ['E3703'] },
    });
  }

  private synthStep(): ShellStep {
    const build = this.plan.stages.flatMap((stage) => stage.steps).find((s): s is BuildStep => s.kind === 'build');
    if (!build) throw new Error('the plan has no build step');
    return new ShellStep('Synth', {
      input: this.source,
      installCommands: [INSTALL_DEPENDENCIES_COMMAND],
      commands: [runTaskCommand(build.tasks.release), runTaskCommand(build.tasks.cloudAssembly)],
      primaryOutputDirectory: PIPELINE_ASSEMBLY_DIR,
    });
  }

  /**
   * Where the gate steps of a stage take the gate contract's inputs from: the reports folder of
   * the checkout, the release this pipeline was synthesized for, production's baselines in the
   * store, and after a deploy the environment's name and its stack outputs.
   */
  private gateInputs(target?: ServiceStage): GateInputSources {
    return {
      reportsDir: REPORTS_FOLDER,
      expectedVersion: this.props.commit,
      loadBaseline: this.baselines.location,
      // Production's manual approval sees the api-compat report and accepts a breaking change by approving.
      changeAcceptance: 'approval',
      ...(target ? { apiUrl: target.apiUrl, webUrl: target.webUrl, expectedEnvironment: target.environment.name } : {}),
    };
  }

  /** The stage's gate steps, each after the gate steps its plan step waits for. */
  private gateStepsFor(stage: PlanStage, all: Map<string, GateStep>, target?: ServiceStage): Step[] {
    const planned = stage.steps.filter((step): step is PlannedGate => step.kind === 'gate');
    const steps = planned.map((step) => {
      const id = `${pipelineStageName(stage.name)}${pascalCase(step.gate.name)}Reports`;
      const reportGroups = new GateReportGroups(this, id, { gate: step.gate });
      const scenario = scenarioOf(step.gate);
      const gateStep = new GateStep({
        input: this.source,
        reportGroups,
        toolVersions: this.toolVersions,
        runtimeVersions: this.runtimeVersions,
        inputs: this.gateInputs(target),
        rolePolicyStatements: [
          ...(scenario ? this.baselines.readStatements(scenario.name) : []),
          ...(step.gate.inputs.includes('loadBaseline') && !scenario ? this.baselines.contractReadStatements() : []),
        ],
      });
      all.set(step.id, gateStep);
      return gateStep;
    });
    // Deploys and approvals order themselves (post and pre steps); gates wait for the gates before them.
    for (const step of planned) {
      for (const before of step.after) {
        const dependency = all.get(before);
        if (dependency) all.get(step.id)!.addStepDependency(dependency);
      }
    }
    return steps;
  }

  /**
   * The promotion of the release's load baselines, once every gate of production has passed:
   * the summary of each load gate of the plan, from the environment it ran in.
   */
  private baselinePromotionAfter(production: PlanStage, all: ReadonlyMap<string, GateStep>): BaselinePromotionStep {
    const measured: MeasuredLoad[] = this.plan.stages.flatMap((stage) =>
      gateStepsOf(stage).flatMap((step) => {
        const gateStep = all.get(step.id);
        return step.environment && gateStep && scenarioOf(step.gate)
          ? [{ environment: step.environment.name, gate: step.gate, step: gateStep }]
          : [];
      }),
    );
    const compat = this.plan.stages.flatMap(gateStepsOf).find((step) => step.gate.name === 'api-compat');
    const candidate = compat?.gate.reports.find((report) => report.path.endsWith('candidate.json'));
    if (!compat || !candidate) {
      throw new Error("the plan has no api-compat gate to promote production's API contract from");
    }
    const promotion = new BaselinePromotionStep({
      input: this.source,
      store: this.baselines,
      measured,
      release: this.props.commit,
      contract: { step: all.get(compat.id)!, path: candidate.path },
    });
    for (const step of gateStepsOf(production)) promotion.addStepDependency(all.get(step.id)!);
    return promotion;
  }

  private approvalStep(approval: ApprovalStep): ManualApprovalStep {
    const { region, pipelineName } = this.props.config;
    const evidence = approval.evidence.join(', ');
    return new ManualApprovalStep('Approve', {
      comment:
        `Promote to ${approval.environment.name}? The evidence is this run: the gate results ` +
        `(${evidence}) in their CodeBuild report groups, the k6 reports in the load gates' artifacts, and what the ` +
        `release does to the deployed stacks in the InfrastructureEvidence action's artifact ` +
        `(${REPORTS_FOLDER}/${EVIDENCE_FOLDER}/infrastructure-${approval.environment.name}.txt). An IAM widening or a ` +
        `replaced table or key is marked there: name it in your comment.`,
      // Every action of the execution links to its build, its test reports and its artifacts.
      reviewUrl:
        `https://${region}.console.aws.amazon.com/codesuite/codepipeline/pipelines/${pipelineName}` +
        `/executions/${codepipeline.GlobalVariables.executionId}/timeline?region=${region}`,
      notificationTopic: this.notifications,
    });
  }

  /**
   * The permissions of a rollback on demand: roll back the environments' stages (never the
   * source), and find the execution to go back to.
   */
  private stageRollback(stageNames: readonly string[]): iam.ManagedPolicy {
    const pipelineArn = this.pipeline.pipeline.pipelineArn;
    return new iam.ManagedPolicy(this, 'StageRollback', {
      managedPolicyName: `${this.props.config.pipelineName}-stage-rollback`,
      description: `Roll an environment's stage of ${this.props.config.pipelineName} back to an earlier execution that succeeded in it`,
      statements: [
        new iam.PolicyStatement({
          sid: 'RollBackEnvironmentStages',
          actions: ['codepipeline:RollbackStage'],
          resources: stageNames.map((name) => `${pipelineArn}/${name}`),
        }),
        new iam.PolicyStatement({
          sid: 'FindTheExecutionToGoBackTo',
          actions: [
            'codepipeline:ListPipelineExecutions',
            'codepipeline:GetPipelineExecution',
            'codepipeline:GetPipelineState',
          ],
          resources: [pipelineArn],
        }),
      ],
    });
  }

  /**
   * An encrypted topic both CodePipeline (approval requests) and CodeStar Notifications
   * (failures) can publish to.
   */
  private notificationTopic(): sns.Topic {
    const key = new kms.Key(this, 'NotificationsKey', {
      description: 'Encrypts the B2 pipeline notifications topic',
      enableKeyRotation: true,
    });
    // CodeStar Notifications encrypts what it publishes with the topic's key.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('codestar-notifications.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:ViaService': `sns.${this.region}.amazonaws.com` } },
      }),
    );
    return new sns.Topic(this, 'Notifications', {
      topicName: `${this.props.config.pipelineName}-notifications`,
      masterKey: key,
      enforceSSL: true,
    });
  }
}
