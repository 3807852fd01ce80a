import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env';
import { ApiError } from '../errors';
import { isMemoryId } from '../ids';

/**
 * A malformed id is the client's mistake (400 `invalid_id`), not an unknown memory (404):
 * checked first, before the body is read.
 */
export const validMemoryId: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!isMemoryId(c.req.param('id') ?? '')) throw new ApiError(400, 'invalid_id', 'a memory id is a lower-case UUIDv7');
  await next();
};
