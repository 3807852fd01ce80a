import { z } from '@hono/zod-openapi';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The machine-readable error codes of the API, one per thing a client can act on. */
export const ERROR_CODES = [
  'invalid_json',
  'invalid_input',
  'invalid_id',
  'invalid_cursor',
  'unsupported_media_type',
  'payload_too_large',
  'missing_token',
  'invalid_token',
  'token_expired',
  'invalid_credentials',
  'invalid_refresh_token',
  'refresh_token_reused',
  'email_taken',
  'not_found',
  'conflict',
  'rate_limited',
  'internal_error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The one error shape of the API, as its contract states it. */
export const errorBodySchema = z
  .strictObject({
    error: z.strictObject({
      code: z.enum(ERROR_CODES),
      message: z.string().openapi({ description: 'what went wrong, in words a person can act on' }),
    }),
  })
  .openapi('Error');

export type ErrorBody = z.output<typeof errorBodySchema>;

/**
 * An expected failure with its status, code and a message safe to show a client (it never
 * echoes a secret or a stack). Anything else thrown becomes a 500 `internal_error`.
 */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers, e.g. `Retry-After` or `WWW-Authenticate`. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  body(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

export const notFound = (what = 'resource'): ApiError => new ApiError(404, 'not_found', `${what} not found`);
