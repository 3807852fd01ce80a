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
import { GateInputSources, GateReportGroups, GateStep, gateStepVariables } from '../../../pipeline/aws/gate-step';
import { CDK_ASSETS_VERSION, DEFAULT_RUNTIME_VERSIONS, pipelineStageName } from '../../../pipeline/aws/pipeline-stack';
import { Gate, GateInputError, GATES, gateStepsOf, LOAD_GATES, planFor, stageOf } from '../../../pipeline/model';
import { PINNED_TOOLS, toolVersionVariable } from '../../../pipeline/toolchain/versions';
import { FIXTURE_COMMIT } from '../stages/stage-synthesis';

const plan = planFor();

function actionNamed(template: CfnTemplate, stage: string, name: string): PipelineAction {
  const action = stageNamed(template, stage).Actions.find((a) => a.Name === name);
  if (!action) throw new Error(`${stage} has no action ${name}`);
  return action;
}

/** The environment variables of a CodeBuild action's project, by name. */
function projectVariables(template: CfnTemplate, action: PipelineAction): Record<string, unknown> {
  const environment = projectOf(template, action).properties.Environment as {
    EnvironmentVariables?: { Name: string; Value: unknown }[];
  };
  return Object.fromEntries((environment.EnvironmentVariables ?? []).map((v) => [v.Name, v.Value]));
}

interface StatementJson {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/** Every statement of the IAM policies attached to a role, by the role's logical id. */
function roleStatements(template: CfnTemplate, roleId: string | undefined): StatementJson[] {
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((policy) => JSON.stringify(policy.Properties?.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((policy) => (policy.Properties!.PolicyDocument as { Statement: StatementJson[] }).Statement);
}

/** The statements of the role a CodeBuild action's project runs as. */
function actionStatements(template: CfnTemplate, action: PipelineAction): StatementJson[] {
  return roleStatements(template, referencedId(projectOf(template, action).properties.ServiceRole));
}

const actionsOf = (statement: StatementJson) => ([] as string[]).concat(statement.Action);

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

  it('runs every CodeBuild project on the pinned image with Node 24, the Lambda runtime’s major', () => {
    const projects = Object.values(template.Resources).filter((r) => r.Type === 'AWS::CodeBuild::Project');
    expect(projects.length).toBeGreaterThan(12);
    for (const stage of pipelineOf(template).Stages) {
      for (const action of codeBuildActions(stage)) {
        const { buildSpec, properties } = projectOf(template, action);
        expect(properties.Environment).toMatchObject({ Image: 'aws/codebuild/standard:7.0' });
        expect(buildSpec.phases?.install).toMatchObject({ 'runtime-versions': { nodejs: '24' } });
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
      const urls = { apiUrl: output(stage.apiUrl), webUrl: output(stage.webUrl) };
      const gates = gateStepsOf(stageOf(plan, name)).map((s) => s.gate);
      const actions = codeBuildActions(stageNamed(template, pipelineStageName(name))).filter(
        (a) => a.Name !== 'promote-baseline' && a.Name !== 'InfrastructureEvidence',
      );
      expect(actions.map((a) => a.Name).sort()).toEqual(gates.map((g) => g.name).sort());
      for (const gate of gates) {
        const action = actionNamed(template, pipelineStageName(name), gate.name);
        const variables = JSON.parse(action.Configuration?.EnvironmentVariables as string) as unknown[];
        // Only the URLs the gate declares: the e2e gate reads the web front end, the others the API.
        expect(variables).toEqual(
          (['apiUrl', 'webUrl'] as const)
            .filter((input) => gate.inputs.includes(input))
            .map((input) => ({
              name: input === 'apiUrl' ? 'B2_API_URL' : 'B2_WEB_URL',
              type: 'PLAINTEXT',
              value: urls[input],
            })),
        );
      }
    }
  });

  it('gives each smoke step the release it deploys and the environment it is in', () => {
    const smokeStages = plan.stages.filter((stage) => gateStepsOf(stage).some((step) => step.gate.name === 'smoke'));
    expect(smokeStages.map((stage) => stage.name)).toEqual(['staging', 'prod']);
    for (const stage of smokeStages) {
      expect(projectVariables(template, actionNamed(template, pipelineStageName(stage.name), 'smoke'))).toMatchObject({
        B2_REPORTS_DIR: 'reports',
        B2_EXPECTED_VERSION: FIXTURE_COMMIT,
        B2_EXPECTED_ENVIRONMENT: stage.name,
      });
    }
  });

  it('stops each gate after its own timeout, not a pipeline-wide one', () => {
    for (const stage of plan.stages) {
      for (const step of gateStepsOf(stage)) {
        const action = actionNamed(template, pipelineStageName(stage.name), step.gate.name);
        expect(projectOf(template, action).properties.TimeoutInMinutes).toBe(step.gate.timeoutMinutes);
      }
    }
  });

  it('points the load gates at prod’s baselines in the pipeline’s bucket, each reading only its own', () => {
    const bucketId = referencedId(synthesized.stack.resolve(synthesized.stack.baselines.bucket.bucketName))!;
    const loadSteps = plan.stages.flatMap((stage) =>
      gateStepsOf(stage)
        .filter((step) => LOAD_GATES.includes(step.gate.name))
        .map((step) => ({ stage, step })),
    );
    expect(loadSteps.map(({ step }) => step.id)).toEqual(['dev/load-current', 'staging/load-tenfold']);
    for (const { stage, step } of loadSteps) {
      const action = actionNamed(template, pipelineStageName(stage.name), step.gate.name);
      expect(projectVariables(template, action).B2_LOAD_BASELINE_LOCATION).toEqual({
        'Fn::Join': ['', ['s3://', { Ref: bucketId }, '/baselines/prod/']],
      });
      // The load gate refuses a target off its own machine unless the engine says it is deployed.
      expect(projectVariables(template, action).B2_LOAD_ALLOW_REMOTE).toBe('1');
      const reads = actionStatements(template, action).filter((s) => JSON.stringify(s.Resource).includes(bucketId));
      expect(reads).toEqual([
        expect.objectContaining({
          Action: 's3:GetObject',
          Resource: [
            { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/baselines/prod/${step.gate.name}.json`]] },
            {
              'Fn::Join': [
                '',
                [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/baselines/prod/reference/${step.gate.name}.json`],
              ],
            },
          ],
        }),
        expect.objectContaining({ Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] } }),
      ]);
    }
  });

  it('promotes the release’s load summaries and API contract to the baselines in Prod after smoke, the only step that writes them', () => {
    const bucketId = referencedId(synthesized.stack.resolve(synthesized.stack.baselines.bucket.bucketName))!;
    const promote = actionNamed(template, 'Prod', 'promote-baseline');
    expect(promote.RunOrder).toBeGreaterThan(actionNamed(template, 'Prod', 'smoke').RunOrder!);
    const { buildSpec } = projectOf(template, promote);
    expect(buildSpec.phases?.build?.commands).toEqual([
      `npx projen load:promote-baseline -- --to s3://<${bucketId}>/baselines/prod/ --environment prod ` +
        `--release ${FIXTURE_COMMIT} --contract reports/api-compat/candidate.json ` +
        'reports/dev/load-current/summary.json reports/staging/load-tenfold/summary.json',
    ]);
    // The summaries are the artifacts of the load gates that measured them.
    const outputs = (stage: string, gate: string) =>
      (actionNamed(template, stage, gate) as unknown as { OutputArtifacts: { Name: string }[] }).OutputArtifacts;
    expect((promote as unknown as { InputArtifacts: { Name: string }[] }).InputArtifacts).toEqual(
      expect.arrayContaining([
        ...outputs('Dev', 'load-current'),
        ...outputs('Staging', 'load-tenfold'),
        // The candidate's contract, as the api-compat gate compared it.
        ...outputs('PreDeploy', 'api-compat'),
      ]),
    );

    const writesBaselines = (statement: StatementJson) =>
      actionsOf(statement).some((a) => a.startsWith('s3:Put') || a.startsWith('s3:Delete') || a === 's3:*') &&
      JSON.stringify(statement.Resource).includes(bucketId);
    const writers = Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Role')
      .filter(([id]) => roleStatements(template, id).some(writesBaselines))
      .map(([id]) => id);
    expect(writers).toEqual([referencedId(projectOf(template, promote).properties.ServiceRole)]);
    // Its role writes nowhere else, and only the baselines of the load scenarios.
    const writes = actionStatements(template, promote).filter((s) =>
      actionsOf(s).some((a) => /^s3:(Put|Delete|Abort)|^s3:\*$/.test(a)),
    );
    const objectIn = (key: string) => ({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/baselines/prod/${key}`]],
    });
    expect(writes).toEqual([
      expect.objectContaining({
        Action: 's3:PutObject',
        Resource: [
          ...LOAD_GATES.map((gate) => objectIn(`${gate}.json`)),
          objectIn('openapi.json'),
          ...LOAD_GATES.map((gate) => objectIn(`reference/${gate}.json`)),
          objectIn('reference/reference-history.jsonl'),
        ],
      }),
    ]);
  });

  it('keeps the baselines encrypted with a rotated key, versioned, private, SSL-only and retained', () => {
    const bucketId = referencedId(synthesized.stack.resolve(synthesized.stack.baselines.bucket.bucketName))!;
    const keyId = referencedId(synthesized.stack.resolve(synthesized.stack.baselines.key.keyArn))!;
    const bucket = template.Resources[bucketId] as { Properties: Record<string, unknown>; DeletionPolicy?: string };
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
            },
          },
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { DestinationBucketName: expect.anything() },
    });
    expect(template.Resources[keyId].Properties).toMatchObject({ EnableKeyRotation: true });
    assertions.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
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
      a.ActionTypeId.Category === 'Approval' ? { ...a, RunOrder: 4 } : a,
    );
    expect(approvalProblems(late, 'Prod')).toEqual([
      'Prod: prod-b2-backup-copy.Prepare runs at 3, not after the approval at 4',
      'Prod: prod-b2-monitoring.Prepare runs at 3, not after the approval at 4',
      'Prod: prod-b2-backup-copy.Deploy runs at 4, not after the approval at 4',
      'Prod: prod-b2-monitoring.Deploy runs at 4, not after the approval at 4',
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

  it('writes the infrastructure evidence before prod’s approval, reading the deployed templates only through each account’s lookup role', () => {
    const evidence = actionNamed(template, 'Prod', 'InfrastructureEvidence');
    const approval = actionNamed(template, 'Prod', 'Approve');
    expect(evidence.RunOrder).toBeLessThan(approval.RunOrder!);
    const prod = synthesized.stack.stages.get('prod')!;
    expect(projectOf(template, evidence).buildSpec.phases?.build?.commands).toEqual([
      `npx projen evidence:infra -- --environment prod --assembly cdk.out/pipeline/assembly-${prod.artifactId}`,
    ]);
    // The cloud assembly (the synth step's output) is one of its inputs.
    const synthOutputs = (actionNamed(template, 'Build', 'Synth') as unknown as { OutputArtifacts: { Name: string }[] })
      .OutputArtifacts;
    expect((evidence as unknown as { InputArtifacts: { Name: string }[] }).InputArtifacts).toEqual(
      expect.arrayContaining(synthOutputs),
    );
    // Prod's stacks are in its region and, for the backup copy, in a second one.
    const lookupRoles = [prod.region, prod.backupCopy!.region]
      .map((region) => `arn:aws:iam::${prod.account}:role/cdk-hnb659fds-lookup-role-${prod.account}-${region}`)
      .sort();
    expect(actionStatements(template, evidence)).toContainEqual(
      expect.objectContaining({ Action: 'sts:AssumeRole', Effect: 'Allow', Resource: lookupRoles }),
    );
    // Reading templates is the lookup roles' business: the step itself may touch no account's IAM or stacks.
    const reach = actionStatements(template, evidence)
      .flatMap(actionsOf)
      .filter((a) => /^(sts|iam|cloudformation):/.test(a));
    expect(reach).toEqual(['sts:AssumeRole']);
    expect(approval.Configuration?.CustomData).toContain('reports/evidence/infrastructure-prod.txt');
    for (const stage of ['Dev', 'Staging']) {
      expect(stageNamed(template, stage).Actions.map((a) => a.Name)).not.toContain('InfrastructureEvidence');
    }
  });

  it('lets a person roll an environment’s stage back to an earlier execution, with a policy that allows only that, in an execution mode that allows it', () => {
    // A PARALLEL pipeline cannot roll a stage back.
    expect(pipelineOf(template)).toMatchObject({ ExecutionMode: 'SUPERSEDED' });
    const pipelineId = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::CodePipeline::Pipeline')![0];
    const stageArn = (stage: string) => ({
      'Fn::Join': [
        '',
        [
          `arn:aws:codepipeline:${PIPELINE_CONFIG.region}:${PIPELINE_CONFIG.account}:`,
          { Ref: pipelineId },
          `/${stage}`,
        ],
      ],
    });
    assertions.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      ManagedPolicyName: `${PIPELINE_CONFIG.pipelineName}-stage-rollback`,
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: 'codepipeline:RollbackStage',
            Resource: ['Dev', 'Prod', 'Staging'].map(stageArn),
          }),
          Match.objectLike({
            Action: [
              'codepipeline:GetPipelineExecution',
              'codepipeline:GetPipelineState',
              'codepipeline:ListPipelineExecutions',
            ],
          }),
        ],
      },
    });
    // The source stage is never rolled back: only the environments' stages are in the policy.
    expect(
      JSON.stringify(synthesized.stack.resolve(synthesized.stack.stageRollbackPolicy.document.toJSON())),
    ).not.toContain('/Source');
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
  const stepFor = (
    toolVersions: Partial<Record<string, string>> = {},
    gate: Gate = sast,
    inputs: GateInputSources = { reportsDir: 'reports' },
  ) => {
    const stack = new Stack();
    return new GateStep({
      input: CodePipelineSource.connection(PIPELINE_CONFIG.repository, PIPELINE_CONFIG.branch, {
        connectionArn: PIPELINE_CONFIG.connectionArn,
      }),
      reportGroups: new GateReportGroups(stack, 'Reports', { gate }),
      toolVersions: {
        ...(Object.fromEntries(Object.values(PINNED_TOOLS).map((t) => [t.name, t.version])) as Record<string, string>),
        ...toolVersions,
      } as never,
      runtimeVersions: DEFAULT_RUNTIME_VERSIONS,
      inputs,
    });
  };

  it('gives its gate exactly the inputs the gate declares: known values in its environment, stack outputs apart', () => {
    const outputs = new Stack();
    const apiUrl = new CfnOutput(outputs, 'ApiUrl', { value: 'https://api.example.com' });
    const webUrl = new CfnOutput(outputs, 'WebUrl', { value: 'https://web.example.com' });
    const sources: GateInputSources = {
      reportsDir: 'reports',
      apiUrl,
      webUrl,
      expectedVersion: 'abc1234',
      expectedEnvironment: 'staging',
      loadBaseline: 's3://baselines/baselines/prod/',
    };
    expect(gateStepVariables(GATES.smoke, sources)).toEqual({
      env: { B2_REPORTS_DIR: 'reports', B2_EXPECTED_VERSION: 'abc1234', B2_EXPECTED_ENVIRONMENT: 'staging' },
      envFromCfnOutputs: { B2_API_URL: apiUrl },
    });
    expect(gateStepVariables(GATES.e2e, sources)).toEqual({
      env: { B2_REPORTS_DIR: 'reports' },
      envFromCfnOutputs: { B2_WEB_URL: webUrl },
    });
    expect(gateStepVariables(sast, sources)).toEqual({ env: { B2_REPORTS_DIR: 'reports' }, envFromCfnOutputs: {} });
  });

  it('cannot be built for a gate whose declared inputs it has no source for, stack outputs included', () => {
    expect(() => stepFor({}, GATES.smoke, { reportsDir: 'reports', expectedVersion: 'abc1234' })).toThrow(
      GateInputError,
    );
    expect(() => stepFor({}, GATES.smoke, { reportsDir: 'reports', expectedVersion: 'abc1234' })).toThrow(
      /gate smoke cannot start: B2_API_URL .*, B2_EXPECTED_ENVIRONMENT .* are not set/,
    );
    expect(() => stepFor({}, sast, {})).toThrow(/gate sast cannot start: B2_REPORTS_DIR .* is not set/);
  });

  it('pins its tools to the project’s versions by default', () => {
    expect(stepFor().env).toEqual({
      B2_REPORTS_DIR: 'reports',
      [toolVersionVariable('semgrep')]: PINNED_TOOLS.semgrep.version,
    });
  });

  it('installs the pinned Node of the Lambda runtime’s major for the unit gate, which starts a release on it', () => {
    const unit = stepFor({}, GATES.unit);
    expect(unit.env[toolVersionVariable('node')]).toBe(PINNED_TOOLS.node.version);
    expect(PINNED_TOOLS.node.version).toMatch(/^24\./);
    expect(unit.installCommands).toContain('npx projen tools:install dynamodb-local cfn-lint node');
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
