import { beforeAll, describe, expect, it } from 'vitest';
import { isMemoryId } from '../../../service/src/ids';
import { useDynamoDbLocal } from '../../harness/dynamodb-local';
import { ApiCaller, Session, testApp } from '../../harness/service-app';

const dynamodb = useDynamoDbLocal();

describe('the B2 API memories and categories', () => {
  let api: ApiCaller;

  beforeAll(async () => {
    api = new ApiCaller(testApp({ db: dynamodb.db, table: await dynamodb.newTable() }));
  });

  /** A new user with these memories, created in order (so the last one is the newest). */
  async function userWith(memories: { text: string; category: string }[]) {
    const session = await api.register();
    const created = [];
    for (const memory of memories) {
      const answer = await api.call('POST', '/memories', { json: memory, token: session.accessToken });
      if (answer.status !== 201) throw new Error(`create answered ${answer.status}: ${answer.text}`);
      created.push(answer.body);
    }
    return { session, created };
  }

  const get = (session: Session, path: string) => api.call('GET', path, { token: session.accessToken });

  describe('create, read, update and delete', () => {
    it('creates a memory and answers 201 with it', async () => {
      const { session } = await userWith([]);
      const answer = await api.call('POST', '/memories', {
        json: { text: '  Call the dentist  ', category: 'health' },
        token: session.accessToken,
      });
      expect(answer.status).toBe(201);
      expect(answer.body).toEqual({
        id: expect.any(String),
        text: 'Call the dentist',
        category: 'health',
        createdAt: expect.any(String),
        updatedAt: answer.body.createdAt,
      });
      expect(isMemoryId(answer.body.id)).toBe(true);
      expect(new Date(answer.body.createdAt).toISOString()).toBe(answer.body.createdAt);
    });

    it('reads a memory back by its id', async () => {
      const { session, created } = await userWith([{ text: 'Pick up parcel', category: 'errands' }]);
      const answer = await get(session, `/memories/${created[0].id}`);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual(created[0]);
    });

    it('changes the text of a memory and keeps its category', async () => {
      const { session, created } = await userWith([{ text: 'Draft', category: 'writing' }]);
      const answer = await api.call('PATCH', `/memories/${created[0].id}`, {
        json: { text: 'Final' },
        token: session.accessToken,
      });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ id: created[0].id, text: 'Final', category: 'writing' });
      expect(answer.body.createdAt).toBe(created[0].createdAt);
      expect((await get(session, `/memories/${created[0].id}`)).body.text).toBe('Final');
    });

    it('deletes a memory with 204, after which it is not found', async () => {
      const { session, created } = await userWith([{ text: 'Temporary', category: 'misc' }]);
      const answer = await api.call('DELETE', `/memories/${created[0].id}`, { token: session.accessToken });
      expect(answer.status).toBe(204);
      expect((await get(session, `/memories/${created[0].id}`)).status).toBe(404);
      const again = await api.call('DELETE', `/memories/${created[0].id}`, { token: session.accessToken });
      expect(again.status).toBe(404);
    });

    it('answers 404 to an id that was never used', async () => {
      const { session } = await userWith([]);
      const answer = await get(session, '/memories/0190b8f2-7c1a-7b2c-8d3e-123456789abc');
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('not_found');
    });
  });

  describe('per-user isolation', () => {
    let owner: Session;
    let stranger: Session;
    let id: string;

    beforeAll(async () => {
      const made = await userWith([{ text: 'My secret', category: 'private' }]);
      owner = made.session;
      id = made.created[0].id;
      stranger = (await userWith([])).session;
    });

    it("answers 404 to another user's GET of the memory", async () => {
      const answer = await get(stranger, `/memories/${id}`);
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('not_found');
    });

    it("answers 404 to another user's PATCH and leaves the memory unchanged", async () => {
      const answer = await api.call('PATCH', `/memories/${id}`, {
        json: { text: 'hijacked' },
        token: stranger.accessToken,
      });
      expect(answer.status).toBe(404);
      expect((await get(owner, `/memories/${id}`)).body.text).toBe('My secret');
    });

    it("answers 404 to another user's DELETE and leaves the memory in place", async () => {
      const answer = await api.call('DELETE', `/memories/${id}`, { token: stranger.accessToken });
      expect(answer.status).toBe(404);
      expect((await get(owner, `/memories/${id}`)).status).toBe(200);
    });

    it("never lists, searches or counts another user's memories", async () => {
      expect((await get(stranger, '/memories')).body.items).toEqual([]);
      expect((await get(stranger, '/memories?q=secret')).body.items).toEqual([]);
      expect((await get(stranger, '/memories?category=private')).body.items).toEqual([]);
      expect((await get(stranger, '/categories')).body.items).toEqual([]);
    });
  });

  describe('listing', () => {
    let session: Session;
    let created: { id: string; text: string; category: string }[];

    beforeAll(async () => {
      ({ session, created } = await userWith([
        { text: 'Oat milk and bread', category: 'errands' },
        { text: 'Chapter one outline', category: 'writing' },
        { text: 'Return the library book', category: 'errands' },
        { text: 'Chapter two: the MILK run', category: 'writing' },
        { text: 'Renew passport', category: 'errands' },
      ]));
    });

    it('lists every memory newest first', async () => {
      const answer = await get(session, '/memories');
      expect(answer.status).toBe(200);
      expect(answer.body.items.map((m: { id: string }) => m.id)).toEqual(created.map((m) => m.id).reverse());
      expect(answer.body.nextCursor).toBeUndefined();
    });

    it('lists only the memories of one category, newest first', async () => {
      const answer = await get(session, '/memories?category=errands');
      expect(answer.body.items.map((m: { text: string }) => m.text)).toEqual([
        'Renew passport',
        'Return the library book',
        'Oat milk and bread',
      ]);
    });

    it('finds memories containing a text, ignoring case', async () => {
      const answer = await get(session, '/memories?q=milk');
      expect(answer.body.items.map((m: { text: string }) => m.text)).toEqual([
        'Chapter two: the MILK run',
        'Oat milk and bread',
      ]);
    });

    it('combines a search with a category', async () => {
      const answer = await get(session, '/memories?q=milk&category=writing');
      expect(answer.body.items.map((m: { text: string }) => m.text)).toEqual(['Chapter two: the MILK run']);
    });

    it('pages through all memories with the cursor, each exactly once, in order', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const answer = await get(session, `/memories?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(answer.status).toBe(200);
        expect(answer.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...answer.body.items.map((m: { id: string }) => m.id));
        cursor = answer.body.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual(created.map((m) => m.id).reverse());
    });

    it('pages through a category and through a search', async () => {
      const first = await get(session, '/memories?category=errands&limit=2');
      expect(first.body.items).toHaveLength(2);
      const second = await get(
        session,
        `/memories?category=errands&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
      );
      expect(second.body.items.map((m: { text: string }) => m.text)).toEqual(['Oat milk and bread']);
      expect(second.body.nextCursor).toBeUndefined();

      const search = await get(session, '/memories?q=chapter&limit=1');
      const next = await get(
        session,
        `/memories?q=chapter&limit=1&cursor=${encodeURIComponent(search.body.nextCursor)}`,
      );
      expect([...search.body.items, ...next.body.items].map((m: { text: string }) => m.text)).toEqual([
        'Chapter two: the MILK run',
        'Chapter one outline',
      ]);
    });

    it('answers a full last page without a cursor to an empty page', async () => {
      const answer = await get(session, '/memories?limit=5');
      expect(answer.body.items).toHaveLength(5);
      expect(answer.body.nextCursor).toBeUndefined();
    });

    it('refuses a cursor used for another listing or by another user', async () => {
      const first = await get(session, '/memories?limit=2');
      const cursor = encodeURIComponent(first.body.nextCursor);
      const otherListing = await get(session, `/memories?limit=2&category=errands&cursor=${cursor}`);
      expect(otherListing.status).toBe(400);
      expect(otherListing.body.error.code).toBe('invalid_cursor');
      const stranger = await api.register();
      const otherUser = await get(stranger, `/memories?limit=2&cursor=${cursor}`);
      expect(otherUser.status).toBe(400);
      expect(otherUser.body.error.code).toBe('invalid_cursor');
    });
  });

  describe('category counts', () => {
    const counts = async (session: Session) => (await get(session, '/categories')).body.items;

    it('counts the memories of each category, by name', async () => {
      const { session } = await userWith([
        { text: 'a', category: 'work' },
        { text: 'b', category: 'home' },
        { text: 'c', category: 'work' },
      ]);
      expect(await counts(session)).toEqual([
        { name: 'home', count: 1 },
        { name: 'work', count: 2 },
      ]);
    });

    it('moves a count when a memory changes category, and drops a category left empty', async () => {
      const { session, created } = await userWith([
        { text: 'a', category: 'work' },
        { text: 'b', category: 'home' },
      ]);
      const moved = await api.call('PATCH', `/memories/${created[1].id}`, {
        json: { category: 'work' },
        token: session.accessToken,
      });
      expect(moved.status).toBe(200);
      expect(moved.body.category).toBe('work');
      expect(await counts(session)).toEqual([{ name: 'work', count: 2 }]);
      expect((await get(session, '/memories?category=home')).body.items).toEqual([]);
      expect((await get(session, '/memories?category=work')).body.items).toHaveLength(2);
    });

    it('lowers a count when a memory is deleted', async () => {
      const { session, created } = await userWith([
        { text: 'a', category: 'work' },
        { text: 'b', category: 'work' },
      ]);
      await api.call('DELETE', `/memories/${created[0].id}`, { token: session.accessToken });
      expect(await counts(session)).toEqual([{ name: 'work', count: 1 }]);
      await api.call('DELETE', `/memories/${created[1].id}`, { token: session.accessToken });
      expect(await counts(session)).toEqual([]);
    });

    it('keeps the counts right when many memories are added and removed at once', async () => {
      const { session } = await userWith([]);
      const made = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          api.call('POST', '/memories', { json: { text: `m${i}`, category: 'busy' }, token: session.accessToken }),
        ),
      );
      await Promise.all(
        made
          .slice(0, 5)
          .map((answer) => api.call('DELETE', `/memories/${answer.body.id}`, { token: session.accessToken })),
      );
      expect(await counts(session)).toEqual([{ name: 'busy', count: 7 }]);
    });
  });
});
