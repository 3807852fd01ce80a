import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CfnResource, RemovalPolicy, Stack, Stage } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { NagRuleCompliance } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { complianceFindings, findings, fixtureStage, removeTestAssemblies, testApp } from './stage-synthesis';
import { SETTING } from '../../../service/src/settings';
import { addComplianceChecks, B2Checks } from '../../../stages/compliance';
import { acknowledge } from '../../../stages/compliance/acknowledge';
import { ApiHasWaf } from '../../../stages/compliance/rules/api-has-waf';
import { CorsNoWildcard } from '../../../stages/compliance/rules/cors-no-wildcard';
import { StatefulRetainOutsideDev } from '../../../stages/compliance/rules/stateful-retain-outside-dev';
import { environment, EnvironmentName } from '../../../stages/config';
import { bindEnvironment } from '../../../stages/environment-scope';
import { ServiceStage } from '../../../stages/service-stage';

const ALLOWED_ORIGIN = 'https://b2.example.com';

/** A stack inside a stage that belongs to `name`, as a ServiceStage's stacks do. */
function stackIn(name: EnvironmentName): Stack {
  const stage = new Stage(testApp(), name);
  bindEnvironment(stage, environment(name));
  return new Stack(stage, 'Fixture');
}

/** The CloudFormation resource behind a construct. */
function resource(construct: IConstruct): CfnResource {
  return (CfnResource.isCfnResource(construct) ? construct : construct.node.defaultChild) as CfnResource;
}

function preflightOf(api: apigateway.RestApi): CfnResource {
  const method = api.methods.find((m) => m.httpMethod === 'OPTIONS');
  return resource(method!);
}

function restApi(stack: Stack, allowOrigins: string[]): apigateway.RestApi {
  const api = new apigateway.RestApi(stack, 'Api', { defaultCorsPreflightOptions: { allowOrigins } });
  api.root.addMethod('GET', new apigateway.MockIntegration());
  return api;
}

function webAcl(stack: Stack, rules: wafv2.CfnWebACL.RuleProperty[]): wafv2.CfnWebACL {
  const visibilityConfig = { cloudWatchMetricsEnabled: true, metricName: 'fixture', sampledRequestsEnabled: true };
  return new wafv2.CfnWebACL(stack, 'WebAcl', {
    scope: 'REGIONAL',
    defaultAction: { allow: {} },
    visibilityConfig,
    rules: rules.map((rule) => ({ ...rule, visibilityConfig })),
  });
}

const RATE_RULE = {
  name: 'rate',
  priority: 0,
  action: { block: {} },
  statement: { rateBasedStatement: { limit: 100, aggregateKeyType: 'IP' } },
} as wafv2.CfnWebACL.RuleProperty;
const managed = (name: string, priority: number) =>
  ({
    name,
    priority,
    overrideAction: { none: {} },
    statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
  }) as wafv2.CfnWebACL.RuleProperty;
const B2_WAF_RULES = [
  RATE_RULE,
  managed('AWSManagedRulesCommonRuleSet', 1),
  managed('AWSManagedRulesKnownBadInputsRuleSet', 2),
];

function protectedApi(stack: Stack, rules: wafv2.CfnWebACL.RuleProperty[]): apigateway.RestApi {
  const api = restApi(stack, [ALLOWED_ORIGIN]);
  new wafv2.CfnWebACLAssociation(stack, 'Association', {
    resourceArn: api.deploymentStage.stageArn,
    webAclArn: webAcl(stack, rules).attrArn,
  });
  return api;
}

afterAll(removeTestAssemblies);

describe('the CorsNoWildcard rule', () => {
  it('passes an API preflight that allows listed origins', () => {
    expect(CorsNoWildcard.check(preflightOf(restApi(stackIn('dev'), [ALLOWED_ORIGIN])))).toBe(
      NagRuleCompliance.COMPLIANT,
    );
  });

  it('fails an API preflight that allows any origin', () => {
    expect(CorsNoWildcard.check(preflightOf(restApi(stackIn('dev'), apigateway.Cors.ALL_ORIGINS)))).toBe(
      NagRuleCompliance.NON_COMPLIANT,
    );
  });

  it('fails a gateway response that allows any origin', () => {
    const api = restApi(stackIn('dev'), [ALLOWED_ORIGIN]);
    const response = api.addGatewayResponse('Default4xx', {
      type: apigateway.ResponseType.DEFAULT_4XX,
      responseHeaders: { 'Access-Control-Allow-Origin': "'*'" },
    });
    expect(CorsNoWildcard.check(resource(response))).toBe(NagRuleCompliance.NON_COMPLIANT);
  });

  it("judges the service's own allowlist in its function's settings", () => {
    const stack = stackIn('dev');
    const fn = (id: string, origins: string) =>
      new lambda.Function(stack, id, {
        runtime: lambda.Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => ({})'),
        environment: { [SETTING.corsOrigins]: origins },
      });
    expect(CorsNoWildcard.check(resource(fn('Listed', ALLOWED_ORIGIN)))).toBe(NagRuleCompliance.COMPLIANT);
    expect(CorsNoWildcard.check(resource(fn('Wildcard', `${ALLOWED_ORIGIN},*`)))).toBe(NagRuleCompliance.NON_COMPLIANT);
  });

  it('fails CloudFront response headers and bucket CORS rules that allow any origin', () => {
    const stack = stackIn('dev');
    const headers = new cloudfront.ResponseHeadersPolicy(stack, 'Headers', {
      corsBehavior: {
        accessControlAllowCredentials: false,
        accessControlAllowHeaders: ['Content-Type'],
        accessControlAllowMethods: ['GET'],
        accessControlAllowOrigins: ['*'],
        originOverride: true,
      },
    });
    const bucket = new s3.Bucket(stack, 'Bucket', {
      cors: [{ allowedMethods: [s3.HttpMethods.GET], allowedOrigins: ['*'] }],
    });
    expect(CorsNoWildcard.check(resource(headers))).toBe(NagRuleCompliance.NON_COMPLIANT);
    expect(CorsNoWildcard.check(resource(bucket))).toBe(NagRuleCompliance.NON_COMPLIANT);
  });

  it('does not apply to a resource that states no CORS origins', () => {
    expect(CorsNoWildcard.check(resource(new s3.Bucket(stackIn('dev'), 'Bucket')))).toBe(
      NagRuleCompliance.NOT_APPLICABLE,
    );
  });
});

describe('the ApiHasWaf rule', () => {
  it('passes a stage associated with a web ACL running the managed rule groups and a blocking rate limit', () => {
    const api = protectedApi(stackIn('dev'), B2_WAF_RULES);
    expect(ApiHasWaf.check(resource(api.deploymentStage))).toBe(NagRuleCompliance.COMPLIANT);
  });

  it('fails a stage with no web ACL association', () => {
    const api = restApi(stackIn('dev'), [ALLOWED_ORIGIN]);
    webAcl(Stack.of(api), B2_WAF_RULES);
    expect(ApiHasWaf.check(resource(api.deploymentStage))).toBe(NagRuleCompliance.NON_COMPLIANT);
  });

  it('fails a stage whose web ACL has no rate-based rule', () => {
    const api = protectedApi(stackIn('dev'), B2_WAF_RULES.slice(1));
    expect(ApiHasWaf.check(resource(api.deploymentStage))).toBe(NagRuleCompliance.NON_COMPLIANT);
  });

  it('fails a stage whose rate-based rule only counts', () => {
    const counting = { ...RATE_RULE, action: { count: {} } };
    const api = protectedApi(stackIn('dev'), [counting, ...B2_WAF_RULES.slice(1)]);
    expect(ApiHasWaf.check(resource(api.deploymentStage))).toBe(NagRuleCompliance.NON_COMPLIANT);
  });

  it('fails a stage whose web ACL lacks a required managed rule group', () => {
    const api = protectedApi(stackIn('dev'), B2_WAF_RULES.slice(0, 2));
    expect(ApiHasWaf.check(resource(api.deploymentStage))).toBe(NagRuleCompliance.NON_COMPLIANT);
  });
});

describe('the StatefulRetainOutsideDev rule', () => {
  const table = (name: EnvironmentName, removalPolicy: RemovalPolicy, deletionProtection: boolean) =>
    resource(
      new dynamodb.Table(stackIn(name), 'Table', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        removalPolicy,
        deletionProtection,
      }),
    );

  it('passes a retained, deletion-protected table in prod', () => {
    expect(StatefulRetainOutsideDev.check(table('prod', RemovalPolicy.RETAIN, true))).toBe(NagRuleCompliance.COMPLIANT);
  });

  it('fails a table in prod or staging that its stack would destroy', () => {
    expect(StatefulRetainOutsideDev.check(table('prod', RemovalPolicy.DESTROY, true))).toBe(
      NagRuleCompliance.NON_COMPLIANT,
    );
    expect(StatefulRetainOutsideDev.check(table('staging', RemovalPolicy.DESTROY, true))).toBe(
      NagRuleCompliance.NON_COMPLIANT,
    );
  });

  it('fails a retained table in prod without deletion protection', () => {
    expect(StatefulRetainOutsideDev.check(table('prod', RemovalPolicy.RETAIN, false))).toBe(
      NagRuleCompliance.NON_COMPLIANT,
    );
  });

  it('fails a bucket in prod that its stack would destroy', () => {
    const bucket = new s3.Bucket(stackIn('prod'), 'Bucket', { removalPolicy: RemovalPolicy.DESTROY });
    expect(StatefulRetainOutsideDev.check(resource(bucket))).toBe(NagRuleCompliance.NON_COMPLIANT);
  });

  it('lets dev destroy its table with its stack', () => {
    expect(StatefulRetainOutsideDev.check(table('dev', RemovalPolicy.DESTROY, false))).toBe(
      NagRuleCompliance.NOT_APPLICABLE,
    );
  });
});

describe('an acknowledgement', () => {
  /** A bucket that meets AwsSolutions except for server access logs (AwsSolutions-S1). */
  const unloggedBucket = (stack: Stack, id: string) =>
    new s3.Bucket(stack, id, { enforceSSL: true, blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL });

  it('silences its finding on the one resource it names, and nowhere else', () => {
    const stack = stackIn('dev');
    const acknowledged = unloggedBucket(stack, 'Acknowledged');
    unloggedBucket(stack, 'Other');
    acknowledge(acknowledged, 'AwsSolutions-S1', 'A fixture bucket whose objects are never read by anyone.');
    const found = complianceFindings(stack);
    expect(found).toContain(`AwsSolutions-S1 ${stack.node.path}/Other/Resource`);
    expect(found).not.toContain(`AwsSolutions-S1 ${stack.node.path}/Acknowledged/Resource`);
  });

  it('is refused on a scope holding many resources, such as a stack', () => {
    const stack = stackIn('dev');
    unloggedBucket(stack, 'Bucket');
    expect(() => acknowledge(stack, 'AwsSolutions-S1', 'Every bucket of this stack.')).toThrow(
      /is not one CloudFormation resource/,
    );
  });
});

describe('synthesis with the compliance checks', () => {
  it('fails on an unacknowledged finding and names it', () => {
    const stack = stackIn('prod');
    new dynamodb.Table(stack, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const app = stack.node.root as Stage;
    addComplianceChecks(app);
    expect(() => app.synth()).toThrow();
    const report = readFileSync(path.join(app.outdir, 'validation-report.json'), 'utf8');
    expect(report).toContain('B2-StatefulRetainOutsideDev');
  });

  it('passes once the finding is acknowledged on its resource', () => {
    const stack = stackIn('dev');
    const bucket = new s3.Bucket(stack, 'Bucket', {
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    });
    acknowledge(bucket, 'AwsSolutions-S1', 'A fixture bucket whose objects are never read by anyone.');
    const app = stack.node.root as Stage;
    addComplianceChecks(app);
    expect(() => app.synth()).not.toThrow();
  });
});

describe('a prod stage with a CORS wildcard, no WAF association and a DESTROY table', () => {
  let stage: ServiceStage;
  let found: string[];

  beforeAll(() => {
    stage = fixtureStage(environment('prod'));
    // The usual way to make a browser's CORS error go away: open the API's error responses to all.
    stage.api.api.addGatewayResponse('Default4xx', {
      type: apigateway.ResponseType.DEFAULT_4XX,
      responseHeaders: { 'Access-Control-Allow-Origin': "'*'" },
    });
    stage.api.node.tryRemoveChild(stage.api.wafAssociation.node.id);
    stage.data.table.applyRemovalPolicy(RemovalPolicy.DESTROY);
    found = complianceFindings(stage);
  });

  it('fails the CORS check on the error response that allows any origin', () => {
    expect(found).toContain('B2-CorsNoWildcard prod/Api/Api/Default4xx/Resource');
  });

  it('fails the WAF checks on the unprotected API stage', () => {
    const apiStage = stage.api.api.deploymentStage.node.defaultChild!.node.path;
    expect(found).toContain(`B2-ApiHasWaf ${apiStage}`);
    expect(found).toContain(`AwsSolutions-APIG3 ${apiStage}`);
  });

  it('fails the retention check on the table', () => {
    expect(found).toContain('B2-StatefulRetainOutsideDev prod/Data/Table/Resource');
  });

  it('fails its synthesis', () => {
    const app = stage.node.root as Stage;
    addComplianceChecks(app);
    expect(() => app.synth()).toThrow();
    const report = JSON.parse(readFileSync(path.join(app.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations: { ruleName: string }[] }[];
    };
    const rules = report.pluginReports.flatMap((r) => r.violations.map((v) => v.ruleName));
    expect(rules).toEqual(expect.arrayContaining(['B2-CorsNoWildcard', 'B2-ApiHasWaf', 'B2-StatefulRetainOutsideDev']));
  });

  it('is caught by the B2 rules alone, with nothing else of the stage reported by them', () => {
    expect(findings(new B2Checks(), stage).sort()).toEqual(
      [
        'B2-CorsNoWildcard prod/Api/Api/Default4xx/Resource',
        `B2-ApiHasWaf ${stage.api.api.deploymentStage.node.defaultChild!.node.path}`,
        'B2-StatefulRetainOutsideDev prod/Data/Table/Resource',
      ].sort(),
    );
  });
});
