import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env';
import type { RateLimiter } from './rate-limiter';
import type { AccessTokens } from '../auth/access-tokens';
import { ApiError } from '../errors';

export interface AuthenticateProps {
  readonly accessTokens: AccessTokens;
  readonly rateLimiter: RateLimiter;
  /** Requests per minute one user may make on the signed-in routes. */
  readonly requestsPerUser: number;
}

/** RFC 6750: the bearer token, with the scheme matched case-insensitively. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Every signed-in route: a valid access token (401 `missing_token`, `invalid_token` or
 * `token_expired` otherwise), then the per-user rate limit (429). The principal it sets is the
 * only source of the user id the routes read and write under.
 */
export function authenticate(props: AuthenticateProps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) {
      throw new ApiError(401, 'missing_token', 'sign in: this route needs Authorization: Bearer <access token>', {
        'WWW-Authenticate': 'Bearer',
      });
    }
    const token = BEARER.exec(header.trim())?.[1];
    if (!token) {
      throw new ApiError(401, 'invalid_token', 'the Authorization header must be Bearer <access token>', {
        'WWW-Authenticate': 'Bearer error="invalid_request"',
      });
    }
    const principal = await props.accessTokens.verify(token);
    await props.rateLimiter.hit('user', principal.userId, props.requestsPerUser);
    c.set('principal', principal);
    await next();
  };
}
