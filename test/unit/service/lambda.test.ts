import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { newSigningKeysDocument } from '../../../service/src/auth/signing-keys';
import { SETTING } from '../../../service/src/settings';
import { useDynamoDbLocal } from '../../harness/dynamodb-local';

const dynamodb = useDynamoDbLocal();

/** What API Gateway's REST API (proxy integration, payload v1) sends the function. */
function restApiEvent(method: string, path: string, body?: object): APIGatewayProxyEvent {
  const headers: Record<string, string> = { Host: 'abc123.execute-api.eu-west-1.amazonaws.com', Accept: '*/*' };
  if (body) headers['Content-Type'] = 'application/json';
  return {
    resource: '/{proxy+}',
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { proxy: path.slice(1) },
    stageVariables: null,
    body: body ? JSON.stringify(body) : null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authorizer: null,
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      httpMethod: method,
      identity: { sourceIp: '198.51.100.7', userAgent: 'test' } as APIGatewayProxyEvent['requestContext']['identity'],
      path: `/dev${path}`,
      protocol: 'HTTP/1.1',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTimeEpoch: Date.now(),
      resourceId: 'res123',
      resourcePath: '/{proxy+}',
      stage: 'dev',
    },
  };
}

const context = {
  functionName: 'dev-b2-api',
  functionVersion: '1',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:dev-b2-api:live',
  memoryLimitInMB: '1024',
  awsRequestId: 'f5b2c1de-0000-4000-8000-000000000000',
  logGroupName: '/aws/lambda/dev-b2-api',
  logStreamName: '2026/01/01/[1]abc',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 10_000,
} as Context;

describe('the Lambda handler', () => {
  let handler: (
    event: APIGatewayProxyEvent,
    context: Context,
  ) => Promise<{
    statusCode: number;
    body: string;
    headers?: Record<string, string>;
  }>;

  beforeAll(async () => {
    // The handler reads its settings once, when the module loads, as on a cold start.
    process.env[SETTING.environment] = 'dev';
    process.env[SETTING.version] = 'abc1234';
    process.env[SETTING.tableName] = await dynamodb.newTable();
    process.env[SETTING.dynamodbEndpoint] = dynamodb.endpoint;
    process.env[SETTING.signingKeys] = JSON.stringify(newSigningKeysDocument());
    ({ handler } = (await import('../../../service/src/lambda')) as unknown as { handler: typeof handler });
  });

  it('answers GET /health from a REST API proxy event with the version and environment', async () => {
    const result = await handler(restApiEvent('GET', '/health'), context);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ status: 'ok', version: 'abc1234', environment: 'dev' });
  });

  it('answers 404 in the error shape to a path the API does not have', async () => {
    const result = await handler(restApiEvent('GET', '/no-such-route'), context);
    expect(result.statusCode).toBe(404);
    expect(JSON.parse(result.body)).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });

  it('registers a user through a POST event, reading the JSON body from the event', async () => {
    const result = await handler(
      restApiEvent('POST', '/auth/register', { email: 'lambda@example.com', password: 'correct horse battery' }),
      context,
    );
    expect(result.statusCode).toBe(201);
    expect(JSON.parse(result.body).user.email).toBe('lambda@example.com');
  });
});
