import { CfnResource, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagMessageLevel, NagRuleCompliance } from 'cdk-nag';
import { B2Rule } from './rule';
import { SETTING } from '../../../service/src/settings';

const METHOD_ALLOW_ORIGIN = 'method.response.header.Access-Control-Allow-Origin';
const GATEWAY_ALLOW_ORIGIN = 'gatewayresponse.header.Access-Control-Allow-Origin';

/** API Gateway header values are quoted literals: `'*'` is the wildcard. */
function isWildcardHeader(value: unknown): boolean {
  return typeof value === 'string' && value.replace(/'/g, '').trim() === '*';
}

function listsWildcard(origins: unknown): boolean {
  return Array.isArray(origins) && origins.some((origin) => typeof origin === 'string' && origin.includes('*'));
}

/** The resolved allowlist of every place a B2 resource states CORS origins, or undefined when it states none. */
function wildcardIn(node: CfnResource): boolean | undefined {
  const stack = Stack.of(node);
  if (node instanceof apigateway.CfnMethod) {
    const integration = stack.resolve(node.integration) as
      { integrationResponses?: { responseParameters?: Record<string, unknown> }[] } | undefined;
    const values = (integration?.integrationResponses ?? [])
      .map((response) => response.responseParameters?.[METHOD_ALLOW_ORIGIN])
      .filter((value) => value !== undefined);
    return values.length === 0 ? undefined : values.some(isWildcardHeader);
  }
  if (node instanceof apigateway.CfnGatewayResponse) {
    const value = (stack.resolve(node.responseParameters) as Record<string, unknown> | undefined)?.[
      GATEWAY_ALLOW_ORIGIN
    ];
    return value === undefined ? undefined : isWildcardHeader(value);
  }
  if (node instanceof lambda.CfnFunction) {
    const environment = stack.resolve(node.environment) as { variables?: Record<string, unknown> } | undefined;
    const origins = environment?.variables?.[SETTING.corsOrigins];
    return origins === undefined ? undefined : JSON.stringify(origins).includes('*');
  }
  if (node instanceof cloudfront.CfnResponseHeadersPolicy) {
    const config = stack.resolve(node.responseHeadersPolicyConfig) as
      { corsConfig?: { accessControlAllowOrigins?: { items?: unknown } } } | undefined;
    const origins = config?.corsConfig?.accessControlAllowOrigins?.items;
    return origins === undefined ? undefined : listsWildcard(origins);
  }
  if (node instanceof s3.CfnBucket) {
    const cors = stack.resolve(node.corsConfiguration) as { corsRules?: { allowedOrigins?: unknown }[] } | undefined;
    if (!cors?.corsRules) return undefined;
    return cors.corsRules.some((rule) => listsWildcard(rule.allowedOrigins));
  }
  return undefined;
}

/**
 * CORS allows listed origins only: the API preflight, gateway responses, the service's own
 * allowlist (B2_CORS_ORIGINS), CloudFront response headers and S3 bucket CORS rules.
 */
export const CorsNoWildcard: B2Rule = {
  id: 'CorsNoWildcard',
  info: 'The resource allows any origin (`*`) for CORS.',
  explanation:
    "A wildcard lets any web page read responses made with the visitor's session; B2 allows each environment's listed origins only.",
  level: NagMessageLevel.ERROR,
  check: (node) => {
    const wildcard = wildcardIn(node);
    if (wildcard === undefined) return NagRuleCompliance.NOT_APPLICABLE;
    return wildcard ? NagRuleCompliance.NON_COMPLIANT : NagRuleCompliance.COMPLIANT;
  },
};
