import type { z } from 'zod';
import { ApiError } from '../errors';

/** Long enough for a handful of issues; a hostile body with hundreds of keys gets a bounded answer. */
const MAX_ISSUES_REPORTED = 5;

/** Zod's issues as one message a person can act on: where each one is, and what is wrong. */
function describe(error: z.ZodError, where: string): string {
  const issues = error.issues.slice(0, MAX_ISSUES_REPORTED).map((issue) => {
    const at = issue.path.length > 0 ? issue.path.join('.') : where;
    return `${at}: ${issue.message}`;
  });
  const more = error.issues.length - issues.length;
  return more > 0 ? `${issues.join('; ')}; and ${more} more` : issues.join('; ');
}

/** What a route's validator checked, as the answer names it. */
const WHERE: Record<string, string> = { json: 'body', query: 'query', param: 'path' };

/**
 * The hook of every route's validators (`OpenAPIHono`'s `defaultHook`): a request whose body,
 * query or path parameters are off their schema is a 400 `invalid_input` naming each field,
 * never a 500.
 */
export const rejectInvalidInput = (result: { success: boolean; target: string; error?: unknown }): void => {
  if (!result.success) {
    throw new ApiError(
      400,
      'invalid_input',
      describe(result.error as z.ZodError, WHERE[result.target] ?? result.target),
    );
  }
};
