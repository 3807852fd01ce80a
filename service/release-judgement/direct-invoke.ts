import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Fetch } from '../../test/smoke/smoke';

/**
 * A `fetch` answered by one Lambda function version, invoked directly with the event API
 * Gateway's REST proxy integration would send it: the pre-traffic hook walks the new version
 * this way before the live alias sends it any traffic.
 */

/**
 * Where the walk is pointed. `.invalid` never resolves (RFC 2606), so a request that did not go
 * through this `fetch` fails instead of reaching some host.
 */
export const DIRECT_INVOKE_ORIGIN = 'https://new-version.invalid';

/**
 * The client address the events carry: a documentation address (RFC 5737), no real client's. The
 * service counts registrations per address; a hook run registers one user.
 */
export const DIRECT_INVOKE_CLIENT_ADDRESS = '192.0.2.1';

/** Statuses whose responses have no body (the Fetch standard's null body statuses). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

export interface DirectInvokeProps {
  readonly lambda: Pick<LambdaClient, 'send'>;
  /** The qualified ARN of the version every request invokes. */
  readonly functionArn: string;
  /** The REST API stage the events say they came through. */
  readonly stage: string;
}

/** The event API Gateway's proxy integration sends for `url` (the REST API's `{proxy+}` resource). */
export function proxyEvent(url: URL, init: RequestInit, stage: string): APIGatewayProxyEvent {
  const method = (init.method ?? 'GET').toUpperCase();
  if (init.body !== undefined && init.body !== null && typeof init.body !== 'string') {
    throw new Error(`${method} ${url.pathname}: only text bodies can be sent by a direct invoke`);
  }
  const headers: Record<string, string> = { host: url.host };
  new Headers(init.headers).forEach((value, key) => (headers[key] = value));
  const query: Record<string, string[]> = {};
  url.searchParams.forEach((value, key) => (query[key] = [...(query[key] ?? []), value]));
  const hasQuery = Object.keys(query).length > 0;
  const proxy = url.pathname.replace(/^\/+/, '');
  return {
    resource: '/{proxy+}',
    path: url.pathname,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([key, value]) => [key, [value]])),
    queryStringParameters: hasQuery
      ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, v[v.length - 1]]))
      : null,
    multiValueQueryStringParameters: hasQuery ? query : null,
    pathParameters: proxy ? { proxy } : null,
    stageVariables: null,
    body: init.body ?? null,
    isBase64Encoded: false,
    requestContext: {
      accountId: 'direct-invoke',
      apiId: 'direct-invoke',
      authorizer: undefined,
      domainName: url.host,
      protocol: 'HTTP/1.1',
      httpMethod: method,
      path: `/${stage}${url.pathname}`,
      stage,
      requestId: crypto.randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'direct-invoke',
      resourcePath: '/{proxy+}',
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: DIRECT_INVOKE_CLIENT_ADDRESS,
        user: null,
        userAgent: headers['user-agent'] ?? 'b2-pre-traffic-hook',
        userArn: null,
        vpcId: undefined,
        vpceId: undefined,
      },
    },
  };
}

/** The response API Gateway would make of the function's proxy result. */
export function proxyResponse(result: APIGatewayProxyResult): Response {
  const headers = new Headers();
  for (const [key, values] of Object.entries(result.multiValueHeaders ?? {})) {
    for (const value of values) headers.append(key, String(value));
  }
  for (const [key, value] of Object.entries(result.headers ?? {})) {
    if (!headers.has(key)) headers.set(key, String(value));
  }
  const body = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
  return new Response(NULL_BODY_STATUSES.has(result.statusCode) ? null : body, {
    status: result.statusCode,
    headers,
  });
}

/**
 * A `fetch` whose every request invokes `functionArn`. A failed invocation (the function threw,
 * timed out or could not start) answers 502 with the function's error, as API Gateway answers a
 * client then; a request that cannot be made (no permission, no such version) throws, as an
 * unreachable host does.
 */
export function directInvokeFetch(props: DirectInvokeProps): Fetch {
  return async (url, init) => {
    const target = new URL(url);
    const event = proxyEvent(target, init, props.stage);
    const answer = await props.lambda.send(
      new InvokeCommand({ FunctionName: props.functionArn, Payload: JSON.stringify(event) }),
      { abortSignal: init.signal ?? undefined },
    );
    const payload = answer.Payload ? new TextDecoder().decode(answer.Payload) : '';
    if (answer.FunctionError) {
      return new Response(payload || JSON.stringify({ errorType: answer.FunctionError }), {
        status: 502,
        headers: { 'content-type': 'application/json' },
      });
    }
    let result: APIGatewayProxyResult;
    try {
      result = JSON.parse(payload) as APIGatewayProxyResult;
    } catch {
      result = { statusCode: 0, body: '' };
    }
    if (!Number.isInteger(result?.statusCode) || result.statusCode < 100) {
      // API Gateway answers a malformed proxy result with 502 too.
      return new Response(`the function answered no proxy result: ${payload.slice(0, 200)}`, { status: 502 });
    }
    return proxyResponse(result);
  };
}
