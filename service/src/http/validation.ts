import { z } from 'zod';
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

/**
 * Checks `value` against a strict schema: a missing, unknown, oversized or mistyped field is a
 * 400 `invalid_input` naming the field, never a 500.
 * @param where what `value` is (`body`, `query`), for issues about the value as a whole.
 */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ApiError(400, 'invalid_input', describe(parsed.error, where));
  return parsed.data;
}
