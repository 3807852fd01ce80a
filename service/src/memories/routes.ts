import { OpenAPIHono } from '@hono/zod-openapi';
import { Cursors } from './cursors';
import { MemoryRepository } from './repository';
import { ROUTES } from '../contract/routes';
import { notFound } from '../errors';
import type { AppEnv } from '../http/app-env';
import { rejectInvalidInput } from '../http/validation';

export interface MemoryRoutesProps {
  readonly memories: MemoryRepository;
  readonly cursors: Cursors;
}

/** `/memories`: the signed-in user's memories (the routes expect `authenticate` in front of them). */
export function memoryRoutes({ memories, cursors }: MemoryRoutesProps): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: rejectInvalidInput })
    .openapi(ROUTES.listMemories, async (c) => {
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
      return c.json({ items: page.items, ...(nextCursor ? { nextCursor } : {}) }, 200);
    })
    .openapi(ROUTES.createMemory, async (c) => {
      const memory = await memories.create(c.get('principal').userId, c.req.valid('json'));
      return c.json(memory, 201);
    })
    .openapi(ROUTES.getMemory, async (c) => {
      const memory = await memories.get(c.get('principal').userId, c.req.valid('param').id);
      if (!memory) throw notFound('memory');
      return c.json(memory, 200);
    })
    .openapi(ROUTES.changeMemory, async (c) => {
      const memory = await memories.update(c.get('principal').userId, c.req.valid('param').id, c.req.valid('json'));
      if (!memory) throw notFound('memory');
      return c.json(memory, 200);
    })
    .openapi(ROUTES.deleteMemory, async (c) => {
      if (!(await memories.delete(c.get('principal').userId, c.req.valid('param').id))) throw notFound('memory');
      return c.body(null, 204);
    });
}

/** `/categories`: the signed-in user's categories with how many memories each holds. */
export function categoryRoutes({ memories }: Pick<MemoryRoutesProps, 'memories'>): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: rejectInvalidInput }).openapi(ROUTES.listCategories, async (c) =>
    c.json({ items: await memories.categories(c.get('principal').userId) }, 200),
  );
}
