import { z } from 'zod';

/** A memory as the API returns it. */
export interface Memory {
  readonly id: string;
  readonly text: string;
  readonly category: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface CategoryCount {
  readonly name: string;
  readonly count: number;
}

/** A note, not a document: long enough for a paragraph, short enough to list fifty at once. */
export const MAX_TEXT_LENGTH = 2_000;
export const MAX_CATEGORY_LENGTH = 40;
export const MAX_SEARCH_LENGTH = 100;
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
/** A cursor is three short base64url parts; anything much longer was not issued by the API. */
const MAX_CURSOR_LENGTH = 256;

/** Control characters break displays and logs: a name has none, a text only line breaks and tabs. */
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;
const TEXT_CHARACTERS = /^(?:[^\p{Cc}]|[\n\r\t])*$/u;

const text = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_TEXT_LENGTH, `must be at most ${MAX_TEXT_LENGTH} characters`)
  .regex(TEXT_CHARACTERS, 'must not contain control characters other than line breaks and tabs');

export const category = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_CATEGORY_LENGTH, `must be at most ${MAX_CATEGORY_LENGTH} characters`)
  .regex(NO_CONTROL_CHARACTERS, 'must not contain control characters');

export const newMemorySchema = z.strictObject({ text, category });

export const memoryChangeSchema = z
  .strictObject({ text: text.optional(), category: category.optional() })
  .refine((change) => change.text !== undefined || change.category !== undefined, {
    message: 'give text, category or both',
  });

export type NewMemory = z.output<typeof newMemorySchema>;
export type MemoryChange = z.output<typeof memoryChangeSchema>;

export const listQuerySchema = z.strictObject({
  category: category.optional(),
  q: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(MAX_SEARCH_LENGTH, `must be at most ${MAX_SEARCH_LENGTH} characters`)
    .optional(),
  limit: z.coerce
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`)
    .default(DEFAULT_PAGE_SIZE),
  cursor: z.string().min(1).max(MAX_CURSOR_LENGTH, 'is not a cursor this API issued').optional(),
});

export type ListQuery = z.output<typeof listQuerySchema>;
