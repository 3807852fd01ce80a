import { Hono, MiddlewareHandler } from 'hono';
import { Cursors } from './cursors';
import { listQuerySchema, memoryChangeSchema, newMemorySchema } from './memory';
import { MemoryRepository } from './repository';
import { ApiError, notFound } from '../errors';
import type { AppEnv } from '../http/app-env';
import { jsonBody, validQuery } from '../http/json-body';
import { isMemoryId } from '../ids';

export interface MemoryRoutesProps {
  readonly memories: MemoryRepository;
  readonly cursors: Cursors;
}

/** A malformed id is the client's mistake (400), not an unknown memory (404); checked before the body. */
const validMemoryId: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!isMemoryId(c.req.param('id') ?? '')) throw new ApiError(400, 'invalid_id', 'a memory id is a lower-case UUIDv7');
  await next();
};

/** `/memories`: the signed-in user's memories (the routes expect `authenticate` in front of them). */
export function memoryRoutes({ memories, cursors }: MemoryRoutesProps): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .get('/', validQuery(listQuerySchema), async (c) => {
      const { userId } = c.get('principal');
      const query = c.req.valid('query');
      const scope = { userId, category: query.category, search: query.q };
      const after = query.cursor ? await cursors.decode(query.cursor, scope) : undefined;
      const page = await memories.list(userId, {
        category: query.category,
        search: query.q,
        limit: query.limit,
        after,
      });
      const nextCursor = page.next ? await cursors.encode(page.next, scope) : undefined;
      return c.json({ items: page.items, ...(nextCursor ? { nextCursor } : {}) });
    })
    .post('/', jsonBody(newMemorySchema), async (c) => {
      const memory = await memories.create(c.get('principal').userId, c.req.valid('json'));
      return c.json(memory, 201);
    })
    .get('/:id', validMemoryId, async (c) => {
      const memory = await memories.get(c.get('principal').userId, c.req.param('id'));
      if (!memory) throw notFound('memory');
      return c.json(memory);
    })
    .patch('/:id', validMemoryId, jsonBody(memoryChangeSchema), async (c) => {
      const memory = await memories.update(c.get('principal').userId, c.req.param('id'), c.req.valid('json'));
      if (!memory) throw notFound('memory');
      return c.json(memory);
    })
    .delete('/:id', validMemoryId, async (c) => {
      if (!(await memories.delete(c.get('principal').userId, c.req.param('id')))) throw notFound('memory');
      return c.body(null, 204);
    });
}

/** `/categories`: the signed-in user's categories with how many memories each holds. */
export function categoryRoutes({ memories }: Pick<MemoryRoutesProps, 'memories'>): Hono<AppEnv> {
  return new Hono<AppEnv>().get('/', async (c) =>
    c.json({ items: await memories.categories(c.get('principal').userId) }),
  );
}
