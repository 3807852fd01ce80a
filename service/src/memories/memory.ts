import { z } from '@hono/zod-openapi';
import { MEMORY_ID } from '../ids';

/** A note, not a document: long enough for a paragraph, short enough to list fifty at once. */
export const MAX_TEXT_LENGTH = 2_000;
export const MAX_CATEGORY_LENGTH = 40;
export const MAX_SEARCH_LENGTH = 100;
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
/** A cursor is three short base64url parts; anything much longer was not issued by the API. */
const MAX_CURSOR_LENGTH = 256;

/**
 * Control characters break displays and logs: a name has none, a text only line breaks and tabs.
 * Unicode's control characters (`\p{Cc}`) are exactly C0, DEL and C1, written as ranges so that
 * the contract's pattern means the same to every JSON Schema reader (Python's `re` has no `\p`).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f-\u009f]*$/;
// eslint-disable-next-line no-control-regex -- as above, with tab, line feed and carriage return allowed
const TEXT_CHARACTERS = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$/;

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

export const newMemorySchema = z.strictObject({ text, category }).openapi('NewMemory');

export const memoryChangeSchema = z
  .strictObject({ text: text.optional(), category: category.optional() })
  .refine((change) => change.text !== undefined || change.category !== undefined, {
    message: 'give text, category or both',
  })
  .openapi('MemoryChange', { description: 'the fields to change: text, category or both', minProperties: 1 });

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

export const memoryIdSchema = z
  .string()
  .regex(MEMORY_ID)
  .openapi({ description: "a memory's id: a lower-case UUIDv7", example: '0192f3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b' });

export const memoryIdParams = z.strictObject({ id: memoryIdSchema.openapi({ param: { name: 'id', in: 'path' } }) });

/** A memory as the API returns it. */
export const memorySchema = z
  .strictObject({
    id: memoryIdSchema,
    text: z.string(),
    category: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('Memory');

export type Memory = z.output<typeof memorySchema>;

/** One page of the newest-first list; `nextCursor` asks for the page after it. */
export const memoryPageSchema = z
  .strictObject({ items: z.array(memorySchema), nextCursor: z.string().optional() })
  .openapi('MemoryPage');

export type MemoryPage = z.output<typeof memoryPageSchema>;

export const categoryCountSchema = z
  .strictObject({ name: z.string(), count: z.number().int().min(0) })
  .openapi('CategoryCount');

export type CategoryCount = z.output<typeof categoryCountSchema>;

export const categoryListSchema = z.strictObject({ items: z.array(categoryCountSchema) }).openapi('CategoryList');
