import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ApiError } from '../errors';
import { countEvent, logger } from '../observability';

function send(c: Context, error: ApiError): Response {
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  return c.json(error.body(), error.status);
}

/**
 * The API's one error handler. An ApiError is an answer the API chose (4xx with its code); a
 * framework HTTPException keeps its status under the same JSON shape; anything else is a fault
 * of the service: logged with its stack, counted, and answered 500 `internal_error` with the
 * request id (to find the log line), never with the error's message or stack.
 */
export const handleError: ErrorHandler = (err, c) => {
  if (err instanceof ApiError) return send(c, err);
  if (err instanceof HTTPException && err.status < 500) {
    return send(c, new ApiError(err.status, 'invalid_input', 'the request could not be read'));
  }
  const requestId = (c.get('requestId') as string | undefined) ?? 'unknown';
  logger.error('unhandled error', { error: err as Error, requestId, method: c.req.method, path: c.req.path });
  countEvent('ServerError');
  return send(c, new ApiError(500, 'internal_error', `something went wrong on our side (request ${requestId})`));
};

export const handleNotFound: NotFoundHandler = (c) =>
  send(c, new ApiError(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`));
