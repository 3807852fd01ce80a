import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as synthetics from 'aws-cdk-lib/aws-synthetics';
import { Construct } from 'constructs';
import { judgementNames } from './names';
import { JUDGEMENT_SETTING } from '../../service/release-judgement/settings';
import { acknowledge } from '../compliance/acknowledge';
import { EnvironmentConfig, removalPolicyOf } from '../config';

/**
 * The runtime the canary runs on: the newest Synthetics Node.js runtime aws-cdk-lib offers, on
 * Lambda's Node.js 22 (the API's functions run on the service's Node 24; the release builds the
 * canary's bundle for Node 22). Playwright, because its runtimes load the release's ES module
 * bundle (`index.mjs`) as it is; the walk uses only `fetch` and never opens a browser. Moving to a
 * newer runtime is a change to this constant, reviewed like any other.
 */
export const CANARY_RUNTIME = synthetics.Runtime.SYNTHETICS_NODEJS_PLAYWRIGHT_6_0;

/** How often the canary walks the session: each minute of a bake sees at least one walk. */
export const CANARY_EVERY = Duration.minutes(1);

/**
 * The window the canary's alarm judges. Runs start once a minute but not on the minute, so a
 * single one-minute period can hold no run even while the canary is healthy; two minutes always
 * hold one. Missing data can then count as breaching without false alarms.
 */
const CANARY_ALARM_PERIOD = Duration.minutes(2);

export interface SessionCanaryProps {
  readonly environment: EnvironmentConfig;
  /** The release's `canary` bundle (`index.mjs`, handler `index.handler`). */
  readonly assetDir: string;
  /** The environment's API URL: the canary walks it as a user would. */
  readonly apiUrl: string;
  /**
   * Where the alarm's state changes are sent.
   * @default - no notification
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * A CloudWatch Synthetics canary that walks the smoke path (every endpoint of the load profile's
 * session) through the environment's API every minute, so that every bake has traffic to judge,
 * and the alarm that rolls a release back when a walk fails or no walk happens.
 */
export class SessionCanary extends Construct {
  readonly canary: synthetics.Canary;
  readonly artifacts: s3.Bucket;
  readonly role: iam.Role;
  /** In alarm when a walk failed, or when no walk ran, in the last two minutes. */
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: SessionCanaryProps) {
    super(scope, id);
    const { environment } = props;
    const names = judgementNames(environment.name);

    this.artifacts = new s3.Bucket(this, 'Artifacts', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // A run's report and log matter while someone looks into a failed walk, then not at all.
      lifecycleRules: [{ expiration: Duration.days(environment.logRetentionDays) }],
      removalPolicy: removalPolicyOf(environment),
      autoDeleteObjects: environment.dataRetention !== 'retain',
    });
    acknowledge(
      this.artifacts,
      'AwsSolutions-S1',
      "Only the canary's own role writes here (a report and a log per run, every minute); access logs would record those writes again and nobody else has access to log.",
    );

    this.role = this.canaryRole(names.canary, names.canaryLogGroups);

    this.canary = new synthetics.Canary(this, 'Canary', {
      canaryName: names.canary,
      role: this.role,
      runtime: CANARY_RUNTIME,
      test: synthetics.Test.custom({ code: synthetics.Code.fromAsset(props.assetDir), handler: 'index.handler' }),
      schedule: synthetics.Schedule.rate(CANARY_EVERY),
      // A walk that has not finished when the next should start has failed.
      timeout: CANARY_EVERY,
      environmentVariables: {
        [JUDGEMENT_SETTING.apiUrl]: props.apiUrl,
        [JUDGEMENT_SETTING.expectedEnvironment]: environment.name,
      },
      artifactsBucketLocation: { bucket: this.artifacts },
      artifactS3EncryptionMode: synthetics.ArtifactsEncryptionMode.S3_MANAGED,
      successRetentionPeriod: Duration.days(environment.logRetentionDays),
      failureRetentionPeriod: Duration.days(environment.logRetentionDays),
      // The canary's Lambda function goes with the canary instead of outliving it.
      provisionedResourceCleanup: true,
    });

    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmName: names.canaryAlarm,
      alarmDescription: `A walk of the ${environment.name} B2 session failed, or none ran, in the last ${CANARY_ALARM_PERIOD.toMinutes()} minutes`,
      // Each run is 100 or 0: the minimum is below 100 as soon as one run in the window failed.
      metric: this.canary.metricSuccessPercent({ period: CANARY_ALARM_PERIOD, statistic: cloudwatch.Stats.MINIMUM }),
      threshold: 100,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      // Unlike the traffic alarms, silence here is a failure: a canary that stopped running (or
      // was never started) judges nothing, and a bake without its walks must not read as healthy.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    if (props.alarmTopic) {
      this.alarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
      this.alarm.addOkAction(new actions.SnsAction(props.alarmTopic));
    }
  }

  /**
   * What a Synthetics canary needs, scoped to this one: its artifacts bucket, its own function's
   * logs, and the Synthetics metrics namespace. Instead of CDK's default role, whose logs
   * permission covers every canary of the account.
   */
  private canaryRole(canaryName: string, logGroups: string): iam.Role {
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${canaryName} canary`,
    });
    const logGroupsArn = `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:${logGroups}`;
    const statements = [
      new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [this.artifacts.arnForObjects('*')] }),
      new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [this.artifacts.bucketArn] }),
      new iam.PolicyStatement({ actions: ['s3:ListAllMyBuckets'], resources: ['*'] }),
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': 'CloudWatchSynthetics' } },
      }),
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroupsArn],
      }),
    ];
    for (const statement of statements) role.addToPrincipalPolicy(statement);

    const artifactsArn = `<${stack.getLogicalId(this.artifacts.node.defaultChild as s3.CfnBucket)}.Arn>`;
    const grants: Record<string, string> = {
      [`Resource::${artifactsArn}/*`]:
        "It writes each run's report and log to its own artifacts bucket, under keys Synthetics chooses per run.",
      'Resource::*':
        's3:ListAllMyBuckets, which Synthetics calls before it uploads, and cloudwatch:PutMetricData, limited to the CloudWatchSynthetics namespace by a condition, support no resource-level permissions.',
      [`Resource::${logGroupsArn}`]:
        'Its function is named cwsyn-<canary>-<id>, the id chosen by Synthetics when it creates the canary: the log groups of this canary alone.',
    };
    for (const [finding, why] of Object.entries(grants)) {
      acknowledge(role.node.findChild('DefaultPolicy'), `AwsSolutions-IAM5[${finding}]`, `The session canary: ${why}`);
    }
    return role;
  }
}
