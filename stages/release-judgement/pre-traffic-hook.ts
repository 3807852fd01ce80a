import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { judgementNames } from './names';
import { JUDGEMENT_SETTING } from '../../service/release-judgement/settings';
import { EnvironmentConfig, removalPolicyOf, resourceNames } from '../config';

export interface PreTrafficHookProps {
  readonly environment: EnvironmentConfig;
  /** The release's `pre-traffic-hook` bundle (`index.mjs`, handler `index.handler`). */
  readonly assetDir: string;
  /** The commit the release was built from: the new version's `/health` must report it. */
  readonly commit: string;
  /** The API function version the deployment moves traffic to: the only function the hook may invoke. */
  readonly version: lambda.IVersion;
  /** The runtime of the hook, the API's own. */
  readonly runtime: lambda.Runtime;
}

/**
 * Bounds the hook's run. The walk gives up on a request after 10 s and fails a release slower than
 * its 10 s deadline at the next step, so a walk ends well within this; a hook killed before it
 * reports would leave CodeDeploy waiting an hour for a status.
 */
const HOOK_TIMEOUT = Duration.minutes(2);

/**
 * The CodeDeploy `BeforeAllowTraffic` hook: before any traffic shifts, it walks the smoke path
 * against the new version, invoked directly, and reports `Succeeded` or `Failed` to CodeDeploy.
 * Its role may write its own logs and invoke that one version; the deployment group adds the
 * status report, on itself alone, when the hook is attached to it.
 */
export class PreTrafficHook extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: PreTrafficHookProps) {
    super(scope, id);
    const { environment } = props;
    const names = resourceNames(environment.name);
    const functionName = judgementNames(environment.name).preTrafficHook;

    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: names.functionLogGroup(functionName),
      retention: environment.logRetentionDays as logs.RetentionDays,
      removalPolicy: removalPolicyOf(environment),
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${functionName}`,
    });
    logGroup.grantWrite(this.role);
    // The version's own ARN, not the function's `:*`: a hook deployed with one release can invoke
    // that release only, never the live one or another alias.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.version.functionArn] }),
    );

    this.function = new lambda.Function(this, 'Function', {
      functionName,
      description: `Walks the ${environment.name} B2 session against a new API version before it takes traffic`,
      runtime: props.runtime,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(props.assetDir),
      role: this.role,
      logGroup,
      memorySize: 256,
      timeout: HOOK_TIMEOUT,
      environment: {
        [JUDGEMENT_SETTING.targetVersionArn]: props.version.functionArn,
        [JUDGEMENT_SETTING.expectedVersion]: props.commit,
        [JUDGEMENT_SETTING.expectedEnvironment]: environment.name,
        [JUDGEMENT_SETTING.apiStage]: names.apiStage,
      },
    });
  }
}
