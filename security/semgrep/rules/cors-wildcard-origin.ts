import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Cors, RestApi } from 'aws-cdk-lib/aws-apigateway';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Bucket, HttpMethods } from 'aws-cdk-lib/aws-s3';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { Construct } from 'constructs';
import { Hono } from 'hono';
import { cors } from 'hono/cors';

interface EnvironmentConfig {
  readonly corsOrigins: string[];
}

export function apis(scope: Construct, config: EnvironmentConfig, fn: lambda.IFunction): void {
  new RestApi(scope, 'AnyOrigin', {
    // ruleid: b2-cors-wildcard-origin-cdk
    defaultCorsPreflightOptions: { allowOrigins: Cors.ALL_ORIGINS },
  });
  new apigateway.RestApi(scope, 'AnyOriginNamespaced', {
    // ruleid: b2-cors-wildcard-origin-cdk
    defaultCorsPreflightOptions: { allowOrigins: apigateway.Cors.ALL_ORIGINS, allowCredentials: true },
  });
  new RestApi(scope, 'StarOrigin', {
    // ruleid: b2-cors-wildcard-origin-cdk
    defaultCorsPreflightOptions: { allowOrigins: ['*'] },
  });
  new RestApi(scope, 'Allowlisted', {
    // ok: b2-cors-wildcard-origin-cdk
    defaultCorsPreflightOptions: { allowOrigins: config.corsOrigins, allowMethods: Cors.ALL_METHODS },
  });
  fn.addFunctionUrl({
    authType: lambda.FunctionUrlAuthType.AWS_IAM,
    // ruleid: b2-cors-wildcard-origin-cdk
    cors: { allowedOrigins: ['https://b2.example', '*'] },
  });
  new Bucket(scope, 'Assets', {
    // ruleid: b2-cors-wildcard-origin-cdk
    cors: [{ allowedMethods: [HttpMethods.GET], allowedOrigins: ['*'] }],
  });
  new Bucket(scope, 'AllowlistedAssets', {
    // ok: b2-cors-wildcard-origin-cdk
    cors: [{ allowedMethods: [HttpMethods.GET], allowedOrigins: config.corsOrigins }],
  });
  new cloudfront.ResponseHeadersPolicy(scope, 'Headers', {
    corsBehavior: {
      accessControlAllowCredentials: false,
      accessControlAllowHeaders: ['authorization'],
      accessControlAllowMethods: ['GET'],
      // ruleid: b2-cors-wildcard-origin-cdk
      accessControlAllowOrigins: ['*'],
      originOverride: true,
    },
  });
}

export function app(allowlist: string[]): Hono {
  const api = new Hono();
  // ruleid: b2-cors-wildcard-origin-handler
  api.use('/open/*', cors());
  // ruleid: b2-cors-wildcard-origin-handler
  api.use('/defaults/*', cors({ credentials: true }));
  // ruleid: b2-cors-wildcard-origin-handler
  api.use('/star/*', cors({ origin: '*' }));
  // ruleid: b2-cors-wildcard-origin-handler
  api.use('/reflect/*', cors({ origin: (origin) => origin, credentials: true }));
  // ok: b2-cors-wildcard-origin-handler
  api.use('/api/*', cors({ origin: allowlist, credentials: true }));
  // ok: b2-cors-wildcard-origin-handler
  api.use('/checked/*', cors({ origin: (origin) => (allowlist.includes(origin) ? origin : null) }));
  api.get('/manual', (c) => {
    // ruleid: b2-cors-wildcard-origin-handler
    c.header('Access-Control-Allow-Origin', '*');
    return c.json({ ok: true });
  });
  api.get('/echo', (c) => {
    // ruleid: b2-cors-wildcard-origin-handler
    c.header('access-control-allow-origin', c.req.header('origin'));
    return c.json({ ok: true });
  });
  api.get('/vary', (c) => {
    // ok: b2-cors-wildcard-origin-handler
    c.header('Vary', '*');
    return c.json({ ok: true });
  });
  return api;
}

export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  if (event.path === '/wildcard') {
    // ruleid: b2-cors-wildcard-origin-handler
    return { statusCode: 200, headers: { 'Access-Control-Allow-Origin': '*' }, body: '{}' };
  }
  if (event.path === '/echo') {
    return {
      statusCode: 200,
      headers: {
        'Content-Type': 'application/json',
        // ruleid: b2-cors-wildcard-origin-handler
        'Access-Control-Allow-Origin': event.headers.origin ?? '',
      },
      body: '{}',
    };
  }
  const origin = event.headers.origin ?? '';
  const allowed = ['https://b2.example'];
  return {
    statusCode: 200,
    // ok: b2-cors-wildcard-origin-handler
    headers: { 'Access-Control-Allow-Origin': allowed.includes(origin) ? origin : allowed[0] },
    body: '{}',
  };
}
