import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { OpenAPIHono } from '@hono/zod-openapi';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { AccessTokens } from './auth/access-tokens';
import { RefreshTokens } from './auth/refresh-tokens';
import { authRoutes } from './auth/routes';
import type { SigningKeyRing } from './auth/signing-keys';
import { Users } from './auth/users';
import type { ServiceConfig } from './config';
import { apiDocument, CONTRACT_PATH } from './contract/document';
import { ROUTES } from './contract/routes';
import type { AppEnv, ClientAddress } from './http/app-env';
import { authenticate } from './http/authenticate';
import { handleError, handleNotFound } from './http/error-handler';
import { RateLimiter } from './http/rate-limiter';
import { API_SECURITY_HEADERS } from './http/security-headers';
import { rejectInvalidInput } from './http/validation';
import { Cursors } from './memories/cursors';
import { MemoryRepository } from './memories/repository';
import { categoryRoutes, memoryRoutes } from './memories/routes';

export interface AppProps {
  readonly config: ServiceConfig;
  readonly db: DynamoDBDocumentClient;
  readonly keyRing: SigningKeyRing;
  /**
   * Where a request came from, for the per-address registration limit.
   * @default none: every request counts as one unknown address
   */
  readonly clientAddress?: ClientAddress;
}

/** The paths the API answers; the plain-Node server gives every other path to the web front end. */
export const API_PATH_PREFIXES = ['/health', '/auth', '/memories', '/categories', CONTRACT_PATH] as const;

export function isApiPath(path: string): boolean {
  return API_PATH_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/** Preflight answers may be cached this long (API Gateway answers them on AWS with the same value). */
const CORS_MAX_AGE_SECONDS = 3600;

/**
 * The B2 API: the same app runs on Lambda (`lambda.ts`), on plain Node (`server.ts`) and
 * in-process in the tests. Everything it needs comes in through `props`.
 */
export function createApp(props: AppProps): OpenAPIHono<AppEnv> {
  const { config, db, keyRing } = props;
  const table = config.tableName;
  const accessTokens = new AccessTokens(keyRing, {
    issuer: config.tokenIssuer,
    audience: config.tokenAudience,
    ttlSeconds: config.accessTokenTtlSeconds,
  });
  const rateLimiter = new RateLimiter(db, table);
  const memories = new MemoryRepository(db, table);
  const signedIn = authenticate({ accessTokens, rateLimiter, requestsPerUser: config.rateLimits.requestsPerUser });

  const app = new OpenAPIHono<AppEnv>({ defaultHook: rejectInvalidInput });
  app.onError(handleError);
  app.notFound(handleNotFound);
  app.use(requestId());
  app.use(
    cors({
      // The environment's allowlist; an empty list allows no other origin. Never '*'.
      origin: [...config.corsOrigins],
      allowMethods: ['GET', 'POST', 'PATCH', 'DELETE'],
      allowHeaders: ['Content-Type', 'Authorization'],
      exposeHeaders: ['Retry-After', 'X-Request-Id'],
      maxAge: CORS_MAX_AGE_SECONDS,
    }),
  );
  app.use(async (c, next) => {
    await next();
    // Answers carry tokens and people's memories: no cache on the way may keep them.
    c.header('Cache-Control', 'no-store');
    for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) c.header(name, value);
  });

  app.openapi(ROUTES.health, (c) =>
    c.json({ status: 'ok' as const, version: config.version, environment: config.environment }, 200),
  );
  // The contract of this release, made once: it depends only on the code and the version.
  const contract = apiDocument(config.version);
  app.get(CONTRACT_PATH, (c) => c.json(contract));
  app.route(
    '/auth',
    authRoutes({
      users: new Users(db, table),
      accessTokens,
      refreshTokens: new RefreshTokens(db, table),
      rateLimiter,
      rateLimits: config.rateLimits,
      clientAddress: props.clientAddress ?? (() => undefined),
    }),
  );
  app.use('/memories/*', signedIn);
  app.use('/categories/*', signedIn);
  app.route('/memories', memoryRoutes({ memories, cursors: new Cursors(keyRing) }));
  app.route('/categories', categoryRoutes({ memories }));
  return app;
}
