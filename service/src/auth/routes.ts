import { createHash } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import { AccessTokens, Principal } from './access-tokens';
import { decoyHash, hashPassword, verifyPassword } from './passwords';
import { familyOf, RefreshTokens } from './refresh-tokens';
import { Users } from './users';
import type { RateLimits } from '../config';
import { ROUTES } from '../contract/routes';
import { ApiError } from '../errors';
import type { AppEnv, ClientAddress } from '../http/app-env';
import { RateLimiter } from '../http/rate-limiter';
import { rejectInvalidInput } from '../http/validation';
import { countEvent, logger } from '../observability';

export interface AuthRoutesProps {
  readonly users: Users;
  readonly accessTokens: AccessTokens;
  readonly refreshTokens: RefreshTokens;
  readonly rateLimiter: RateLimiter;
  readonly rateLimits: RateLimits;
  readonly clientAddress: ClientAddress;
}

/** Where the runtime cannot tell the client (in-process tests), all requests share one window. */
const UNKNOWN_ADDRESS = 'unknown';

/** Rate-limit windows are table items: an email is not kept in their keys, only its hash. */
const pseudonym = (value: string): string => createHash('sha256').update(value).digest('base64url');

const invalidRefreshToken = (reason: string): ApiError =>
  new ApiError(401, 'invalid_refresh_token', `${reason}: sign in again`);

/** `/auth`: register, login, refresh and logout. Public routes, each with its own rate limit. */
export function authRoutes(props: AuthRoutesProps): OpenAPIHono<AppEnv> {
  const { users, accessTokens, refreshTokens, rateLimiter, rateLimits } = props;

  async function session(principal: Principal, refreshToken: string) {
    return {
      user: { id: principal.userId, email: principal.email },
      accessToken: await accessTokens.issue(principal),
      refreshToken,
      tokenType: 'Bearer' as const,
      expiresIn: accessTokens.ttlSeconds,
    };
  }

  return new OpenAPIHono<AppEnv>({ defaultHook: rejectInvalidInput })
    .openapi(ROUTES.register, async (c) => {
      await rateLimiter.hit('register', props.clientAddress(c) ?? UNKNOWN_ADDRESS, rateLimits.registerPerAddress);
      const input = c.req.valid('json');
      const created = await users.register(input.email, await hashPassword(input.password));
      if (!created) throw new ApiError(409, 'email_taken', 'an account with this email exists: sign in instead');
      const principal: Principal = { userId: created.userId, email: created.email };
      countEvent('UserRegistered');
      logger.info('user registered', { userId: principal.userId });
      return c.json(await session(principal, await refreshTokens.start(principal)), 201);
    })
    .openapi(ROUTES.login, async (c) => {
      const input = c.req.valid('json');
      await rateLimiter.hit('login-address', props.clientAddress(c) ?? UNKNOWN_ADDRESS, rateLimits.loginPerAddress);
      await rateLimiter.hit('login', pseudonym(input.email), rateLimits.loginPerEmail);
      const known = await users.findByEmail(input.email);
      // An unknown email costs a hash check too, so the answer's timing does not tell which emails exist.
      const valid = await verifyPassword(input.password, known?.passwordHash ?? (await decoyHash()));
      if (!known || !valid) {
        countEvent('LoginFailed');
        throw new ApiError(401, 'invalid_credentials', 'the email or the password is wrong');
      }
      const principal: Principal = { userId: known.userId, email: known.email };
      countEvent('LoginSucceeded');
      return c.json(await session(principal, await refreshTokens.start(principal)), 200);
    })
    .openapi(ROUTES.refresh, async (c) => {
      const { refreshToken } = c.req.valid('json');
      const familyId = familyOf(refreshToken);
      if (!familyId) throw invalidRefreshToken('the refresh token is malformed');
      await rateLimiter.hit('refresh', familyId, rateLimits.refreshPerFamily);
      const outcome = await refreshTokens.rotate(refreshToken);
      switch (outcome.kind) {
        case 'invalid':
          throw invalidRefreshToken(outcome.reason);
        case 'reused':
          countEvent('RefreshTokenReuseDetected');
          logger.warn('refresh token reused: family revoked', { userId: outcome.principal.userId, familyId });
          throw new ApiError(
            401,
            'refresh_token_reused',
            'this refresh token was already used, so this sign-in has been ended everywhere: sign in again',
          );
        case 'rotated':
          countEvent('TokenRefreshed');
          return c.json(await session(outcome.principal, outcome.token), 200);
      }
    })
    .openapi(ROUTES.logout, async (c) => {
      const { refreshToken } = c.req.valid('json');
      const familyId = familyOf(refreshToken);
      if (familyId) await rateLimiter.hit('refresh', familyId, rateLimits.refreshPerFamily);
      await refreshTokens.revoke(refreshToken);
      return c.body(null, 204);
    });
}
