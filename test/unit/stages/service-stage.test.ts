import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  complianceFindings,
  FIXTURE_COMMIT,
  removeTestAssemblies,
  SynthesizedStage,
  synthesizeStage,
} from './stage-synthesis';
import { SERVICE_NODE_MAJOR } from '../../../pipeline/toolchain/versions';
import { tableName } from '../../../service/src/data/table-design';
import { webSecurityHeaders } from '../../../service/src/http/security-headers';
import { SETTING } from '../../../service/src/settings';
import { environment, ENVIRONMENT_NAMES, EnvironmentName } from '../../../stages/config';
import { ServiceStage } from '../../../stages/service-stage';

/** What differs between the environments, stated here rather than read back from their config. */
const EXPECTED: Record<
  EnvironmentName,
  { readonly protectsData: boolean; readonly deploymentConfig: string; readonly backupCopyRegion?: string }
> = {
  dev: { protectsData: false, deploymentConfig: 'CodeDeployDefault.LambdaAllAtOnce' },
  staging: { protectsData: true, deploymentConfig: 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute' },
  prod: {
    protectsData: true,
    deploymentConfig: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
    backupCopyRegion: 'eu-central-1',
  },
};

/** `{ Ref }` to the CloudFormation resource behind a construct. */
function ref(construct: IConstruct): { Ref: string } {
  const resource = construct instanceof CfnElement ? construct : (construct.node.defaultChild as CfnElement);
  return { Ref: Stack.of(resource).getLogicalId(resource) };
}

function logicalId(construct: IConstruct): string {
  return ref(construct).Ref;
}

/** The properties in which CloudFormation resources take their physical name. */
const NAME_PROPERTIES = new Set([
  'Name',
  'TableName',
  'FunctionName',
  'RoleName',
  'BucketName',
  'LogGroupName',
  'TopicName',
  'AliasName',
  'AlarmName',
  'DashboardName',
  'ApplicationName',
  'DeploymentGroupName',
  'StageName',
  'BackupVaultName',
  'BackupPlanName',
  'SelectionName',
]);

/**
 * Every physical name a template states, at the top of a resource's properties or one level down
 * (`ResponseHeadersPolicyConfig.Name`, `BackupPlan.BackupPlanName`); references are not names.
 */
function physicalNames(template: Template): { type: string; name: string }[] {
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties?: object }>;
  const names: { type: string; name: string }[] = [];
  const collect = (type: string, properties: object | undefined, depth: number): void => {
    for (const [key, value] of Object.entries(properties ?? {})) {
      if (typeof value === 'string' && NAME_PROPERTIES.has(key)) {
        names.push({ type, name: value });
      } else if (depth < 1 && value && typeof value === 'object' && !Array.isArray(value)) {
        collect(type, value, depth + 1);
      }
    }
  };
  for (const resource of Object.values(resources)) collect(resource.Type, resource.Properties, 0);
  return names;
}

afterAll(removeTestAssemblies);

describe.each(ENVIRONMENT_NAMES)('the %s stage', (name) => {
  const config = environment(name);
  const expected = EXPECTED[name];
  const retained = expected.protectsData ? 'Retain' : 'Delete';
  let synthesized: SynthesizedStage;
  let stage: ServiceStage;
  let data: Template;
  let api: Template;
  let web: Template;
  let monitoring: Template;

  beforeAll(() => {
    synthesized = synthesizeStage(name);
    stage = synthesized.stage;
    data = synthesized.template(stage.data);
    api = synthesized.template(stage.api);
    web = synthesized.template(stage.web);
    monitoring = synthesized.template(stage.monitoring);
  });

  describe('data', () => {
    it('keeps memories in one encrypted table named after the environment, with point-in-time recovery', () => {
      data.resourceCountIs('AWS::DynamoDB::Table', 1);
      data.hasResourceProperties('AWS::DynamoDB::Table', {
        TableName: tableName(name),
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      });
    });

    it(
      expected.protectsData
        ? 'retains the table when its stack goes and refuses a direct delete'
        : 'lets the table go with its stack',
      () => {
        data.hasResource('AWS::DynamoDB::Table', {
          DeletionPolicy: retained,
          UpdateReplacePolicy: retained,
          Properties: Match.objectLike({ DeletionProtectionEnabled: expected.protectsData }),
        });
      },
    );

    if (expected.backupCopyRegion) {
      const copyRegion = expected.backupCopyRegion;

      it(`backs the table up daily and copies every backup to ${copyRegion}`, () => {
        data.hasResourceProperties('AWS::Backup::BackupPlan', {
          BackupPlan: Match.objectLike({
            BackupPlanRule: [
              Match.objectLike({
                ScheduleExpression: 'cron(0 3 * * ? *)',
                CopyActions: [
                  Match.objectLike({
                    DestinationBackupVaultArn: `arn:aws:backup:${copyRegion}:${config.account}:backup-vault:${name}-b2-backup-copy`,
                  }),
                ],
              }),
            ],
          }),
        });
        data.hasResourceProperties('AWS::Backup::BackupSelection', {
          BackupSelection: Match.objectLike({ Resources: [{ 'Fn::GetAtt': [logicalId(stage.data.table), 'Arn'] }] }),
        });
      });

      it(`deploys the copy vault in ${copyRegion}, retained, before the data stack`, () => {
        const copy = stage.backupCopy;
        expect(copy?.region).toBe(copyRegion);
        expect(stage.data.dependencies).toContain(copy);
        synthesized.template(copy!).hasResource('AWS::Backup::BackupVault', {
          DeletionPolicy: 'Retain',
          Properties: Match.objectLike({ BackupVaultName: `${name}-b2-backup-copy` }),
        });
      });
    } else {
      it('relies on point-in-time recovery alone, with no backup plan or copy region', () => {
        data.resourceCountIs('AWS::Backup::BackupPlan', 0);
        expect(stage.backupCopy).toBeUndefined();
      });
    }

    it('publishes the table name as an SSM parameter of the environment', () => {
      data.hasResourceProperties('AWS::SSM::Parameter', {
        Name: `/b2/${name}/table-name`,
        Value: ref(stage.data.table),
      });
    });
  });

  describe('API', () => {
    it('runs the release on Node.js 24 with X-Ray tracing and the settings the service reads', () => {
      api.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `${name}-b2-api`,
        Runtime: 'nodejs24.x',
        Handler: 'index.handler',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Environment: {
          Variables: Match.objectLike({
            [SETTING.environment]: name,
            [SETTING.version]: FIXTURE_COMMIT,
            [SETTING.corsOrigins]: config.corsOrigins.join(','),
            [SETTING.signingKeysSecretArn]: ref(stage.api.signingKeys),
            [SETTING.tokenIssuer]: config.token.issuer,
            [SETTING.tokenAudience]: config.token.audience,
            [SETTING.tableName]: Match.anyValue(),
          }),
        },
      });
    });

    it('routes every API request to the live alias, the one CodeDeploy shifts', () => {
      api.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live', FunctionName: ref(stage.api.function) });
      const proxies = api.findResources('AWS::ApiGateway::Method', {
        Properties: { Integration: { Type: 'AWS_PROXY' } },
      });
      expect(Object.keys(proxies).length).toBeGreaterThan(0);
      for (const method of Object.values(proxies)) {
        expect(JSON.stringify(method.Properties.Integration.Uri)).toContain(JSON.stringify(ref(stage.api.liveAlias)));
      }
    });

    it('throttles the stage, traces it and writes JSON access logs to a log group of the environment', () => {
      api.hasResourceProperties('AWS::ApiGateway::Stage', {
        StageName: name,
        TracingEnabled: true,
        MethodSettings: [
          Match.objectLike({
            ResourcePath: '/*',
            HttpMethod: '*',
            ThrottlingRateLimit: config.throttling.rateLimit,
            ThrottlingBurstLimit: config.throttling.burstLimit,
            DataTraceEnabled: false,
          }),
        ],
        AccessLogSetting: {
          DestinationArn: Match.anyValue(),
          Format: Match.serializedJson(
            Match.objectLike({ requestId: '$context.requestId', status: '$context.status' }),
          ),
        },
      });
      api.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: `/b2/${name}/api-access`,
        RetentionInDays: config.logRetentionDays,
      });
    });

    it('answers API Gateway throttling with the API error shape and a Retry-After', () => {
      api.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: 'THROTTLED',
        StatusCode: '429',
        ResponseParameters: { 'gatewayresponse.header.Retry-After': Match.stringLikeRegexp("^'\\d+'$") },
        ResponseTemplates: {
          'application/json': Match.serializedJson({ error: { code: 'rate_limited', message: Match.anyValue() } }),
        },
      });
    });

    it('answers CORS preflight for the allowlisted origin only', () => {
      const preflights = api.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'OPTIONS' } });
      expect(Object.keys(preflights).length).toBeGreaterThan(0);
      for (const method of Object.values(preflights)) {
        expect(method.Properties.Integration.IntegrationResponses).toEqual([
          expect.objectContaining({
            ResponseParameters: expect.objectContaining({
              'method.response.header.Access-Control-Allow-Origin': `'${config.corsOrigins[0]}'`,
              'method.response.header.Vary': "'Origin'",
            }),
          }),
        ]);
      }
    });

    it('puts the stage behind a web ACL with the AWS managed rules and a per-IP rate limit', () => {
      api.hasResourceProperties('AWS::WAFv2::WebACL', {
        Name: `${name}-b2-api`,
        Scope: 'REGIONAL',
        DefaultAction: { Allow: {} },
        Rules: Match.arrayWith([
          Match.objectLike({
            Name: 'rate-limit-per-ip',
            Action: {
              Block: { CustomResponse: Match.objectLike({ ResponseCode: 429, CustomResponseBodyKey: 'rate-limited' }) },
            },
            Statement: {
              RateBasedStatement: {
                Limit: config.wafRateLimitPer5Minutes,
                AggregateKeyType: 'IP',
                EvaluationWindowSec: 300,
              },
            },
          }),
          Match.objectLike({
            Statement: {
              ManagedRuleGroupStatement: Match.objectLike({
                VendorName: 'AWS',
                Name: 'AWSManagedRulesCommonRuleSet',
                // The service enforces its own 16 KiB body limit with a 413.
                RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
              }),
            },
          }),
          Match.objectLike({
            Statement: {
              ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesKnownBadInputsRuleSet' },
            },
          }),
        ]),
      });
      api.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
        WebACLArn: { 'Fn::GetAtt': [logicalId(stage.api.webAcl), 'Arn'] },
        ResourceArn: {
          'Fn::Join': ['', Match.arrayWith([ref(stage.api.api), ref(stage.api.api.deploymentStage)])],
        },
      });
    });

    it('logs the firewall without the Authorization header', () => {
      api.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
        RedactedFields: [{ SingleHeader: { Name: 'authorization' } }],
      });
      api.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `aws-waf-logs-${name}-b2-api` });
    });

    it('keeps the signing keys in Secrets Manager, valid from the start and rotated by the rotation function', () => {
      api.hasResource('AWS::SecretsManager::Secret', {
        DeletionPolicy: retained,
        Properties: Match.objectLike({
          Name: `${name}-b2-signing-keys`,
          GenerateSecretString: Match.objectLike({
            SecretStringTemplate: Match.serializedJson({ current: { kid: Match.anyValue() } }),
            GenerateStringKey: 'secret',
            ExcludePunctuation: true,
          }),
        }),
      });
      api.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
        SecretId: ref(stage.api.signingKeys),
        RotationLambdaARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SigningKeyRotation'), 'Arn'] },
        RotationRules: { ScheduleExpression: `rate(${config.signingKeyRotationDays} days)` },
      });
      api.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `${name}-b2-signing-key-rotation`,
        Runtime: 'nodejs24.x',
        TracingConfig: { Mode: 'Active' },
      });
    });

    it("runs every Node.js function of the stage on Lambda's nodejs24.x, the pinned Node major", () => {
      expect(SERVICE_NODE_MAJOR).toBe(24);
      const runtimes = synthesized.templates().flatMap(({ template }) =>
        Object.entries(template.findResources('AWS::Lambda::Function')).map(([id, resource]) => ({
          id,
          runtime: (resource as { Properties: { Runtime?: string } }).Properties.Runtime,
        })),
      );
      const node = runtimes.filter(({ runtime }) => runtime?.startsWith('nodejs'));
      expect(node.map(({ id }) => id)).toEqual(
        expect.arrayContaining([
          logicalId(stage.api.function),
          logicalId(stage.api.releaseJudgement.preTrafficHook.function),
          expect.stringMatching(/^SigningKeyRotation/),
        ]),
      );
      expect(node.filter(({ runtime }) => runtime !== 'nodejs24.x')).toEqual([]);
      // The only other function is CDK's BucketDeployment handler, whose Python runtime aws-cdk-lib chooses.
      expect(runtimes.filter(({ runtime }) => !runtime?.startsWith('nodejs')).map(({ runtime }) => runtime)).toEqual(
        runtimes.filter(({ runtime }) => !runtime?.startsWith('nodejs')).map(() => expect.stringMatching(/^python/)),
      );
    });

    it('publishes the API URL as an SSM parameter of the environment', () => {
      api.hasResourceProperties('AWS::SSM::Parameter', { Name: `/b2/${name}/api-url` });
    });
  });

  describe('deployment and rollback', () => {
    it(`shifts traffic to a new release with ${expected.deploymentConfig}, rolling back on any alarm`, () => {
      const alarms = [
        stage.monitoring.api5xxAlarm,
        stage.monitoring.api5xxRateAlarm,
        stage.monitoring.apiLatencyAlarm,
        stage.monitoring.lambdaErrorsAlarm,
        stage.monitoring.lambdaThrottlesAlarm,
        stage.api.releaseJudgement.canary.alarm,
        stage.api.releaseJudgement.releaseErrorRate.alarm,
      ];
      api.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
        DeploymentGroupName: `${name}-b2-api`,
        DeploymentConfigName: expected.deploymentConfig,
        AlarmConfiguration: { Enabled: true, Alarms: Match.anyValue() },
        AutoRollbackConfiguration: {
          Enabled: true,
          Events: Match.arrayWith(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']),
        },
      });
      const [group] = Object.values(api.findResources('AWS::CodeDeploy::DeploymentGroup'));
      const watched = JSON.stringify(group.Properties.AlarmConfiguration.Alarms);
      for (const alarm of alarms) expect(watched).toContain(logicalId(alarm));
      expect(group.Properties.AlarmConfiguration.Alarms).toHaveLength(alarms.length);
    });

    it('hands every update of the live alias to CodeDeploy', () => {
      api.hasResource('AWS::Lambda::Alias', {
        UpdatePolicy: {
          CodeDeployLambdaAliasUpdate: {
            ApplicationName: Match.anyValue(),
            DeploymentGroupName: ref(stage.api.deploymentGroup),
          },
        },
      });
    });
  });

  describe('web front end', () => {
    it('keeps the release in a private, encrypted, logged bucket that only TLS reaches', () => {
      web.hasResource('AWS::S3::Bucket', {
        DeletionPolicy: retained,
        Properties: Match.objectLike({
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          BucketEncryption: Match.anyValue(),
          LoggingConfiguration: Match.objectLike({ LogFilePrefix: 's3/' }),
        }),
      });
      web.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: ref(stage.web.bucket),
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'cloudfront.amazonaws.com' },
              Action: 's3:GetObject',
              Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
            }),
          ]),
        },
      });
    });

    it('serves it through CloudFront with origin access control, HTTPS only, on the environment domain', () => {
      web.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
        OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always' }),
      });
      web.hasResourceProperties('AWS::CloudFront::Distribution', {
        DistributionConfig: Match.objectLike({
          Aliases: [config.web.domainName],
          ViewerCertificate: Match.objectLike({
            AcmCertificateArn: config.web.certificateArn,
            MinimumProtocolVersion: 'TLSv1.2_2021',
          }),
          Origins: [
            Match.objectLike({
              OriginAccessControlId: Match.objectLike({ 'Fn::GetAtt': Match.arrayWith(['Id']) }),
              S3OriginConfig: { OriginAccessIdentity: '' },
            }),
          ],
          DefaultCacheBehavior: Match.objectLike({
            ViewerProtocolPolicy: 'redirect-to-https',
            ResponseHeadersPolicyId: ref(stage.web.responseHeaders),
          }),
        }),
      });
    });

    it('sends the security headers, with a content security policy that lets the page call only its API', () => {
      web.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
        ResponseHeadersPolicyConfig: Match.objectLike({
          Name: `${name}-b2-web-security-headers`,
          SecurityHeadersConfig: Match.objectLike({
            StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 31_536_000, IncludeSubdomains: true }),
            ContentTypeOptions: { Override: true },
            FrameOptions: { FrameOption: 'DENY', Override: true },
            ReferrerPolicy: Match.objectLike({ ReferrerPolicy: 'strict-origin-when-cross-origin' }),
          }),
        }),
      });
      const [policy] = Object.values(web.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
      const csp = JSON.stringify(
        policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy,
      );
      expect(csp).toContain("default-src 'self'; connect-src 'self' https://");
      expect(csp).toContain(`.execute-api.${config.region}.`);
      expect(csp).toContain("frame-ancestors 'none'");
      // The local server sends the same policy: every directive but the API's origin is one text.
      const local = webSecurityHeaders().contentSecurityPolicy.split('; ');
      for (const directive of local.filter((d) => !d.startsWith('connect-src'))) expect(csp).toContain(directive);
      expect(policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.XSSProtection).toMatchObject({
        Protection: false,
      });
    });

    it('copies the release and a config.json naming the environment and its API into the bucket', () => {
      web.hasResourceProperties('Custom::CDKBucketDeployment', {
        DestinationBucketName: ref(stage.web.bucket),
        DistributionId: ref(stage.web.distribution),
        DistributionPaths: ['/*'],
        Prune: true,
      });
      const [deployment] = Object.values(web.findResources('Custom::CDKBucketDeployment'));
      const sources = (deployment.Properties.SourceObjectKeys as string[]).map((key) =>
        path.join(stage.assetOutdir, `asset.${key.replace(/\.zip$/, '')}`),
      );
      const configSource = sources.find((dir) => existsSync(path.join(dir, 'config.json')));
      expect(configSource, 'a release source holding config.json').toBeDefined();
      const published = JSON.parse(readFileSync(path.join(configSource!, 'config.json'), 'utf8')) as {
        environment: string;
        apiUrl: string;
      };
      expect(published.environment).toBe(name);
      expect(published.apiUrl).toMatch(new RegExp(`^https://.+\\.execute-api\\.${config.region}\\..+/$`));
    });

    it('publishes the web URL as an SSM parameter of the environment', () => {
      web.hasResourceProperties('AWS::SSM::Parameter', {
        Name: `/b2/${name}/web-url`,
        Value: `https://${config.web.domainName}`,
      });
    });
  });

  describe('monitoring', () => {
    it('alarms on API 5XX, p99 latency, Lambda errors and throttles of the live release, at the configured thresholds', () => {
      const apiDimensions = [
        { Name: 'ApiName', Value: `${name}-b2-api` },
        { Name: 'Stage', Value: name },
      ];
      const alarm = (properties: Record<string, unknown>) =>
        monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Period: 60,
          EvaluationPeriods: config.alarms.evaluationMinutes,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
          AlarmActions: [ref(stage.monitoring.alarmTopic)],
          ...properties,
        });
      alarm({
        AlarmName: `${name}-b2-api-5xx`,
        Namespace: 'AWS/ApiGateway',
        MetricName: '5XXError',
        Dimensions: Match.arrayWith(apiDimensions),
        Statistic: 'Sum',
        Threshold: config.alarms.api5xxPerMinute,
      });
      alarm({
        AlarmName: `${name}-b2-api-p99-latency`,
        Namespace: 'AWS/ApiGateway',
        MetricName: 'Latency',
        Dimensions: Match.arrayWith(apiDimensions),
        ExtendedStatistic: 'p99',
        Threshold: config.alarms.apiP99LatencyMs,
      });
      alarm({
        AlarmName: `${name}-b2-lambda-errors`,
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: Match.arrayWith([{ Name: 'Resource', Value: `${name}-b2-api:live` }]),
        Threshold: config.alarms.lambdaErrorsPerMinute,
      });
      alarm({
        AlarmName: `${name}-b2-lambda-throttles`,
        Namespace: 'AWS/Lambda',
        MetricName: 'Throttles',
        Dimensions: [{ Name: 'FunctionName', Value: `${name}-b2-api` }],
        Threshold: config.alarms.lambdaThrottlesPerMinute,
      });
    });

    it('finds the metrics by the names the API stack gives its API and function', () => {
      api.hasResourceProperties('AWS::ApiGateway::RestApi', { Name: `${name}-b2-api` });
      api.hasResourceProperties('AWS::Lambda::Function', { FunctionName: `${name}-b2-api` });
    });

    it('notifies an encrypted SNS topic of the environment and draws a dashboard', () => {
      monitoring.hasResourceProperties('AWS::SNS::Topic', {
        TopicName: `${name}-b2-alarms`,
        KmsMasterKeyId: Match.anyValue(),
      });
      monitoring.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: `${name}-b2` });
    });
  });

  describe('the stage as a whole', () => {
    it('outputs the API URL and the web URL for the verification steps', () => {
      expect(stage.apiUrl.stack).toBe(stage.api);
      expect(stage.webUrl.stack).toBe(stage.web);
      api.hasOutput(stage.api.resolve(stage.apiUrl.logicalId) as string, {
        Value: { 'Fn::Join': ['', Match.arrayWith(['https://', ref(stage.api.api)])] },
      });
      web.hasOutput(stage.web.resolve(stage.webUrl.logicalId) as string, { Value: `https://${config.web.domainName}` });
    });

    it('deploys every stack to the environment account under a name that carries the environment', () => {
      for (const { stack } of synthesized.templates()) {
        expect(stack.stackName).toMatch(new RegExp(`^${name}-b2-`));
        expect(stack.account).toBe(config.account);
      }
    });

    it('names every resource it names after the environment', () => {
      // As a word, or as the start of a name CDK generates from the stack's (`prodb2web...`).
      const environmentWord = new RegExp(`(^${name})|([^a-z]${name}([^a-z]|$))`);
      const names = synthesized.templates().flatMap(({ template }) => physicalNames(template));
      expect(names.length).toBeGreaterThan(20);
      const unnamed = names
        // An alias is named within its function, whose name carries the environment.
        .filter(({ type }) => type !== 'AWS::Lambda::Alias')
        .filter(({ name: physical }) => !environmentWord.test(physical));
      expect(unnamed).toEqual([]);
    });

    it('passes cdk-nag AwsSolutions and the B2 rules with no unacknowledged finding', () => {
      expect(complianceFindings(stage)).toEqual([]);
    });

    it('acknowledges findings only on single resources, each with a reason of its own', () => {
      const acknowledgements = stage.node
        .findAll()
        .flatMap((construct) =>
          construct.node.metadata
            .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
            .flatMap((entry) =>
              Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ construct, id, reason })),
            ),
        );
      expect(acknowledgements.length).toBeGreaterThan(0);
      for (const { construct, id, reason } of acknowledgements) {
        expect(construct instanceof CfnElement, `${id} on ${construct.node.path}`).toBe(true);
        expect(reason.length, `${id} on ${construct.node.path} gives a reason`).toBeGreaterThan(40);
      }
    });
  });
});
