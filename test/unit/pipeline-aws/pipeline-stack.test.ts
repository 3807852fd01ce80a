import { CfnOutput, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CodePipelineSource } from 'aws-cdk-lib/pipelines';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CfnTemplate, SYNTHESIS_TIMEOUT_MS, SynthesizedPipeline, synthesizePipeline } from './pipeline-synthesis';
import {
  approvalProblems,
  codeBuildActions,
  pipelineOf,
  PipelineAction,
  projectOf,
  referencedId,
  stageNamed,
} from './pipeline-template';
import { pinnedCdkCliVersion } from '../../../pipeline/aws/app-inputs';
import { PIPELINE_CONFIG } from '../../../pipeline/aws/config';
import { GateReportGroups, GateStep } from '../../../pipeline/aws/gate-step';
import { CDK_ASSETS_VERSION, DEFAULT_RUNTIME_VERSIONS, pipelineStageName } from '../../../pipeline/aws/pipeline-stack';
import { GATES, gateStepsOf, planFor, stageOf } from '../../../pipeline/model';
import { PINNED_TOOLS, toolVersionVariable } from '../../../pipeline/toolchain/versions';

const plan = planFor();

function actionNamed(template: CfnTemplate, stage: string, name: string): PipelineAction {
  const action = stageNamed(template, stage).Actions.find((a) => a.Name === name);
  if (!action) throw new Error(`${stage} has no action ${name}`);
  return action;
}

describe('the pipeline stack', () => {
  let synthesized: SynthesizedPipeline;
  let template: CfnTemplate;
  let assertions: Template;

  beforeAll(() => {
    synthesized = synthesizePipeline();
    template = synthesized.template;
    assertions = Template.fromJSON(template as unknown as Record<string, unknown>);
  }, SYNTHESIS_TIMEOUT_MS);

  it('runs the gates before the first deploy, then deploys Dev → Staging → Prod', () => {
    expect(pipelineOf(template).Stages.map((s) => s.Name)).toEqual([
      'Source',
      'Build',
      'UpdatePipeline',
      'Assets',
      'PreDeploy',
      'Dev',
      'Staging',
      'Prod',
    ]);
  });

  it('is a self-mutating CodePipeline V2 that restarts its run once it has updated itself', () => {
    expect(pipelineOf(template)).toMatchObject({
      Name: PIPELINE_CONFIG.pipelineName,
      PipelineType: 'V2',
      RestartExecutionOnUpdate: true,
    });
    const selfMutate = actionNamed(template, 'UpdatePipeline', 'SelfMutate');
    const install = projectOf(template, selfMutate).buildSpec.phases?.install?.commands ?? [];
    expect(install).toContain(`npm install -g aws-cdk@${pinnedCdkCliVersion()}`);
  });

  it('publishes assets with a pinned cdk-assets, never the latest', () => {
    const assets = codeBuildActions(stageNamed(template, 'Assets'));
    expect(assets.length).toBeGreaterThan(0);
    for (const action of assets) {
      expect(projectOf(template, action).buildSpec.phases?.install?.commands).toEqual([
        `npm install -g cdk-assets@${CDK_ASSETS_VERSION}`,
      ]);
    }
  });

  it('starts on a push to the configured branch through the CodeConnections connection, with a full clone', () => {
    const [source] = stageNamed(template, 'Source').Actions;
    expect(source).toMatchObject({
      ActionTypeId: { Category: 'Source', Provider: 'CodeStarSourceConnection' },
      Configuration: {
        ConnectionArn: PIPELINE_CONFIG.connectionArn,
        FullRepositoryId: PIPELINE_CONFIG.repository,
        BranchName: PIPELINE_CONFIG.branch,
        // The secrets gate reads the git history: CodeBuild gets a clone, not a snapshot.
        OutputArtifactFormat: 'CODEBUILD_CLONE_REF',
      },
    });
    expect(source.Configuration?.DetectChanges ?? true).toBe(true);
  });

  it('runs every CodeBuild project on the pinned image with the project’s Node', () => {
    const projects = Object.values(template.Resources).filter((r) => r.Type === 'AWS::CodeBuild::Project');
    expect(projects.length).toBeGreaterThan(12);
    for (const stage of pipelineOf(template).Stages) {
      for (const action of codeBuildActions(stage)) {
        const { buildSpec, properties } = projectOf(template, action);
        expect(properties.Environment).toMatchObject({ Image: 'aws/codebuild/standard:7.0' });
        expect(buildSpec.phases?.install).toMatchObject({ 'runtime-versions': { nodejs: '20' } });
      }
    }
  });

  it('synthesizes by building the release and then the cloud assembly, through their tasks', () => {
    const synth = projectOf(template, actionNamed(template, 'Build', 'Synth')).buildSpec;
    expect(synth.phases?.install?.commands).toEqual(['npm ci']);
    expect(synth.phases?.build?.commands).toEqual(['npx projen bundle', 'npx projen synth:pipeline']);
    expect(synth.artifacts?.['base-directory']).toBe('cdk.out/pipeline');
  });

  describe.each(plan.stages.filter((stage) => gateStepsOf(stage).length > 0))('the $name gates', (stage) => {
    it.each(gateStepsOf(stage).map((step) => step.gate))(
      'run $name as its own CodeBuild project: its tools, then its task',
      (gate) => {
        const action = actionNamed(template, pipelineStageName(stage.name), gate.name);
        const { buildSpec } = projectOf(template, action);
        const tools = gate.tools.length > 0 ? [`npx projen tools:install ${gate.tools.join(' ')}`] : [];
        expect(buildSpec.phases?.install?.commands).toEqual(['npm ci', ...tools]);
        expect(buildSpec.phases?.build?.commands).toEqual([`npx projen ${gate.task}`]);
      },
    );

    it.each(gateStepsOf(stage).map((step) => step.gate))(
      'publish the $name reports: JUnit into report groups, the folder as artifacts',
      (gate) => {
        const action = actionNamed(template, pipelineStageName(stage.name), gate.name);
        const { buildSpec, references, properties } = projectOf(template, action);
        const junit = gate.reports.filter((r) => r.format === 'junit');
        const reportGroups = references.filter((id) => template.Resources[id]?.Type === 'AWS::CodeBuild::ReportGroup');
        expect(reportGroups).toHaveLength(junit.length);
        expect(Object.values(buildSpec.reports ?? {})).toEqual(
          junit.map((report) => ({
            'base-directory': `reports/${report.path.slice(0, report.path.lastIndexOf('/'))}`,
            files: [report.path.slice(report.path.lastIndexOf('/') + 1)],
            'file-format': 'JUNITXML',
          })),
        );
        const roleId = referencedId(properties.ServiceRole);
        const statements = Object.values(assertions.findResources('AWS::IAM::Policy'))
          .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
          .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[]);
        for (const id of reportGroups) {
          expect(template.Resources[id].Properties).toMatchObject({ Type: 'TEST' });
          const grants = statements.filter(
            (statement) =>
              JSON.stringify(statement.Action).includes('codebuild:BatchPutTestCases') &&
              JSON.stringify(statement.Resource).includes(JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] })),
          );
          expect(grants).toHaveLength(1);
        }
        const artifacts = gate.reports.length > 0 ? `reports/${gate.name}` : undefined;
        expect(buildSpec.artifacts?.['base-directory']).toBe(artifacts);
      },
    );
  });

  it('gives every JUnit-reporting gate a report group, whatever the stage', () => {
    const junitGates = plan.stages
      .flatMap((s) => gateStepsOf(s))
      .filter((s) => s.gate.reports.some((r) => r.format === 'junit'));
    expect(Object.values(template.Resources).filter((r) => r.Type === 'AWS::CodeBuild::ReportGroup')).toHaveLength(
      junitGates.length,
    );
  });

  it('points each post-deploy gate at the environment it checks, through that stage’s stack outputs', () => {
    for (const [name, stage] of synthesized.stack.stages) {
      const output = (out: CfnOutput) => `#{${Stack.of(out).artifactId}.${Stack.of(out).getLogicalId(out)}}`;
      const actions = codeBuildActions(stageNamed(template, pipelineStageName(name)));
      expect(actions.map((a) => a.Name).sort()).toEqual(
        gateStepsOf(stageOf(plan, name))
          .map((s) => s.gate.name)
          .sort(),
      );
      for (const action of actions) {
        const variables = JSON.parse(action.Configuration?.EnvironmentVariables as string) as {
          name: string;
          value: string;
        }[];
        expect(variables).toEqual(
          expect.arrayContaining([
            { name: 'B2_API_URL', type: 'PLAINTEXT', value: output(stage.apiUrl) },
            { name: 'B2_WEB_URL', type: 'PLAINTEXT', value: output(stage.webUrl) },
          ]),
        );
      }
    }
  });

  it('asks for approval before any prod deploy, linking the run’s evidence and notifying the topic', () => {
    expect(approvalProblems(template, 'Prod')).toEqual([]);
    const approval = actionNamed(template, 'Prod', 'Approve');
    expect(approval.Configuration).toMatchObject({
      NotificationArn: { Ref: referencedId(synthesized.stack.resolve(synthesized.stack.notifications.topicArn)) },
      ExternalEntityLink: `https://${PIPELINE_CONFIG.region}.console.aws.amazon.com/codesuite/codepipeline/pipelines/${PIPELINE_CONFIG.pipelineName}/executions/#{codepipeline.PipelineExecutionId}/timeline?region=${PIPELINE_CONFIG.region}`,
    });
    expect(approval.Configuration?.CustomData).toMatch(/dev\/load-current, staging\/smoke, staging\/load-tenfold/);
  });

  it('deploys dev and staging without waiting for anyone', () => {
    expect(approvalProblems(template, 'Dev')).toEqual(['Dev has no approval action']);
    expect(approvalProblems(template, 'Staging')).toEqual(['Staging has no approval action']);
  });

  it('fails its approval check when prod’s approval is removed or comes after a deploy', () => {
    const removed = structuredClone(template);
    const prod = stageNamed(removed, 'Prod') as unknown as { Actions: PipelineAction[] };
    prod.Actions = prod.Actions.filter((a) => a.ActionTypeId.Category !== 'Approval');
    expect(approvalProblems(removed, 'Prod')).toEqual(['Prod has no approval action']);

    const late = structuredClone(template);
    const prodLate = stageNamed(late, 'Prod') as unknown as { Actions: PipelineAction[] };
    prodLate.Actions = prodLate.Actions.map((a) =>
      a.ActionTypeId.Category === 'Approval' ? { ...a, RunOrder: 3 } : a,
    );
    expect(approvalProblems(late, 'Prod')).toEqual([
      'Prod: prod-b2-backup-copy.Prepare runs at 2, not after the approval at 3',
      'Prod: prod-b2-monitoring.Prepare runs at 2, not after the approval at 3',
      'Prod: prod-b2-backup-copy.Deploy runs at 3, not after the approval at 3',
      'Prod: prod-b2-monitoring.Deploy runs at 3, not after the approval at 3',
    ]);
  });

  it('notifies the encrypted topic when a run fails', () => {
    const topic = synthesized.stack.resolve(synthesized.stack.notifications.topicArn) as { Ref: string };
    assertions.hasResourceProperties('AWS::CodeStarNotifications::NotificationRule', {
      EventTypeIds: ['codepipeline-pipeline-pipeline-execution-failed'],
      Targets: [{ TargetAddress: topic, TargetType: 'SNS' }],
    });
    assertions.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });

  it('rolls prod back automatically: its deployment group watches the alarms and stops on them', () => {
    const prod = synthesized.stack.stages.get('prod')!;
    const api = Template.fromStack(prod.api);
    api.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      DeploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
      AlarmConfiguration: { Enabled: true, Alarms: Match.anyValue() },
      AutoRollbackConfiguration: { Enabled: true, Events: Match.arrayWith(['DEPLOYMENT_STOP_ON_ALARM']) },
    });
    const [group] = Object.values(api.findResources('AWS::CodeDeploy::DeploymentGroup'));
    expect(group.Properties.AlarmConfiguration.Alarms.length).toBeGreaterThan(0);
  });

  it('deploys each environment into its own account and region, from the environment config', () => {
    for (const [name, stage] of synthesized.stack.stages) {
      expect(stage.account).toBe(stage.environment.account);
      expect(stage.region).toBe(stage.environment.region);
      expect(stage.environment.name).toBe(name);
    }
    // CloudFormation acts in the environment's account through its bootstrap roles.
    const prodDeploy = actionNamed(template, 'Prod', 'prod-b2-api.Deploy');
    expect(JSON.stringify(prodDeploy)).toContain(`:iam::${synthesized.stack.stages.get('prod')!.account}:role/cdk-`);
  });
});

describe('a gate step', () => {
  const sast = GATES.sast;
  const stepFor = (toolVersions: Partial<Record<string, string>> = {}) => {
    const stack = new Stack();
    return new GateStep({
      input: CodePipelineSource.connection(PIPELINE_CONFIG.repository, PIPELINE_CONFIG.branch, {
        connectionArn: PIPELINE_CONFIG.connectionArn,
      }),
      reportGroups: new GateReportGroups(stack, 'Reports', { gate: sast }),
      toolVersions: {
        ...(Object.fromEntries(Object.values(PINNED_TOOLS).map((t) => [t.name, t.version])) as Record<string, string>),
        ...toolVersions,
      } as never,
      runtimeVersions: DEFAULT_RUNTIME_VERSIONS,
    });
  };

  it('pins its tools to the project’s versions by default', () => {
    expect(stepFor().env).toEqual({
      B2_REPORTS_DIR: 'reports',
      [toolVersionVariable('semgrep')]: PINNED_TOOLS.semgrep.version,
    });
  });

  it('installs and requires the tool version it is given instead', () => {
    expect(stepFor({ semgrep: '1.200.0' }).env[toolVersionVariable('semgrep')]).toBe('1.200.0');
  });

  it('is understood by the project’s installer and gates, which pin that version instead', async () => {
    vi.resetModules();
    vi.stubEnv(toolVersionVariable('semgrep'), '1.200.0');
    try {
      const { TOOLS } = await import('../../../pipeline/toolchain/versions');
      expect(TOOLS.semgrep.version).toBe('1.200.0');
      expect(TOOLS.k6.version).toBe(PINNED_TOOLS.k6.version);
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });
});
