import { beforeAll, describe, expect, it } from 'vitest';
import { environmentApi, Memory, Session } from './support/api';

const api = environmentApi();

/** RFC 9562 version 7, lower-case: the contract's memory id. */
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

async function listAll(session: Session, query: string): Promise<{ pages: Memory[][]; cursors: string[] }> {
  const pages: Memory[][] = [];
  const cursors: string[] = [];
  let cursor: string | undefined;
  do {
    const answer = await api.call('GET', `/memories?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, {
      token: session.accessToken,
    });
    expect(answer.status).toBe(200);
    pages.push(answer.body.items);
    cursor = answer.body.nextCursor;
    if (cursor) cursors.push(cursor);
  } while (cursor && pages.length < 20);
  return { pages, cursors };
}

describe('a memory over HTTP', () => {
  let session: Session;

  beforeAll(async () => {
    session = await api.register();
  });

  it('is created with 201, a UUIDv7 id and ISO timestamps, and reads back the same', async () => {
    const created = await api.call('POST', '/memories', {
      token: session.accessToken,
      json: { text: 'Buy oat milk', category: 'errands' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(UUID_V7),
      text: 'Buy oat milk',
      category: 'errands',
      createdAt: expect.stringMatching(ISO_TIMESTAMP),
      updatedAt: created.body.createdAt,
    });
    const read = await api.call('GET', `/memories/${created.body.id}`, { token: session.accessToken });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
  });

  it('changes its text and category with PATCH, moving updatedAt on', async () => {
    const memory = await api.create(session, 'Draft the talk', 'work');
    const answer = await api.call('PATCH', `/memories/${memory.id}`, {
      token: session.accessToken,
      json: { text: 'Rehearse the talk', category: 'talks' },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      id: memory.id,
      text: 'Rehearse the talk',
      category: 'talks',
      createdAt: memory.createdAt,
    });
    expect(Date.parse(answer.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(memory.updatedAt));
    const read = await api.call('GET', `/memories/${memory.id}`, { token: session.accessToken });
    expect(read.body).toEqual(answer.body);
  });

  it('is deleted with 204, after which reading, changing or deleting it again answers 404 not_found', async () => {
    const memory = await api.create(session, 'Temporary thought');
    const deleted = await api.call('DELETE', `/memories/${memory.id}`, { token: session.accessToken });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    for (const [method, json] of [['GET'], ['PATCH', { text: 'again' }], ['DELETE']] as const) {
      const answer = await api.call(method, `/memories/${memory.id}`, { token: session.accessToken, json });
      expect(answer.status, `${method} after delete`).toBe(404);
      expect(answer.body.error.code).toBe('not_found');
    }
  });

  it('answers a malformed id with 400 invalid_id and an unknown one with 404 not_found', async () => {
    const malformed = await api.call('GET', '/memories/not-an-id', { token: session.accessToken });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('invalid_id');
    const unknown = await api.call('GET', '/memories/0190b8f2-7c1a-7b2c-8d3e-123456789abc', {
      token: session.accessToken,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
  });

  it('refuses an empty text, an unknown field and an empty change with 400 invalid_input', async () => {
    const bad = [
      { text: '   ', category: 'notes' },
      { text: 'fine', category: 'notes', pinned: true },
    ];
    for (const json of bad) {
      const answer = await api.call('POST', '/memories', { token: session.accessToken, json });
      expect(answer.status, JSON.stringify(json)).toBe(400);
      expect(answer.body.error.code).toBe('invalid_input');
    }
    const memory = await api.create(session, 'Unchanged');
    const empty = await api.call('PATCH', `/memories/${memory.id}`, { token: session.accessToken, json: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe('invalid_input');
  });
});

describe('listing, searching and paging memories over HTTP', () => {
  let session: Session;
  const created: Memory[] = [];

  beforeAll(async () => {
    session = await api.register();
    // One at a time: ids are ordered by creation, and the list is newest first.
    for (const [text, category] of [
      ['Call the plumber about the Boiler', 'home'],
      ['Book flights to Lisbon', 'travel'],
      ['Replace the boiler filter', 'home'],
      ['Pack the hiking boots', 'travel'],
      ['Water the basil', 'home'],
    ]) {
      created.push(await api.create(session, text, category));
    }
  });

  it("lists the user's memories newest first", async () => {
    const answer = await api.call('GET', '/memories', { token: session.accessToken });
    expect(answer.status).toBe(200);
    expect(answer.body.items.map((m: Memory) => m.id)).toEqual([...created].reverse().map((m) => m.id));
    expect(answer.body.nextCursor).toBeUndefined();
  });

  it('filters by category', async () => {
    const answer = await api.call('GET', '/memories?category=travel', { token: session.accessToken });
    expect(answer.status).toBe(200);
    expect(answer.body.items.map((m: Memory) => m.text)).toEqual(['Pack the hiking boots', 'Book flights to Lisbon']);
  });

  it('searches the text case-insensitively', async () => {
    const answer = await api.call('GET', `/memories?q=${encodeURIComponent('BOILER')}`, { token: session.accessToken });
    expect(answer.status).toBe(200);
    expect(answer.body.items.map((m: Memory) => m.text)).toEqual([
      'Replace the boiler filter',
      'Call the plumber about the Boiler',
    ]);
    const none = await api.call('GET', '/memories?q=submarine', { token: session.accessToken });
    expect(none.body.items).toEqual([]);
  });

  it('pages through every memory once with limit and nextCursor, the last page without a cursor', async () => {
    const { pages } = await listAll(session, 'limit=2');
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat().map((m) => m.id)).toEqual([...created].reverse().map((m) => m.id));
  });

  it('pages a search and a category filter the same way', async () => {
    const { pages } = await listAll(session, 'category=home&limit=1');
    expect(pages.flat().map((m) => m.text)).toEqual([
      'Water the basil',
      'Replace the boiler filter',
      'Call the plumber about the Boiler',
    ]);
  });

  it('refuses a cursor used for another listing with 400 invalid_cursor, and a limit out of range with 400 invalid_input', async () => {
    const { cursors } = await listAll(session, 'limit=2');
    const moved = await api.call('GET', `/memories?category=home&cursor=${encodeURIComponent(cursors[0])}`, {
      token: session.accessToken,
    });
    expect(moved.status).toBe(400);
    expect(moved.body.error.code).toBe('invalid_cursor');
    for (const limit of ['0', '101', 'ten']) {
      const answer = await api.call('GET', `/memories?limit=${limit}`, { token: session.accessToken });
      expect(answer.status, `limit=${limit}`).toBe(400);
      expect(answer.body.error.code).toBe('invalid_input');
    }
  });
});

describe('categories over HTTP', () => {
  it('counts the memories of each category, follows moves and deletions, and forgets an emptied one', async () => {
    const session = await api.register();
    const categories = async () => (await api.call('GET', '/categories', { token: session.accessToken })).body.items;
    expect(await categories()).toEqual([]);
    const first = await api.create(session, 'Read Dune', 'books');
    await api.create(session, 'Read Emma', 'books');
    const film = await api.create(session, 'See Alien', 'films');
    expect(await categories()).toEqual([
      { name: 'books', count: 2 },
      { name: 'films', count: 1 },
    ]);
    await api.call('PATCH', `/memories/${first.id}`, { token: session.accessToken, json: { category: 'films' } });
    await api.call('DELETE', `/memories/${film.id}`, { token: session.accessToken });
    expect(await categories()).toEqual([
      { name: 'books', count: 1 },
      { name: 'films', count: 1 },
    ]);
    await api.call('DELETE', `/memories/${first.id}`, { token: session.accessToken });
    expect(await categories()).toEqual([{ name: 'books', count: 1 }]);
  });
});

describe("one user's memories over HTTP", () => {
  let owner: Session;
  let other: Session;
  let secret: Memory;

  beforeAll(async () => {
    [owner, other] = await Promise.all([api.register(), api.register()]);
    secret = await api.create(owner, 'The safe code is 1234', 'private');
  });

  it('are invisible to another user: reading, changing and deleting them answer 404 not_found', async () => {
    for (const [method, json] of [['GET'], ['PATCH', { text: 'mine now' }], ['DELETE']] as const) {
      const answer = await api.call(method, `/memories/${secret.id}`, { token: other.accessToken, json });
      expect(answer.status, method).toBe(404);
      expect(answer.body.error.code).toBe('not_found');
    }
    const stillThere = await api.call('GET', `/memories/${secret.id}`, { token: owner.accessToken });
    expect(stillThere.body).toEqual(secret);
  });

  it("never appear in another user's list, search or categories", async () => {
    const list = await api.call('GET', '/memories', { token: other.accessToken });
    const search = await api.call('GET', '/memories?q=safe', { token: other.accessToken });
    const categories = await api.call('GET', '/categories', { token: other.accessToken });
    expect(list.body.items).toEqual([]);
    expect(search.body.items).toEqual([]);
    expect(categories.body.items).toEqual([]);
  });
});
