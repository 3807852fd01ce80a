import { beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_BODY_BYTES } from '../../../service/src/http/json-body';
import { MAX_CATEGORY_LENGTH, MAX_TEXT_LENGTH } from '../../../service/src/memories/memory';
import { logger } from '../../../service/src/observability';
import { useDynamoDbLocal } from '../../harness/dynamodb-local';
import { ApiCaller, Session, testApp, TEST_PASSWORD, uniqueEmail } from '../../harness/service-app';

const dynamodb = useDynamoDbLocal();

/** Every error answer has exactly this shape, and never a stack trace. */
function expectError(answer: { status: number; body: unknown; text: string }, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(answer.body).toEqual({ error: { code, message: expect.any(String) } });
  expect(answer.text).not.toMatch(/\bat .+\(.*:\d+:\d+\)|node_modules|\.ts:\d+/);
}

describe('the B2 API facing bad input', () => {
  let api: ApiCaller;
  let session: Session;
  const memory = { text: 'Buy oat milk', category: 'errands' };

  beforeAll(async () => {
    const table = await dynamodb.newTable();
    api = new ApiCaller(testApp({ db: dynamodb.db, table }));
    session = await api.register();
  });

  describe('request bodies', () => {
    it('answers 400 invalid_json to a body that is not JSON', async () => {
      const answer = await api.call('POST', '/auth/login', {
        raw: '{"email": "a@example.com", "password": ',
        headers: { 'content-type': 'application/json' },
      });
      expectError(answer, 400, 'invalid_json');
    });

    it('answers 400 invalid_json to a JSON body that is not valid UTF-8, and stores nothing', async () => {
      // "text": "caf\xE9" — Latin-1's é, which is not UTF-8.
      const latin1 = Buffer.from('{"text":"caf\xe9","category":"errands"}', 'latin1');
      const answer = await api.call('POST', '/memories', {
        raw: new Uint8Array(latin1),
        token: session.accessToken,
        headers: { 'content-type': 'application/json' },
      });
      expectError(answer, 400, 'invalid_json');
      expect(answer.body.error.message).toContain('UTF-8');
      const listed = await api.call('GET', '/memories', { token: session.accessToken });
      expect(JSON.stringify(listed.body)).not.toContain('\ufffd');
    });

    it('answers 400 invalid_json to an empty JSON body', async () => {
      const answer = await api.call('POST', '/memories', {
        raw: '',
        token: session.accessToken,
        headers: { 'content-type': 'application/json' },
      });
      expectError(answer, 400, 'invalid_json');
    });

    it('answers 415 to a body sent as another content type', async () => {
      const answer = await api.call('POST', '/memories', {
        raw: JSON.stringify(memory),
        token: session.accessToken,
        headers: { 'content-type': 'text/plain' },
      });
      expectError(answer, 415, 'unsupported_media_type');
    });

    it('answers 415 to a body sent without a content type', async () => {
      const answer = await api.call('POST', '/auth/register', { raw: JSON.stringify({ email: uniqueEmail() }) });
      expectError(answer, 415, 'unsupported_media_type');
    });

    it('accepts application/json with a charset parameter', async () => {
      const answer = await api.call('POST', '/memories', {
        raw: JSON.stringify(memory),
        token: session.accessToken,
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });
      expect(answer.status).toBe(201);
    });

    it('answers 413 to a body over the limit that declares its length', async () => {
      const raw = JSON.stringify({ text: 'x'.repeat(MAX_BODY_BYTES), category: 'big' });
      const answer = await api.call('POST', '/memories', {
        raw,
        token: session.accessToken,
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(raw)) },
      });
      expectError(answer, 413, 'payload_too_large');
    });

    it('answers 413 to a body over the limit that is streamed without a length', async () => {
      const answer = await api.call('POST', '/auth/register', {
        json: { email: uniqueEmail(), password: 'p'.repeat(MAX_BODY_BYTES + 1) },
      });
      expectError(answer, 413, 'payload_too_large');
    });

    it('answers 400 naming the field when a required field is missing', async () => {
      const answer = await api.call('POST', '/memories', { json: { text: 'no category' }, token: session.accessToken });
      expectError(answer, 400, 'invalid_input');
      expect(answer.body.error.message).toContain('category');
    });

    it('answers 400 naming the field when an unknown field is sent', async () => {
      const answer = await api.call('POST', '/memories', {
        json: { ...memory, pinned: true },
        token: session.accessToken,
      });
      expectError(answer, 400, 'invalid_input');
      expect(answer.body.error.message).toContain('pinned');
    });

    it('answers 400 to an unknown field on registration, so no field is silently ignored', async () => {
      const answer = await api.call('POST', '/auth/register', {
        json: { email: uniqueEmail(), password: TEST_PASSWORD, admin: true },
      });
      expectError(answer, 400, 'invalid_input');
    });

    it('answers 400 to a memory text over its maximum length', async () => {
      const answer = await api.call('POST', '/memories', {
        json: { text: 'x'.repeat(MAX_TEXT_LENGTH + 1), category: 'long' },
        token: session.accessToken,
      });
      expectError(answer, 400, 'invalid_input');
      expect(answer.body.error.message).toContain('text');
    });

    it('answers 400 to a category name over its maximum length', async () => {
      const answer = await api.call('POST', '/memories', {
        json: { text: 'fine', category: 'c'.repeat(MAX_CATEGORY_LENGTH + 1) },
        token: session.accessToken,
      });
      expectError(answer, 400, 'invalid_input');
      expect(answer.body.error.message).toContain('category');
    });

    it('answers 400 to a field of the wrong type', async () => {
      const answer = await api.call('POST', '/memories', {
        json: { text: 42, category: 'numbers' },
        token: session.accessToken,
      });
      expectError(answer, 400, 'invalid_input');
    });

    it('answers 400 to a JSON body that is not an object', async () => {
      const answer = await api.call('POST', '/memories', { json: ['text', 'category'], token: session.accessToken });
      expectError(answer, 400, 'invalid_input');
    });

    it('answers 400 to an address that is not an email', async () => {
      const answer = await api.call('POST', '/auth/register', {
        json: { email: 'not-an-email', password: TEST_PASSWORD },
      });
      expectError(answer, 400, 'invalid_input');
      expect(answer.body.error.message).toContain('email');
    });

    it('answers 400 to a password shorter than eight characters', async () => {
      const answer = await api.call('POST', '/auth/register', { json: { email: uniqueEmail(), password: 'short' } });
      expectError(answer, 400, 'invalid_input');
      expect(answer.body.error.message).toContain('password');
    });

    it.each([
      ['a common password', 'password', 'most common passwords'],
      ['a common password in capitals', 'PASSWORD1', 'most common passwords'],
      ['digits a breach list has', '12345678', 'most common passwords'],
      ['eight spaces', '        ', 'only spaces'],
      ['one character repeated', 'zzzzzzzzzz', 'one character repeated'],
    ])('answers 400 invalid_input saying why to %s', async (_, password, reason) => {
      const answer = await api.call('POST', '/auth/register', { json: { email: uniqueEmail(), password } });
      expectError(answer, 400, 'invalid_input');
      expect(answer.body.error.message).toContain('password');
      expect(answer.body.error.message).toContain(reason);
    });

    it('takes a long passphrase of any characters, with no composition rule', async () => {
      const answer = await api.call('POST', '/auth/register', {
        json: { email: uniqueEmail(), password: 'correct horse battery staple — ünïcödé ✓' },
      });
      expect(answer.status).toBe(201);
    });

    it('answers 400 to a change that changes nothing', async () => {
      const created = await api.call('POST', '/memories', { json: memory, token: session.accessToken });
      const answer = await api.call('PATCH', `/memories/${created.body.id}`, { json: {}, token: session.accessToken });
      expectError(answer, 400, 'invalid_input');
    });
  });

  describe('ids and query parameters', () => {
    const malformed = ['not-a-uuid', '0190b8f2-7c1a-4b2c-8d3e-123456789abc', '0190B8F2-7C1A-7B2C-8D3E-123456789ABC'];

    it.each(malformed)('answers 400 invalid_id to GET /memories/%s', async (id) => {
      expectError(await api.call('GET', `/memories/${id}`, { token: session.accessToken }), 400, 'invalid_id');
    });

    it('answers 400 invalid_id to PATCH with a malformed id, before reading the body', async () => {
      const answer = await api.call('PATCH', '/memories/12345', { raw: 'not json', token: session.accessToken });
      expectError(answer, 400, 'invalid_id');
    });

    it('answers 400 invalid_id to DELETE with a malformed id', async () => {
      expectError(await api.call('DELETE', '/memories/12345', { token: session.accessToken }), 400, 'invalid_id');
    });

    it('answers 400 to a page size out of range', async () => {
      expectError(await api.call('GET', '/memories?limit=0', { token: session.accessToken }), 400, 'invalid_input');
      expectError(await api.call('GET', '/memories?limit=101', { token: session.accessToken }), 400, 'invalid_input');
      expectError(await api.call('GET', '/memories?limit=ten', { token: session.accessToken }), 400, 'invalid_input');
    });

    it('answers 400 to an unknown query parameter', async () => {
      expectError(await api.call('GET', '/memories?sort=asc', { token: session.accessToken }), 400, 'invalid_input');
    });

    it('answers 400 to a query parameter given twice', async () => {
      const answer = await api.call('GET', '/memories?category=a&category=b', { token: session.accessToken });
      expectError(answer, 400, 'invalid_input');
    });

    it('answers 400 invalid_cursor to a cursor the API did not issue', async () => {
      const answer = await api.call('GET', '/memories?cursor=c1.bm90LWEtY3Vyc29y.AAAAAAAAAAAAAAAAAAAAAA', {
        token: session.accessToken,
      });
      expectError(answer, 400, 'invalid_cursor');
    });

    it('answers 404 not_found in the error shape to a route that does not exist', async () => {
      expectError(await api.call('GET', '/nothing-here'), 404, 'not_found');
    });
  });

  describe('faults of the service itself', () => {
    it('answers 500 internal_error without a stack or the cause, and logs the cause', async () => {
      const broken = new ApiCaller(testApp({ db: dynamodb.db, table: 'test-no-such-table-b2-data' }));
      const logged = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
      try {
        const answer = await broken.call('POST', '/auth/login', {
          json: { email: uniqueEmail(), password: TEST_PASSWORD },
        });
        expectError(answer, 500, 'internal_error');
        expect(answer.text).not.toMatch(/ResourceNotFound|no-such-table/);
        expect(answer.body.error.message).toContain(answer.headers.get('x-request-id'));
        expect(logged).toHaveBeenCalledWith(
          'unhandled error',
          expect.objectContaining({ requestId: answer.headers.get('x-request-id'), path: '/auth/login' }),
        );
      } finally {
        logged.mockRestore();
      }
    });
  });

  describe('cross-origin callers', () => {
    it("allows an origin on the environment's list and no other, and never answers '*'", async () => {
      const table = await dynamodb.newTable();
      const cors = new ApiCaller(testApp({ db: dynamodb.db, table, corsOrigins: ['https://app.example.com'] }));
      const allowed = await cors.call('GET', '/health', { headers: { origin: 'https://app.example.com' } });
      const other = await cors.call('GET', '/health', { headers: { origin: 'https://evil.example.net' } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      expect(allowed.headers.get('vary')).toContain('Origin');
    });

    it('allows no other origin at all when the list is empty', async () => {
      const answer = await api.call('GET', '/health', { headers: { origin: 'https://app.example.com' } });
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});
