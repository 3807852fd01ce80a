import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { judgementNames } from './names';
import { rollbackTriggersOf } from './rollback';
import { EnvironmentConfig, resourceNames } from '../config';

export interface ReleaseErrorRateProps {
  readonly environment: EnvironmentConfig;
  /** The API function version being released: the alarm watches its share of the live alias's traffic. */
  readonly version: lambda.IVersion;
  /**
   * Where the alarm's state changes are sent.
   * @default - no notification
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * The error rate of the release being deployed, alone: its failed invocations over its
 * invocations through the live alias, told apart from the previous release's by Lambda's
 * `ExecutedVersion` dimension.
 *
 * A rate, not a count: a 10 % canary of a quiet hour gets a handful of requests a minute, so a
 * release failing every one of them never reaches the few-per-minute count of the errors alarm,
 * while its rate is 100 %. The threshold is the model's rollback error rate of the environment
 * (the one the local engine rolls back on): at a canary's volume any failed invocation is above
 * it, which is what a 99.9 % availability target asks of a new release. Lambda counts as errors
 * only invocations the function itself failed (threw, timed out, ran out of memory): a client's
 * malformed request is answered with a 4xx and never counts.
 */
export class ReleaseErrorRate extends Construct {
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ReleaseErrorRateProps) {
    super(scope, id);
    const { environment } = props;
    const names = resourceNames(environment.name);
    const period = Duration.minutes(1);
    const ofTheRelease = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Lambda',
        metricName,
        dimensionsMap: {
          FunctionName: names.apiFunction,
          Resource: `${names.apiFunction}:${names.liveAlias}`,
          ExecutedVersion: props.version.version,
        },
        statistic: cloudwatch.Stats.SUM,
        period,
      });

    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmName: judgementNames(environment.name).releaseErrorRateAlarm,
      alarmDescription: `The ${environment.name} B2 release being deployed fails invocations`,
      metric: new cloudwatch.MathExpression({
        // Should a minute with invocations carry no Errors datapoint, none of them failed.
        expression: 'FILL(errors, 0) / invocations',
        usingMetrics: { errors: ofTheRelease('Errors'), invocations: ofTheRelease('Invocations') },
        label: 'Share of the release invocations that failed',
        period,
      }),
      threshold: rollbackTriggersOf(environment).maxErrorRate,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: environment.alarms.evaluationMinutes,
      datapointsToAlarm: environment.alarms.evaluationMinutes,
      // A minute without invocations has no rate; the canary's alarm is the one that fails silence.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) {
      this.alarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
      this.alarm.addOkAction(new actions.SnsAction(props.alarmTopic));
    }
  }
}
