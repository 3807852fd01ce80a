import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { InvokeCommand, InvokeCommandInput, LambdaClient } from '@aws-sdk/client-lambda';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { Hono } from 'hono';
import { getConnInfo, handle, LambdaEvent } from 'hono/aws-lambda';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { walkEnvironment } from '../../../service/release-judgement/canary';
import {
  DIRECT_INVOKE_CLIENT_ADDRESS,
  DIRECT_INVOKE_ORIGIN,
  directInvokeFetch,
} from '../../../service/release-judgement/direct-invoke';
import { handler as preTrafficHook } from '../../../service/release-judgement/pre-traffic-hook';
import { JUDGEMENT_SETTING } from '../../../service/release-judgement/settings';
import type { AppEnv } from '../../../service/src/http/app-env';
import { useDynamoDbLocal } from '../../harness/dynamodb-local';
import { testApp } from '../../harness/service-app';
import { Fetch, walkSession } from '../../smoke/smoke';

/**
 * The canary and the pre-traffic hook walk the real service: the app on DynamoDB Local, behind
 * the same Lambda adapter as the release's `lambda` bundle. The AWS clients are the SDK's own
 * mocks; an invoke runs the app in-process with the event API Gateway would send.
 */

const dynamodb = useDynamoDbLocal();
const lambda = mockClient(LambdaClient);
const codedeploy = mockClient(CodeDeployClient);

/** What `testConfig` says the release is. */
const RELEASE = { version: 'test-commit', environment: 'test' };
const VERSION_ARN = 'arn:aws:lambda:eu-west-1:111111111111:function:dev-b2-api:42';
const HOOK_EVENT = { DeploymentId: 'd-EXAMPLE1', LifecycleEventHookExecutionId: 'hook-execution-1' };

/** A request the release under test answers 500, as the load test names it. */
type Breakage = (method: string, url: URL) => boolean;
const searchIsBroken: Breakage = (method, url) => method === 'GET' && url.searchParams.has('q');

/** The app as a Lambda function would run it, optionally with one endpoint broken. */
function lambdaOf(app: Hono<AppEnv>, broken?: Breakage) {
  const run = handle(app);
  return async (event: APIGatewayProxyEvent) => {
    const url = new URL(`https://${event.requestContext.domainName}${event.path}`);
    for (const [key, value] of Object.entries(event.queryStringParameters ?? {})) {
      url.searchParams.set(key, value ?? '');
    }
    if (broken?.(event.httpMethod, url)) return { statusCode: 500, body: '{"error":{"code":"internal"}}' };
    return run(event as unknown as LambdaEvent);
  };
}

/** The app over `fetch`, as the canary reaches the API, optionally with one endpoint broken. */
function fetchOf(app: Hono<AppEnv>, broken?: Breakage): Fetch {
  return async (url, init) =>
    broken?.(init.method ?? 'GET', new URL(url)) ? new Response('{}', { status: 500 }) : app.request(url, init);
}

describe('the release judgement walks', () => {
  let app: Hono<AppEnv>;
  const addresses: (string | undefined)[] = [];

  beforeAll(async () => {
    app = testApp({
      db: dynamodb.db,
      table: await dynamodb.newTable(),
      // API Gateway's source IP when invoked through the Lambda adapter, none over plain `fetch`.
      clientAddress: (c) => {
        const address = c.env?.event ? getConnInfo(c).remote.address : undefined;
        addresses.push(address);
        return address;
      },
    });
  });

  afterEach(() => {
    lambda.reset();
    codedeploy.reset();
    for (const setting of Object.values(JUDGEMENT_SETTING)) delete process.env[setting];
  });

  /** Every invoke runs `run` on its event; the hook's settings point at VERSION_ARN. */
  function deployVersion(run: (event: APIGatewayProxyEvent) => Promise<unknown>, expectedVersion = RELEASE.version) {
    lambda.on(InvokeCommand).callsFake(async (input: InvokeCommandInput) => {
      expect(input.FunctionName).toBe(VERSION_ARN);
      const result = await run(JSON.parse(String(input.Payload)) as APIGatewayProxyEvent);
      return { StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(result)) };
    });
    codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
    Object.assign(process.env, {
      [JUDGEMENT_SETTING.targetVersionArn]: VERSION_ARN,
      [JUDGEMENT_SETTING.apiStage]: 'dev',
      [JUDGEMENT_SETTING.expectedVersion]: expectedVersion,
      [JUDGEMENT_SETTING.expectedEnvironment]: RELEASE.environment,
    });
  }

  function reportedStatus(): string | undefined {
    const calls = codedeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand);
    expect(calls).toHaveLength(1);
    const { input } = calls[0].args[0];
    expect(input.deploymentId).toBe(HOOK_EVENT.DeploymentId);
    expect(input.lifecycleEventHookExecutionId).toBe(HOOK_EVENT.LifecycleEventHookExecutionId);
    return input.status;
  }

  it('the canary walks every endpoint of the session through the API and passes a healthy release', async () => {
    await expect(
      walkEnvironment(fetchOf(app), {
        [JUDGEMENT_SETTING.apiUrl]: 'https://b2.test/',
        [JUDGEMENT_SETTING.expectedEnvironment]: RELEASE.environment,
      }),
    ).resolves.toBeUndefined();
  });

  it('the canary fails its run, naming the step, when one endpoint of the session fails', async () => {
    await expect(
      walkEnvironment(fetchOf(app, searchIsBroken), {
        [JUDGEMENT_SETTING.apiUrl]: 'https://b2.test',
        [JUDGEMENT_SETTING.expectedEnvironment]: RELEASE.environment,
      }),
    ).rejects.toThrow(/the session failed at "search .*answered 500/);
  });

  it('the canary fails its run when it does not know which API to walk', async () => {
    await expect(walkEnvironment(fetchOf(app), {})).rejects.toThrow(JUDGEMENT_SETTING.apiUrl);
  });

  it('the pre-traffic hook walks the new version, invoked directly as API Gateway would, and reports Succeeded', async () => {
    const paths: string[] = [];
    const run = lambdaOf(app);
    deployVersion(async (event) => {
      paths.push(`${event.httpMethod} ${event.path}`);
      return run(event);
    });
    await expect(preTrafficHook(HOOK_EVENT)).resolves.toBe('Succeeded');
    expect(reportedStatus()).toBe('Succeeded');
    expect(paths).toEqual(
      expect.arrayContaining(['GET /health', 'POST /auth/login', 'GET /memories', 'POST /memories']),
    );
    // The service sees a client address, so its per-address limits hold for the hook too.
    expect(addresses).toContain(DIRECT_INVOKE_CLIENT_ADDRESS);
  });

  it('the pre-traffic hook reports Failed when the new version fails an endpoint of the session', async () => {
    deployVersion(lambdaOf(app, searchIsBroken));
    await expect(preTrafficHook(HOOK_EVENT)).resolves.toBe('Failed');
    expect(reportedStatus()).toBe('Failed');
  });

  it('the pre-traffic hook reports Failed when the version it reaches is not the release being deployed', async () => {
    deployVersion(lambdaOf(app), 'another-commit');
    await expect(preTrafficHook(HOOK_EVENT)).resolves.toBe('Failed');
    expect(reportedStatus()).toBe('Failed');
  });

  it('the pre-traffic hook reports Failed, not silence, when the version cannot be invoked at all', async () => {
    deployVersion(lambdaOf(app));
    lambda.on(InvokeCommand).rejects(new Error('User is not authorized to perform: lambda:InvokeFunction'));
    await expect(preTrafficHook(HOOK_EVENT)).resolves.toBe('Failed');
    expect(reportedStatus()).toBe('Failed');
  });

  it('the pre-traffic hook reports Failed when a setting is missing', async () => {
    deployVersion(lambdaOf(app));
    delete process.env[JUDGEMENT_SETTING.targetVersionArn];
    await expect(preTrafficHook(HOOK_EVENT)).resolves.toBe('Failed');
    expect(reportedStatus()).toBe('Failed');
  });

  it('a direct invoke that fails in the function answers 502 with the function error, as API Gateway does', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: new TextEncoder().encode(JSON.stringify({ errorType: 'TypeError', errorMessage: 'boom' })),
    } as never);
    const fetch = directInvokeFetch({ lambda: new LambdaClient({}), functionArn: VERSION_ARN, stage: 'dev' });
    const result = await walkSession(DIRECT_INVOKE_ORIGIN, fetch, RELEASE);
    expect(result.passed).toBe(false);
    expect(result.steps[0]).toMatchObject({ status: 'failed', message: expect.stringMatching(/answered 502.*boom/) });
  });
});
