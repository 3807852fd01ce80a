import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_COMMIT, FIXTURE_RELEASE, removeTestAssemblies, synthesizeStage } from './stage-synthesis';
import { JUDGEMENT_SETTING } from '../../../service/release-judgement/settings';
import { environment, ENVIRONMENT_NAMES, EnvironmentName } from '../../../stages/config';
import { CANARY_RUNTIME } from '../../../stages/release-judgement';
import { ServiceStage } from '../../../stages/service-stage';

/**
 * What judges a release on AWS, per environment: the session canary every minute, the
 * pre-traffic hook on the new version, and error rates a 10 % canary's faults can reach, all of
 * them in the deployment group that rolls a release back.
 */

/** The rollback error rate of each environment (the model's, the local engine's), stated here. */
const MAX_ERROR_RATE: Record<EnvironmentName, number> = { dev: 0.05, staging: 0.01, prod: 0.001 };

function ref(construct: IConstruct): { Ref: string } {
  const resource = construct instanceof CfnElement ? construct : (construct.node.defaultChild as CfnElement);
  return { Ref: Stack.of(resource).getLogicalId(resource) };
}

const logicalId = (construct: IConstruct): string => ref(construct).Ref;

afterAll(removeTestAssemblies);

describe.each(ENVIRONMENT_NAMES)('the %s release judgement', (name) => {
  const config = environment(name);
  let stage: ServiceStage;
  let api: Template;
  let monitoring: Template;
  let deploymentAlarms: string;

  /** The API function's version as the template names it: CDK renames it after the function's hash. */
  const versionRef = () => stage.api.resolve(stage.api.function.currentVersion.functionArn);

  beforeAll(() => {
    const synthesized = synthesizeStage(name);
    stage = synthesized.stage;
    api = synthesized.template(stage.api);
    monitoring = synthesized.template(stage.monitoring);
    const [group] = Object.values(api.findResources('AWS::CodeDeploy::DeploymentGroup'));
    deploymentAlarms = JSON.stringify(group.Properties.AlarmConfiguration.Alarms);
  });

  describe('the session canary', () => {
    it('walks the smoke path through the environment API every minute on a pinned Node.js Synthetics runtime', () => {
      expect(CANARY_RUNTIME.name).toMatch(/^syn-nodejs-(playwright|puppeteer)-\d+\.\d+$/);
      api.hasResourceProperties('AWS::Synthetics::Canary', {
        Name: `${name}-b2-api-smoke`,
        RuntimeVersion: CANARY_RUNTIME.name,
        Schedule: Match.objectLike({ Expression: 'rate(1 minute)' }),
        StartCanaryAfterCreation: true,
        Code: Match.objectLike({ Handler: 'index.handler' }),
        RunConfig: Match.objectLike({
          TimeoutInSeconds: 60,
          EnvironmentVariables: {
            [JUDGEMENT_SETTING.apiUrl]: {
              'Fn::Join': [
                '',
                [
                  'https://',
                  ref(stage.api.api),
                  `.execute-api.${config.region}.`,
                  { Ref: 'AWS::URLSuffix' },
                  `/${name}/`,
                ],
              ],
            },
            [JUDGEMENT_SETTING.expectedEnvironment]: name,
          },
        }),
      });
    });

    it("runs the release's canary bundle, the one the bundle task builds from the smoke path", () => {
      const [canary] = Object.values(api.findResources('AWS::Synthetics::Canary'));
      const assetDir = path.join(stage.assetOutdir, `asset.${canary.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
      expect(readFileSync(path.join(assetDir, 'index.mjs'), 'utf8')).toBe(
        readFileSync(path.join(FIXTURE_RELEASE, 'canary', 'index.mjs'), 'utf8'),
      );
    });

    it('keeps its artifacts encrypted, private and only as long as the environment keeps logs', () => {
      const bucket = stage.api.releaseJudgement.canary.artifacts;
      api.hasResourceProperties('AWS::Synthetics::Canary', {
        ArtifactS3Location: { 'Fn::Join': ['', ['s3://', ref(bucket)]] },
        ArtifactConfig: { S3Encryption: { EncryptionMode: 'SSE_S3' } },
        SuccessRetentionPeriod: config.logRetentionDays,
        FailureRetentionPeriod: config.logRetentionDays,
      });
      api.hasResource('AWS::S3::Bucket', {
        Properties: Match.objectLike({
          BucketEncryption: Match.anyValue(),
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          LifecycleConfiguration: {
            Rules: [Match.objectLike({ ExpirationInDays: config.logRetentionDays, Status: 'Enabled' })],
          },
        }),
      });
      api.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: ref(bucket),
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it('may write to its own bucket, its own log groups and the Synthetics metrics, nothing else', () => {
      const { role, artifacts } = stage.api.releaseJudgement.canary;
      api.hasResourceProperties('AWS::Synthetics::Canary', {
        ExecutionRoleArn: { 'Fn::GetAtt': [logicalId(role), 'Arn'] },
      });
      const policies = Object.values(api.findResources('AWS::IAM::Policy', { Properties: { Roles: [ref(role)] } }));
      expect(policies).toHaveLength(1);
      const bucketArn = { 'Fn::GetAtt': [logicalId(artifacts), 'Arn'] };
      expect(policies[0].Properties.PolicyDocument.Statement).toEqual([
        { Effect: 'Allow', Action: 's3:PutObject', Resource: { 'Fn::Join': ['', [bucketArn, '/*']] } },
        { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: bucketArn },
        { Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' },
        {
          Effect: 'Allow',
          Action: 'cloudwatch:PutMetricData',
          Resource: '*',
          Condition: { StringEquals: { 'cloudwatch:namespace': 'CloudWatchSynthetics' } },
        },
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: `arn:aws:logs:${config.region}:${config.account}:log-group:/aws/lambda/cwsyn-${name}-b2-api-smoke-*`,
        },
      ]);
    });

    it('rolls a release back when a walk failed, or none ran, in the last two minutes: silence is a failure', () => {
      const alarm = stage.api.releaseJudgement.canary.alarm;
      api.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `${name}-b2-smoke-canary`,
        Namespace: 'CloudWatchSynthetics',
        MetricName: 'SuccessPercent',
        Dimensions: [{ Name: 'CanaryName', Value: ref(stage.api.releaseJudgement.canary.canary) }],
        Statistic: 'Minimum',
        Period: 120,
        EvaluationPeriods: 1,
        ComparisonOperator: 'LessThanThreshold',
        Threshold: 100,
        TreatMissingData: 'breaching',
        AlarmActions: [Match.anyValue()],
      });
      expect(deploymentAlarms).toContain(logicalId(alarm));
    });
  });

  describe('the pre-traffic hook', () => {
    it("is the deployment group's BeforeAllowTraffic hook, in place before the alias update starts a deployment", () => {
      const hook = stage.api.releaseJudgement.preTrafficHook.function;
      api.hasResource('AWS::Lambda::Alias', {
        UpdatePolicy: {
          CodeDeployLambdaAliasUpdate: Match.objectLike({
            DeploymentGroupName: ref(stage.api.deploymentGroup),
            BeforeAllowTrafficHook: ref(hook),
          }),
        },
        DependsOn: Match.arrayWith([logicalId(hook)]),
      });
    });

    it('walks the new version of this release, in this environment, from the release bundle', () => {
      const hook = stage.api.releaseJudgement.preTrafficHook.function;
      api.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `${name}-b2-api-pre-traffic`,
        Runtime: 'nodejs24.x',
        Handler: 'index.handler',
        Role: { 'Fn::GetAtt': [logicalId(stage.api.releaseJudgement.preTrafficHook.role), 'Arn'] },
        Environment: {
          Variables: {
            [JUDGEMENT_SETTING.targetVersionArn]: versionRef(),
            [JUDGEMENT_SETTING.expectedVersion]: FIXTURE_COMMIT,
            [JUDGEMENT_SETTING.expectedEnvironment]: name,
            [JUDGEMENT_SETTING.apiStage]: name,
          },
        },
      });
      expect(hook.runtime.name).toBe(stage.api.function.runtime.name);
    });

    it('may write its own logs, invoke the new version alone and report to its deployment group alone', () => {
      const hook = stage.api.releaseJudgement.preTrafficHook;
      const policies = Object.values(
        api.findResources('AWS::IAM::Policy', { Properties: { Roles: [ref(hook.role)] } }),
      );
      expect(policies).toHaveLength(1);
      const statements = policies[0].Properties.PolicyDocument.Statement as Record<string, unknown>[];
      expect(statements.map(({ Effect, Action, Resource }) => ({ Effect, Action, Resource }))).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [logicalId(hook.function.logGroup), 'Arn'] },
        },
        { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: versionRef() },
        {
          Effect: 'Allow',
          Action: 'codedeploy:PutLifecycleEventHookExecutionStatus',
          Resource: {
            'Fn::Join': [
              '',
              [
                `arn:aws:codedeploy:${config.region}:${config.account}:deploymentgroup:`,
                ref(stage.api.deploymentGroup.application),
                '/',
                ref(stage.api.deploymentGroup),
              ],
            ],
          },
        },
      ]);
      api.hasResourceProperties('AWS::IAM::Role', {
        Description: `Runs ${name}-b2-api-pre-traffic`,
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
        }),
        ManagedPolicyArns: Match.absent(),
        Policies: Match.absent(),
      });
    });

    it('is the one function CodeDeploy may invoke besides shifting the alias', () => {
      const hook = stage.api.releaseJudgement.preTrafficHook.function;
      api.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [ref(stage.api.deploymentGroup.role)],
        PolicyDocument: {
          Statement: [
            Match.objectLike({
              Action: 'lambda:InvokeFunction',
              Resource: [
                { 'Fn::GetAtt': [logicalId(hook), 'Arn'] },
                { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(hook), 'Arn'] }, ':*']] },
              ],
            }),
          ],
        },
      });
    });
  });

  describe('error rates', () => {
    it("rolls back on the new version's own error rate, told apart from the live release by ExecutedVersion", () => {
      const alarm = stage.api.releaseJudgement.releaseErrorRate.alarm;
      const ofTheRelease = (metricName: string) =>
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: {
              Namespace: 'AWS/Lambda',
              MetricName: metricName,
              Dimensions: Match.arrayWith([
                { Name: 'ExecutedVersion', Value: stage.api.resolve(stage.api.function.currentVersion.version) },
                { Name: 'FunctionName', Value: `${name}-b2-api` },
                { Name: 'Resource', Value: `${name}-b2-api:live` },
              ]),
            },
            Stat: 'Sum',
            Period: 60,
          }),
          ReturnData: false,
        });
      api.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `${name}-b2-release-error-rate`,
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: 'FILL(errors, 0) / invocations' }),
          ofTheRelease('Errors'),
          ofTheRelease('Invocations'),
        ]),
        Threshold: MAX_ERROR_RATE[name],
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: config.alarms.evaluationMinutes,
        TreatMissingData: 'notBreaching',
      });
      expect(deploymentAlarms).toContain(logicalId(alarm));
    });

    it('rolls back on the share of API requests answered with a 5xx, which a failing canary reaches at any traffic', () => {
      monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `${name}-b2-api-5xx-rate`,
        Namespace: 'AWS/ApiGateway',
        MetricName: '5XXError',
        Statistic: 'Average',
        Threshold: MAX_ERROR_RATE[name],
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
      expect(deploymentAlarms).toContain(logicalId(stage.monitoring.api5xxRateAlarm));
    });
  });

  it('shows the canary and the release alarms on the environment dashboard', () => {
    const [dashboard] = Object.values(monitoring.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    expect(body).toContain(`${name}-b2-api-smoke`);
    expect(body).toContain(`${name}-b2-smoke-canary`);
    expect(body).toContain(`${name}-b2-release-error-rate`);
  });
});
