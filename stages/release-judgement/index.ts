import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { PreTrafficHook } from './pre-traffic-hook';
import { ReleaseErrorRate } from './release-error-rate';
import { SessionCanary } from './session-canary';
import { EnvironmentConfig } from '../config';

export { CANARY_EVERY, CANARY_RUNTIME, SessionCanary } from './session-canary';
export { PreTrafficHook } from './pre-traffic-hook';
export { ReleaseErrorRate } from './release-error-rate';
export { judgementNames } from './names';
export { rollbackTriggersOf } from './rollback';

export interface ReleaseJudgementProps {
  readonly environment: EnvironmentConfig;
  /** The commit the release was built from. */
  readonly commit: string;
  /** The API function version the deployment moves traffic to. */
  readonly version: lambda.IVersion;
  /** The runtime of the API function: the hook runs on the same. */
  readonly runtime: lambda.Runtime;
  /** The environment's API URL. */
  readonly apiUrl: string;
  /** The release's `canary` bundle. */
  readonly canaryAssetDir: string;
  /** The release's `pre-traffic-hook` bundle. */
  readonly preTrafficHookAssetDir: string;
  /**
   * Where the alarms' state changes are sent.
   * @default - no notification
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * What judges a release on AWS beside the environment's traffic alarms, so that a bake is never
 * judged on silence: the session canary walking the API every minute, the pre-traffic hook
 * walking the new version before it takes any traffic, and the new version's own error rate.
 * The deployment group takes `alarms` and `preTrafficHook`.
 */
export class ReleaseJudgement extends Construct {
  readonly canary: SessionCanary;
  readonly preTrafficHook: PreTrafficHook;
  readonly releaseErrorRate: ReleaseErrorRate;
  /** The alarms that stop a deployment and roll it back. */
  readonly alarms: readonly cloudwatch.IAlarm[];

  constructor(scope: Construct, id: string, props: ReleaseJudgementProps) {
    super(scope, id);
    const { environment, alarmTopic } = props;
    this.canary = new SessionCanary(this, 'SessionCanary', {
      environment,
      assetDir: props.canaryAssetDir,
      apiUrl: props.apiUrl,
      alarmTopic,
    });
    this.preTrafficHook = new PreTrafficHook(this, 'PreTrafficHook', {
      environment,
      assetDir: props.preTrafficHookAssetDir,
      commit: props.commit,
      version: props.version,
      runtime: props.runtime,
    });
    this.releaseErrorRate = new ReleaseErrorRate(this, 'ReleaseErrorRate', {
      environment,
      version: props.version,
      alarmTopic,
    });
    this.alarms = [this.canary.alarm, this.releaseErrorRate.alarm];
  }
}
