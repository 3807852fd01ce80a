import { z } from '@hono/zod-openapi';
import { ErrorCode, errorBodySchema } from '../errors';

/** A JSON answer of the API, as the contract states it. */
export function jsonAnswer<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } } as const;
}

/** A JSON request body; required, since every route that reads one needs it. */
export function jsonRequest<T extends z.ZodType>(schema: T) {
  return { required: true, content: { 'application/json': { schema } } } as const;
}

/** Why each error status is answered, with the codes a client may see under it. */
const ERRORS = {
  400: { why: 'the request is malformed', codes: ['invalid_input'] },
  401: { why: 'the request is not signed in, or its credentials are wrong', codes: [] },
  404: { why: 'there is no such resource', codes: ['not_found'] },
  409: { why: 'the request conflicts with what exists', codes: [] },
  413: { why: 'the request body is too large', codes: ['payload_too_large'] },
  415: { why: 'the request body is not JSON', codes: ['unsupported_media_type'] },
  429: { why: 'too many requests: wait for the time `Retry-After` gives', codes: ['rate_limited'] },
} as const satisfies Record<number, { why: string; codes: readonly ErrorCode[] }>;

export type ErrorStatus = keyof typeof ERRORS;

/**
 * The error answers of a route, each with the API's one error shape. `extraCodes` names the
 * route's own codes under a status (e.g. `email_taken` under 409).
 */
export function errorAnswers(
  statuses: readonly ErrorStatus[],
  extraCodes: Partial<Record<ErrorStatus, readonly ErrorCode[]>> = {},
) {
  return Object.fromEntries(
    statuses.map((status) => {
      const codes = [...ERRORS[status].codes, ...(extraCodes[status] ?? [])];
      return [status, jsonAnswer(errorBodySchema, `${ERRORS[status].why} (${codes.join(', ')})`)];
    }),
  ) as Record<ErrorStatus, ReturnType<typeof jsonAnswer<typeof errorBodySchema>>>;
}

/** What every route that reads a JSON body may answer besides its own: unreadable, too large, not JSON. */
export const BODY_ERRORS: readonly ErrorStatus[] = [400, 413, 415];

/** The credentials errors of a signed-in route. */
export const SIGNED_IN_CODES: readonly ErrorCode[] = ['missing_token', 'invalid_token', 'token_expired'];
