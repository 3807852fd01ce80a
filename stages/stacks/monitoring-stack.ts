import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { EnvironmentConfig, resourceNames, removalPolicyOf } from '../config';
import { judgementNames, rollbackTriggersOf } from '../release-judgement';

export interface MonitoringStackProps extends StackProps {
  readonly environment: EnvironmentConfig;
}

/** The availability target of the service: alarms watch it; the dashboard shows the latency target beside it. */
const LATENCY_TARGET_P95 = Duration.millis(200);
const ONE_MINUTE = Duration.minutes(1);

/**
 * The environment's alarms, the topic they notify and its dashboard. The metrics are found by
 * the physical names the API stack gives its resources (see `resourceNames`), so this stack
 * deploys before the API and the API's deployment group can roll back on these alarms.
 */
export class MonitoringStack extends Stack {
  readonly alarmTopic: sns.Topic;
  readonly api5xxAlarm: cloudwatch.Alarm;
  readonly apiLatencyAlarm: cloudwatch.Alarm;
  readonly lambdaErrorsAlarm: cloudwatch.Alarm;
  readonly lambdaThrottlesAlarm: cloudwatch.Alarm;
  /** The share of API requests answered with a 5xx, both releases together. */
  readonly api5xxRateAlarm: cloudwatch.Alarm;
  /** The alarms that stop and roll back a deployment in progress. */
  readonly deploymentAlarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { environment } = props;
    const names = resourceNames(environment.name);
    const thresholds = environment.alarms;

    const topicKey = new kms.Key(this, 'AlarmTopicKey', {
      alias: `alias/${names.alarmTopic}`,
      description: `Encrypts the ${environment.name} B2 alarm notifications`,
      enableKeyRotation: true,
      removalPolicy: removalPolicyOf(environment),
    });
    // CloudWatch publishes alarm state changes to the encrypted topic with this key.
    topicKey.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      topicName: names.alarmTopic,
      masterKey: topicKey,
      enforceSSL: true,
    });

    const api = { ApiName: names.restApi, Stage: names.apiStage };
    const liveAlias = { FunctionName: names.apiFunction, Resource: `${names.apiFunction}:${names.liveAlias}` };
    const apiMetric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: api,
        statistic,
        period: ONE_MINUTE,
      });
    const lambdaMetric = (metricName: string, statistic: string, dimensionsMap: Record<string, string>) =>
      new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName, dimensionsMap, statistic, period: ONE_MINUTE });

    const alarm = (
      alarmId: string,
      what: string,
      metric: cloudwatch.Metric,
      threshold: number,
      description: string,
      comparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    ) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        alarmName: names.alarm(what),
        alarmDescription: description,
        metric,
        threshold,
        comparisonOperator,
        evaluationPeriods: thresholds.evaluationMinutes,
        datapointsToAlarm: thresholds.evaluationMinutes,
        // No traffic is not an outage: a quiet environment must not block or roll back a deployment.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(new actions.SnsAction(this.alarmTopic));
      created.addOkAction(new actions.SnsAction(this.alarmTopic));
      return created;
    };

    this.api5xxAlarm = alarm(
      'Api5xxAlarm',
      'api-5xx',
      apiMetric('5XXError', cloudwatch.Stats.SUM),
      thresholds.api5xxPerMinute,
      'The API answers with server errors',
    );
    this.apiLatencyAlarm = alarm(
      'ApiLatencyAlarm',
      'api-p99-latency',
      apiMetric('Latency', cloudwatch.Stats.p(99)),
      thresholds.apiP99LatencyMs,
      'The slowest 1% of API requests are too slow',
    );
    this.lambdaErrorsAlarm = alarm(
      'LambdaErrorsAlarm',
      'lambda-errors',
      lambdaMetric('Errors', cloudwatch.Stats.SUM, liveAlias),
      thresholds.lambdaErrorsPerMinute,
      'The live release of the API function fails invocations',
    );
    this.lambdaThrottlesAlarm = alarm(
      'LambdaThrottlesAlarm',
      'lambda-throttles',
      lambdaMetric('Throttles', cloudwatch.Stats.SUM, { FunctionName: names.apiFunction }),
      thresholds.lambdaThrottlesPerMinute,
      'The API function is out of concurrency and drops requests',
    );
    // A rate beside the count: a 10 % canary of a quiet hour that answers every request with a 5xx
    // makes a few a minute, under the count's threshold, but a tenth of all answers. API Gateway
    // cannot tell the releases apart (the release's own rate is ReleaseErrorRate's, on Lambda), so
    // this is the blended share; 5XXError is 1 for each request answered with a 5xx and 0 for any
    // other, so its average is that share. The threshold is the model's rollback error rate, the
    // local engine's: a client's malformed request is a 4xx and never counts.
    this.api5xxRateAlarm = alarm(
      'Api5xxRateAlarm',
      'api-5xx-rate',
      apiMetric('5XXError', cloudwatch.Stats.AVERAGE),
      rollbackTriggersOf(environment).maxErrorRate,
      'The share of API requests answered with server errors is over the rollback error rate',
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    );
    this.deploymentAlarms = [
      this.api5xxAlarm,
      this.api5xxRateAlarm,
      this.apiLatencyAlarm,
      this.lambdaErrorsAlarm,
      this.lambdaThrottlesAlarm,
    ];

    const requests = apiMetric('Count', cloudwatch.Stats.SUM);
    // The release judgement lives with the API (it needs the API's URL and the new version), so
    // the dashboard finds its canary and alarms by name, as it finds the API's metrics.
    const judgement = judgementNames(environment.name);
    const canaryMetric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'CloudWatchSynthetics',
        metricName,
        dimensionsMap: { CanaryName: judgement.canary },
        statistic,
        period: ONE_MINUTE,
      });
    new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: names.dashboard,
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.AlarmStatusWidget({
            title: 'Alarms',
            alarms: [
              ...this.deploymentAlarms,
              cloudwatch.Alarm.fromAlarmName(this, 'CanaryAlarmByName', judgement.canaryAlarm),
              cloudwatch.Alarm.fromAlarmName(this, 'ReleaseErrorRateAlarmByName', judgement.releaseErrorRateAlarm),
            ],
            width: 24,
            height: 3,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Session canary: walks that passed (%) and how long they took',
            left: [canaryMetric('SuccessPercent', cloudwatch.Stats.AVERAGE)],
            right: [canaryMetric('Duration', cloudwatch.Stats.MAXIMUM)],
            width: 24,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'API requests and errors per minute',
            left: [requests, apiMetric('4XXError', cloudwatch.Stats.SUM), apiMetric('5XXError', cloudwatch.Stats.SUM)],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'API latency',
            left: [
              apiMetric('Latency', cloudwatch.Stats.p(50)),
              apiMetric('Latency', cloudwatch.Stats.p(95)),
              apiMetric('Latency', cloudwatch.Stats.p(99)),
            ],
            leftAnnotations: [
              { label: 'p95 target', value: LATENCY_TARGET_P95.toMilliseconds(), color: cloudwatch.Color.RED },
            ],
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Live release: invocations, errors, throttles',
            left: [
              lambdaMetric('Invocations', cloudwatch.Stats.SUM, liveAlias),
              lambdaMetric('Errors', cloudwatch.Stats.SUM, liveAlias),
              lambdaMetric('Throttles', cloudwatch.Stats.SUM, { FunctionName: names.apiFunction }),
            ],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Live release: duration p99 and concurrency',
            left: [lambdaMetric('Duration', cloudwatch.Stats.p(99), liveAlias)],
            right: [
              lambdaMetric('ConcurrentExecutions', cloudwatch.Stats.MAXIMUM, { FunctionName: names.apiFunction }),
            ],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Table throttles and WAF blocks',
            left: [
              new cloudwatch.Metric({
                namespace: 'AWS/DynamoDB',
                metricName: 'ThrottledRequests',
                dimensionsMap: { TableName: names.table },
                statistic: cloudwatch.Stats.SUM,
                period: ONE_MINUTE,
              }),
            ],
            right: [
              new cloudwatch.Metric({
                namespace: 'AWS/WAFV2',
                metricName: 'BlockedRequests',
                dimensionsMap: { WebACL: names.webAcl, Region: environment.region, Rule: 'ALL' },
                statistic: cloudwatch.Stats.SUM,
                period: ONE_MINUTE,
              }),
            ],
            width: 8,
          }),
        ],
      ],
    });
  }
}
