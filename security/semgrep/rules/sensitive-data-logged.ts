import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { Hono } from 'hono';

const logger = new Logger({ serviceName: 'b2' });

interface SignedIn {
  readonly userId: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

declare function signIn(email: string, password: string): Promise<SignedIn>;

export const app = new Hono();

app.post('/auth/login', async (c) => {
  const body = await c.req.json<{ email: string; password: string }>();
  // ruleid: b2-sensitive-data-logged
  logger.debug('login attempt', { email: body.email, password: body.password });
  // ruleid: b2-sensitive-data-logged
  logger.info('login request', { request: c.req.raw });
  const session = await signIn(body.email, body.password);
  // ruleid: b2-sensitive-data-logged
  logger.info('signed in', { userId: session.userId, token: session.accessToken });
  const { refreshToken } = session;
  // ruleid: b2-sensitive-data-logged
  console.log(`issued refresh token ${refreshToken}`);
  // ruleid: b2-sensitive-data-logged
  logger.appendKeys({ authorization: c.req.header('Authorization') });
  // ok: b2-sensitive-data-logged
  logger.info('signed in', { userId: session.userId });
  // ok: b2-sensitive-data-logged
  logger.info('token issued', { userId: session.userId, tokenType: 'Bearer', expiresIn: 900 });
  return c.json(session);
});

app.use(async (c, next) => {
  // ruleid: b2-sensitive-data-logged
  logger.debug('request', { headers: c.req.header() });
  // ruleid: b2-sensitive-data-logged
  logger.debug('credentials', { auth: c.req.header('authorization') });
  // ok: b2-sensitive-data-logged
  logger.debug('request', { method: c.req.method, path: c.req.path, agent: c.req.header('user-agent') });
  await next();
});

export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  // ruleid: b2-sensitive-data-logged
  logger.info('event', { body: event.body });
  // ruleid: b2-sensitive-data-logged
  console.error('unauthorized', event.headers);
  // ok: b2-sensitive-data-logged
  logger.info('event', { path: event.path, requestId: event.requestContext.requestId });
  return { statusCode: 204, body: '' };
}

export function rotationStep(event: { Step: string; ClientRequestToken: string }): void {
  // ok: b2-sensitive-data-logged
  logger.info('rotation step', { step: event.Step, version: event.ClientRequestToken });
  // ok: b2-sensitive-data-logged
  logger.info('page', { nextToken: event.Step });
}

export class SessionStore {
  constructor(private readonly log: Logger) {}

  revoke(familyId: string, secret: string): void {
    // ruleid: b2-sensitive-data-logged
    this.log.warn('revoking', { familyId, secret });
    // ok: b2-sensitive-data-logged
    this.log.warn('revoked', { familyId });
  }
}
