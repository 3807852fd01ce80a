import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { SERVICE_NODE_MAJOR } from '../../pipeline/toolchain/versions';
import { TABLE_DESIGN } from '../../service/src/data/table-design';
import { SETTING } from '../../service/src/settings';
import { acknowledge } from '../compliance/acknowledge';
import { EnvironmentConfig, resourceNames, TrafficShift, removalPolicyOf } from '../config';
import { ReleaseJudgement } from '../release-judgement';

export interface ApiStackProps extends StackProps {
  readonly environment: EnvironmentConfig;
  /** The commit the release was built from: `/health` reports it, and a new one makes a new Lambda version. */
  readonly commit: string;
  /** The bundled API handler (`index.handler`). */
  readonly lambdaAssetDir: string;
  /** The bundled Secrets Manager rotation handler for the signing keys (`index.handler`). */
  readonly rotationAssetDir: string;
  /** The bundled Synthetics canary that walks the session every minute (`index.handler`). */
  readonly canaryAssetDir: string;
  /** The bundled CodeDeploy pre-traffic hook that walks the session against a new version (`index.handler`). */
  readonly preTrafficHookAssetDir: string;
  readonly table: dynamodb.ITable;
  /** The alarms that stop a deployment and send all traffic back to the previous release. */
  readonly deploymentAlarms: readonly cloudwatch.IAlarm[];
  /**
   * Where the release judgement's alarms send their state changes.
   * @default - no notification
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * Every function of the release (the API, the key rotation, the pre-traffic hook) runs on the
 * service's pinned Node major, the one its bundles target and the local releases run on.
 */
const SERVICE_RUNTIME = lambdaRuntimeFor(SERVICE_NODE_MAJOR);

/** Lambda's runtime for a Node major; a major this aws-cdk-lib does not offer fails the synth, naming the fix. */
function lambdaRuntimeFor(major: number): lambda.Runtime {
  const runtime = (lambda.Runtime as unknown as Record<string, lambda.Runtime | undefined>)[`NODEJS_${major}_X`];
  if (!runtime) {
    throw new Error(
      `aws-cdk-lib offers no lambda.Runtime.NODEJS_${major}_X: upgrade aws-cdk-lib, or pin a Node major Lambda runs in pipeline/toolchain/versions.ts`,
    );
  }
  return runtime;
}

/** The key id of the generated first signing key; every rotation issues a new one. */
const INITIAL_KEY_ID = 'initial';

/**
 * The common rule set's rule that blocks bodies over 8 KiB. The service accepts up to 16 KiB and
 * answers 413 with the API's error shape above that, so this rule only counts: the service's own
 * limit decides.
 */
const SERVICE_BODY_LIMIT_RULE = 'SizeRestrictions_BODY';

/**
 * What a client over a rate limit of API Gateway or AWS WAF gets: the service's own 429 shape.
 * A minute: stage throttling refills within a second, the per-IP WAF count slides over minutes.
 */
const RATE_LIMITED_RETRY_AFTER_SECONDS = '60';
const RATE_LIMITED_BODY = JSON.stringify({
  error: {
    code: 'rate_limited',
    message: `too many requests: retry after ${RATE_LIMITED_RETRY_AFTER_SECONDS} seconds`,
  },
});
const RATE_LIMITED_BODY_KEY = 'rate-limited';

/** The predefined CodeDeploy configurations, so a matching traffic shift creates no custom config. */
const PREDEFINED_SHIFTS: Record<string, codedeploy.ILambdaDeploymentConfig> = {
  'all-at-once': codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE,
  'linear-10-1': codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTE,
  'linear-10-2': codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_2MINUTES,
  'linear-10-3': codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_3MINUTES,
  'linear-10-10': codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_10MINUTES,
  'canary-10-5': codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
  'canary-10-10': codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_10MINUTES,
  'canary-10-15': codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_15MINUTES,
  'canary-10-30': codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_30MINUTES,
};

function shiftKey(shift: TrafficShift): string {
  switch (shift.kind) {
    case 'all-at-once':
      return 'all-at-once';
    case 'linear':
      return `linear-${shift.percent}-${shift.intervalMinutes}`;
    case 'canary':
      return `canary-${shift.percent}-${shift.bakeMinutes}`;
  }
}

/**
 * The API: the service's Lambda function, released through the `live` alias that CodeDeploy
 * shifts, behind a REST API with AWS WAF, stage throttling, access logs and the CORS allowlist,
 * and the signing keys it issues tokens with.
 */
export class ApiStack extends Stack {
  readonly function: lambda.Function;
  readonly liveAlias: lambda.Alias;
  readonly api: apigateway.LambdaRestApi;
  readonly webAcl: wafv2.CfnWebACL;
  readonly wafAssociation: wafv2.CfnWebACLAssociation;
  readonly signingKeys: secretsmanager.Secret;
  readonly deploymentGroup: codedeploy.LambdaDeploymentGroup;
  readonly deploymentConfig: codedeploy.ILambdaDeploymentConfig;
  /** The session canary, the pre-traffic hook and the new version's error rate. */
  readonly releaseJudgement: ReleaseJudgement;
  /** The URL of the API stage (with a trailing slash). */
  readonly apiUrl: CfnOutput;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { environment } = props;
    const names = resourceNames(environment.name);

    this.signingKeys = new secretsmanager.Secret(this, 'SigningKeys', {
      secretName: names.signingKeysSecret,
      description: `The ${environment.name} B2 token signing keys (current and previous)`,
      // A valid key document from the first deployment on, so the API signs tokens before the
      // first rotation has run; rotation replaces it with keys of its own making.
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ current: { kid: INITIAL_KEY_ID } }),
        generateStringKey: 'secret',
        // 64 letters and digits are base64url (the document's alphabet) decoding to 48 bytes,
        // above the 32 an HS256 key needs.
        passwordLength: 64,
        excludePunctuation: true,
        includeSpace: false,
      },
      removalPolicy: removalPolicyOf(environment),
    });

    const functionRole = this.functionRole('FunctionRole', names.apiFunction, environment);
    this.function = new lambda.Function(this, 'Function', {
      functionName: names.apiFunction,
      description: `B2 API (${environment.name}) at ${props.commit}`,
      runtime: SERVICE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(props.lambdaAssetDir),
      role: functionRole.role,
      logGroup: functionRole.logGroup,
      memorySize: 1024,
      // API Gateway gives up after 29 s; a request still running at 10 s is already a failure.
      timeout: Duration.seconds(10),
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        [SETTING.environment]: environment.name,
        [SETTING.version]: props.commit,
        [SETTING.tableName]: props.table.tableName,
        [SETTING.corsOrigins]: environment.corsOrigins.join(','),
        [SETTING.signingKeysSecretArn]: this.signingKeys.secretArn,
        [SETTING.tokenIssuer]: environment.token.issuer,
        [SETTING.tokenAudience]: environment.token.audience,
        POWERTOOLS_SERVICE_NAME: 'b2-api',
        POWERTOOLS_METRICS_NAMESPACE: 'B2',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        // Responses carry access tokens and people's memories: keep them out of traces.
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
      },
    });
    this.grantTableAccess(functionRole.role, props.table);
    this.signingKeys.grantRead(functionRole.role);

    this.liveAlias = new lambda.Alias(this, 'LiveAlias', {
      aliasName: names.liveAlias,
      version: this.function.currentVersion,
    });

    const rotationRole = this.functionRole('RotationRole', names.rotationFunction, environment);
    const rotation = new lambda.Function(this, 'SigningKeyRotation', {
      functionName: names.rotationFunction,
      description: `Rotates the ${environment.name} B2 token signing keys`,
      runtime: SERVICE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(props.rotationAssetDir),
      role: rotationRole.role,
      logGroup: rotationRole.logGroup,
      timeout: Duration.seconds(30),
      tracing: lambda.Tracing.ACTIVE,
      environment: { POWERTOOLS_SERVICE_NAME: 'b2-signing-key-rotation', POWERTOOLS_LOG_LEVEL: 'INFO' },
    });
    this.signingKeys.addRotationSchedule('Rotation', {
      rotationLambda: rotation,
      automaticallyAfter: Duration.days(environment.signingKeyRotationDays),
    });
    acknowledge(
      rotationRole.role.node.findChild('DefaultPolicy'),
      'AwsSolutions-IAM5[Resource::*]',
      'One statement needs "*": secretsmanager:GetRandomPassword, which the rotation schedule grants every rotation function, and the X-Ray trace upload; neither supports resource-level permissions. Access to the secret itself is scoped to the signing-keys secret.',
    );

    this.api = this.restApi(environment, this.liveAlias);
    const { webAcl, association } = this.firewall(environment, this.api);
    this.webAcl = webAcl;
    this.wafAssociation = association;

    this.releaseJudgement = new ReleaseJudgement(this, 'ReleaseJudgement', {
      environment,
      commit: props.commit,
      version: this.function.currentVersion,
      runtime: SERVICE_RUNTIME,
      // The same URL as `api.url`, with the stage by name rather than by reference: the stage
      // follows the methods, which follow the live alias, whose update (through the deployment
      // group) waits on the canary's alarm, so a reference to the stage would close a cycle.
      apiUrl: `https://${this.api.restApiId}.execute-api.${this.region}.${this.urlSuffix}/${names.apiStage}/`,
      canaryAssetDir: props.canaryAssetDir,
      preTrafficHookAssetDir: props.preTrafficHookAssetDir,
      alarmTopic: props.alarmTopic,
    });
    // The alias update is what starts a deployment: the hook must already point at the new
    // version, and the new version's error-rate alarm watch it, when CodeDeploy begins.
    this.liveAlias.node.addDependency(this.releaseJudgement.preTrafficHook, this.releaseJudgement.releaseErrorRate);

    this.deploymentConfig = this.deploymentConfigFor(environment.trafficShift, names.deploymentGroup);
    this.deploymentGroup = new codedeploy.LambdaDeploymentGroup(this, 'DeploymentGroup', {
      application: new codedeploy.LambdaApplication(this, 'DeploymentApplication', {
        applicationName: names.codeDeployApplication,
      }),
      deploymentGroupName: names.deploymentGroup,
      alias: this.liveAlias,
      deploymentConfig: this.deploymentConfig,
      alarms: [...props.deploymentAlarms, ...this.releaseJudgement.alarms],
      preHook: this.releaseJudgement.preTrafficHook.function,
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });
    const preTrafficHook = this.releaseJudgement.preTrafficHook.function;
    acknowledge(
      this.deploymentGroup.role.node.findChild('DefaultPolicy'),
      `AwsSolutions-IAM5[Resource::<${this.getLogicalId(preTrafficHook.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      "CDK's grant that lets CodeDeploy invoke the pre-traffic hook: the hook function and its versions, no other function.",
    );
    acknowledge(
      this.deploymentGroup.role,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
      'CodeDeploy assumes this role to shift the alias and read the alarms; AWSCodeDeployRoleForLambdaLimited is the narrowest policy AWS maintains for it.',
    );

    this.apiUrl = new CfnOutput(this, 'ApiUrl', {
      value: this.api.url,
      description: `The ${environment.name} B2 API (B2_API_URL of the verification gates)`,
    });
    new ssm.StringParameter(this, 'ApiUrlParameter', {
      parameterName: names.parameter('api-url'),
      stringValue: this.api.url,
      description: `The ${environment.name} B2 API URL`,
    });
  }

  /** A role and log group for one function: no AWS managed policy, logs only to its own group. */
  private functionRole(id: string, functionName: string, environment: EnvironmentConfig) {
    const names = resourceNames(environment.name);
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      logGroupName: names.functionLogGroup(functionName),
      retention: environment.logRetentionDays as logs.RetentionDays,
      removalPolicy: removalPolicyOf(environment),
    });
    const role = new iam.Role(this, id, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${functionName}`,
    });
    logGroup.grantWrite(role);
    return { role, logGroup };
  }

  /**
   * Item and query access to the table and to its indexes by name, instead of
   * `grantReadWriteData`, which adds `index/*` and table-wide administration.
   */
  private grantTableAccess(role: iam.Role, table: dynamodb.ITable): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:Query',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:ConditionCheckItem',
        ],
        resources: [
          table.tableArn,
          ...TABLE_DESIGN.globalSecondaryIndexes.map((index) => `${table.tableArn}/index/${index.indexName}`),
        ],
      }),
    );
    acknowledge(
      role.node.findChild('DefaultPolicy'),
      'AwsSolutions-IAM5[Resource::*]',
      'Only the X-Ray trace upload (xray:PutTraceSegments, xray:PutTelemetryRecords), which supports no resource-level permissions; table access is scoped to the table and its named indexes.',
    );
  }

  private restApi(environment: EnvironmentConfig, handler: lambda.IFunction): apigateway.LambdaRestApi {
    const names = resourceNames(environment.name);
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      logGroupName: names.apiAccessLogGroup,
      retention: environment.logRetentionDays as logs.RetentionDays,
      removalPolicy: removalPolicyOf(environment),
    });
    const api = new apigateway.LambdaRestApi(this, 'Api', {
      restApiName: names.restApi,
      description: `B2 API (${environment.name})`,
      handler,
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      // Execution logs need the account-wide API Gateway role; each environment has its own account.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: names.apiStage,
        throttlingRateLimit: environment.throttling.rateLimit,
        throttlingBurstLimit: environment.throttling.burstLimit,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.custom(
          JSON.stringify({
            requestId: apigateway.AccessLogField.contextRequestId(),
            ip: apigateway.AccessLogField.contextIdentitySourceIp(),
            requestTime: apigateway.AccessLogField.contextRequestTime(),
            method: apigateway.AccessLogField.contextHttpMethod(),
            path: apigateway.AccessLogField.contextPath(),
            status: apigateway.AccessLogField.contextStatus(),
            responseLength: apigateway.AccessLogField.contextResponseLength(),
            responseLatencyMs: apigateway.AccessLogField.contextResponseLatency(),
            integrationLatencyMs: apigateway.AccessLogField.contextIntegrationLatency(),
            wafStatus: apigateway.AccessLogField.contextWafResponseCode(),
            xrayTraceId: apigateway.AccessLogField.contextXrayTraceId(),
          }),
        ),
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        // Request and response bodies hold passwords, tokens and memories: never in execution logs.
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
      },
      // Preflight is answered by API Gateway from the allowlist; the service sets the same
      // allowlist on real responses from B2_CORS_ORIGINS.
      defaultCorsPreflightOptions: {
        allowOrigins: [...environment.corsOrigins],
        allowMethods: ['GET', 'POST', 'PATCH', 'DELETE'],
        allowHeaders: ['Content-Type', 'Authorization'],
        maxAge: Duration.hours(1),
      },
    });

    // Throttled requests get the API's own 429 shape, as the service's rate limits do.
    api.addGatewayResponse('Throttled', {
      type: apigateway.ResponseType.THROTTLED,
      statusCode: '429',
      responseHeaders: { 'Retry-After': `'${RATE_LIMITED_RETRY_AFTER_SECONDS}'` },
      templates: { 'application/json': RATE_LIMITED_BODY },
    });

    acknowledge(
      api,
      'AwsSolutions-APIG2',
      "Requests are validated by the service (zod schemas), which answers 400/413/415 with the API's JSON error shape; an API Gateway validator would duplicate the schemas and answer in another shape.",
    );
    acknowledge(
      api.node.findChild('CloudWatchRole'),
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      'API Gateway writes execution logs through this account-level role; AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS documents for it.',
    );
    for (const method of api.methods) {
      const reason =
        method.httpMethod === 'OPTIONS'
          ? 'CORS preflight requests carry no credentials by the Fetch standard; the mock integration answers only the allowlisted origins.'
          : 'The service authenticates: /health, register, login and refresh are public by design, and every other route validates the access token (pinned algorithm, issuer, audience, expiry, key id) in the handler.';
      acknowledge(method, 'AwsSolutions-APIG4', reason);
      acknowledge(method, 'AwsSolutions-COG4', `B2 issues its own tokens instead of Cognito user pools. ${reason}`);
    }
    return api;
  }

  /** AWS managed rules against common exploits and known bad inputs, and a per-IP rate limit. */
  private firewall(environment: EnvironmentConfig, api: apigateway.RestApi) {
    const names = resourceNames(environment.name);
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    const managedRuleGroup = (
      name: string,
      priority: number,
      countOnly: readonly string[] = [],
    ): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name,
          ruleActionOverrides:
            countOnly.length > 0 ? countOnly.map((rule) => ({ name: rule, actionToUse: { count: {} } })) : undefined,
        },
      },
      visibilityConfig: visibility(name),
    });
    const webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: names.webAcl,
      description: `Protects the ${environment.name} B2 API`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(names.webAcl),
      customResponseBodies: {
        [RATE_LIMITED_BODY_KEY]: { contentType: 'APPLICATION_JSON', content: RATE_LIMITED_BODY },
      },
      rules: [
        // First, so that a flood is dropped before the managed rules spend capacity on it.
        {
          name: 'rate-limit-per-ip',
          priority: 0,
          action: {
            block: {
              customResponse: {
                responseCode: 429,
                customResponseBodyKey: RATE_LIMITED_BODY_KEY,
                responseHeaders: [{ name: 'Retry-After', value: RATE_LIMITED_RETRY_AFTER_SECONDS }],
              },
            },
          },
          statement: {
            rateBasedStatement: {
              limit: environment.wafRateLimitPer5Minutes,
              evaluationWindowSec: 300,
              aggregateKeyType: 'IP',
            },
          },
          visibilityConfig: visibility('rate-limit-per-ip'),
        },
        managedRuleGroup('AWSManagedRulesCommonRuleSet', 1, [SERVICE_BODY_LIMIT_RULE]),
        managedRuleGroup('AWSManagedRulesKnownBadInputsRuleSet', 2),
      ],
    });

    const wafLogs = new logs.LogGroup(this, 'WafLogs', {
      logGroupName: names.webAclLogGroup,
      retention: environment.logRetentionDays as logs.RetentionDays,
      removalPolicy: removalPolicyOf(environment),
    });
    new wafv2.CfnLoggingConfiguration(this, 'WafLogging', {
      resourceArn: webAcl.attrArn,
      // AWS WAF wants the log group ARN without the `:*` suffix that Fn::GetAtt returns.
      logDestinationConfigs: [
        this.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: wafLogs.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      // Tokens travel in this header: the firewall's logs must not become a credential store.
      redactedFields: [{ singleHeader: { Name: 'authorization' } }],
    });

    const association = new wafv2.CfnWebACLAssociation(this, 'WafAssociation', {
      resourceArn: api.deploymentStage.stageArn,
      webAclArn: webAcl.attrArn,
    });
    return { webAcl, association };
  }

  private deploymentConfigFor(shift: TrafficShift, name: string): codedeploy.ILambdaDeploymentConfig {
    const predefined = PREDEFINED_SHIFTS[shiftKey(shift)];
    if (predefined) return predefined;
    const trafficRouting =
      shift.kind === 'canary'
        ? new codedeploy.TimeBasedCanaryTrafficRouting({
            percentage: shift.percent,
            interval: Duration.minutes(shift.bakeMinutes),
          })
        : shift.kind === 'linear'
          ? new codedeploy.TimeBasedLinearTrafficRouting({
              percentage: shift.percent,
              interval: Duration.minutes(shift.intervalMinutes),
            })
          : codedeploy.TrafficRouting.allAtOnce();
    return new codedeploy.LambdaDeploymentConfig(this, 'TrafficShift', {
      deploymentConfigName: `${name}-${shiftKey(shift)}`,
      trafficRouting,
    });
  }
}
