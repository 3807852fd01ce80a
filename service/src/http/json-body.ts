import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from './app-env';
import { ApiError } from '../errors';

/** The largest request body the API reads: far above any valid request, far below a memory problem. */
export const MAX_BODY_BYTES = 16 * 1024;

const tooLarge = (): ApiError =>
  new ApiError(413, 'payload_too_large', `the request body is larger than ${MAX_BODY_BYTES / 1024} KiB`);

/**
 * Refuses a declared Content-Length over the limit before reading, and counts the bytes of a
 * body sent without one as they arrive, so a huge upload is never read into memory.
 */
const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw tooLarge();
  },
});

/**
 * JSON is UTF-8 (RFC 8259 §8.1). A lenient decoder would turn each invalid byte into U+FFFD and
 * store it: the client's text would be changed without a word, so invalid UTF-8 is refused.
 */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function isJson(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  return mediaType === 'application/json';
}

async function readJson(c: Context): Promise<unknown> {
  if (!isJson(c.req.header('content-type'))) {
    throw new ApiError(
      415,
      'unsupported_media_type',
      'the request body must be JSON sent as Content-Type: application/json',
    );
  }
  await limitBody(c, async () => undefined);
  const bytes = await c.req.arrayBuffer();
  // A Content-Length that understated the body (possible when an adapter builds the request) is caught here.
  if (bytes.byteLength > MAX_BODY_BYTES) throw tooLarge();
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new ApiError(400, 'invalid_json', 'the request body is not valid UTF-8, as JSON must be');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, 'invalid_json', 'the request body is not valid JSON');
  }
}

/**
 * Reads the request body as JSON before the route's schema sees it, in this order: 415 for any
 * other content type, 413 over MAX_BODY_BYTES, 400 `invalid_json` when it is not UTF-8 or does
 * not parse. The body stays cached on the request, so the route's validator reads it from there
 * (a field missing, unknown or oversized is its 400 `invalid_input`, see `validation.ts`).
 */
export const readJsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  await readJson(c);
  await next();
};

/** A query parameter given twice is refused before the route's schema sees the query. */
export const singleValuedQuery: MiddlewareHandler<AppEnv> = async (c, next) => {
  const repeated = Object.entries(c.req.queries()).find(([, values]) => values.length > 1);
  if (repeated) throw new ApiError(400, 'invalid_input', `query: ${repeated[0]} is given more than once`);
  await next();
};
