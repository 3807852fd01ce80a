import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, SessionExpiredError, SessionTokens, SignedIn } from '../../../service/web/src/api';

/** sessionStorage as the browser has it, for a test in Node. */
class MemoryStorage implements Storage {
  private readonly items = new Map<string, string>();
  get length(): number {
    return this.items.size;
  }
  clear(): void {
    this.items.clear();
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  key(index: number): string | null {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

interface Sent {
  readonly method: string;
  readonly path: string;
  readonly authorization?: string;
  readonly body?: unknown;
}

type Answer = { readonly status: number; readonly body?: unknown; readonly headers?: Record<string, string> };

/** The API side of the contract, answered from a script: each call takes the next answer for its route. */
class ScriptedApi {
  readonly sent: Sent[] = [];
  private readonly answers = new Map<string, Answer[]>();

  answer(route: string, ...answers: Answer[]): this {
    this.answers.set(route, [...(this.answers.get(route) ?? []), ...answers]);
    return this;
  }

  readonly fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input));
    const headers = new Headers(init.headers);
    const method = init.method ?? 'GET';
    this.sent.push({
      method,
      path: url.pathname + url.search,
      authorization: headers.get('Authorization') ?? undefined,
      body: init.body ? JSON.parse(String(init.body)) : undefined,
    });
    // Lets requests started together reach the API before any of them is answered.
    await new Promise((resolve) => setTimeout(resolve, 1));
    const answer = this.answers.get(`${method} ${url.pathname}`)?.shift();
    if (!answer) throw new Error(`no answer scripted for ${method} ${url.pathname}`);
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
      status: answer.status,
      headers: { 'Content-Type': 'application/json', ...answer.headers },
    });
  };
}

const signedIn = (n: number): SignedIn => ({
  user: { id: 'u1', email: 'ada@example.test' },
  accessToken: `access-${n}`,
  refreshToken: `refresh-${n}`,
  tokenType: 'Bearer',
  expiresIn: 900,
});

const refused = (status: number, code: string, message: string): Answer => ({
  status,
  body: { error: { code, message } },
});
const empty: Answer = { status: 200, body: { items: [] } };

function client(api: ScriptedApi, storage: Storage = new MemoryStorage()) {
  const onSessionExpired = vi.fn();
  const tokens = new SessionTokens(storage);
  return {
    client: new ApiClient({ apiUrl: 'https://api.example.test/', tokens, onSessionExpired, fetch: api.fetch }),
    tokens,
    storage,
    onSessionExpired,
  };
}

describe('the web front end’s API client', () => {
  it('keeps the access token in memory only, and the refresh token and user in session storage', async () => {
    const api = new ScriptedApi().answer('POST /auth/login', { status: 200, body: signedIn(1) });
    const { client: b2, tokens, storage } = client(api);

    const user = await b2.login('ada@example.test', 'a long passphrase');

    expect(user).toEqual({ id: 'u1', email: 'ada@example.test' });
    expect(tokens.access).toBe('access-1');
    const stored = Array.from({ length: storage.length }, (_, i) => storage.getItem(storage.key(i) as string));
    expect(stored).toContain('refresh-1');
    expect(stored.join(' ')).not.toContain('access-1');
  });

  it('sends the access token as a bearer token to the API at its configured URL', async () => {
    const api = new ScriptedApi()
      .answer('POST /auth/login', { status: 200, body: signedIn(1) })
      .answer('GET /memories', empty);
    const { client: b2 } = client(api);
    await b2.login('ada@example.test', 'a long passphrase');

    await b2.listMemories({ category: 'work', q: 'report' });

    expect(api.sent[1]).toMatchObject({ path: '/memories?category=work&q=report', authorization: 'Bearer access-1' });
  });

  it('renews an expired access token once with the refresh token and retries the request', async () => {
    const api = new ScriptedApi()
      .answer('POST /auth/login', { status: 200, body: signedIn(1) })
      .answer('GET /memories', refused(401, 'token_expired', 'the access token has expired'), empty)
      .answer('POST /auth/refresh', { status: 200, body: signedIn(2) });
    const { client: b2, tokens, onSessionExpired } = client(api);
    await b2.login('ada@example.test', 'a long passphrase');

    await expect(b2.listMemories()).resolves.toEqual({ items: [] });

    expect(api.sent.map(({ method, path }) => `${method} ${path}`)).toEqual([
      'POST /auth/login',
      'GET /memories',
      'POST /auth/refresh',
      'GET /memories',
    ]);
    expect(api.sent[2].body).toEqual({ refreshToken: 'refresh-1' });
    expect(api.sent[3].authorization).toBe('Bearer access-2');
    expect(tokens.refresh).toBe('refresh-2');
    expect(onSessionExpired).not.toHaveBeenCalled();
  });

  it('renews once for requests rejected together, because a refresh token taken twice ends the session', async () => {
    const api = new ScriptedApi()
      .answer('POST /auth/login', { status: 200, body: signedIn(1) })
      .answer('GET /memories', refused(401, 'token_expired', 'expired'), empty)
      .answer('GET /categories', refused(401, 'token_expired', 'expired'), { status: 200, body: { items: [] } })
      .answer('POST /auth/refresh', { status: 200, body: signedIn(2) });
    const { client: b2 } = client(api);
    await b2.login('ada@example.test', 'a long passphrase');

    await Promise.all([b2.listMemories(), b2.categories()]);

    expect(api.sent.filter(({ path }) => path === '/auth/refresh')).toHaveLength(1);
  });

  it('ends the session and tells the app once when the refresh token is refused', async () => {
    const api = new ScriptedApi()
      .answer('POST /auth/login', { status: 200, body: signedIn(1) })
      .answer('POST /memories', refused(401, 'token_expired', 'expired'))
      .answer('POST /auth/refresh', refused(401, 'refresh_token_reused', 'this session has ended'));
    const { client: b2, tokens, onSessionExpired } = client(api);
    await b2.login('ada@example.test', 'a long passphrase');

    await expect(b2.addMemory('text', 'work')).rejects.toBeInstanceOf(SessionExpiredError);

    expect(onSessionExpired).toHaveBeenCalledTimes(1);
    expect(tokens.access).toBeUndefined();
    expect(tokens.refresh).toBeUndefined();
    expect(new SessionExpiredError().message).toBe('Your session has expired, please sign in again');
  });

  it('does not renew when the rejection is one a new token cannot cure', async () => {
    const api = new ScriptedApi()
      .answer('POST /auth/login', { status: 200, body: signedIn(1) })
      .answer('DELETE /memories/0190a1b2-0000-7000-8000-000000000000', refused(404, 'not_found', 'memory not found'));
    const { client: b2 } = client(api);
    await b2.login('ada@example.test', 'a long passphrase');

    const failure = b2.deleteMemory('0190a1b2-0000-7000-8000-000000000000');

    await expect(failure).rejects.toMatchObject({ status: 404, code: 'not_found', message: 'memory not found' });
    expect(api.sent.some(({ path }) => path === '/auth/refresh')).toBe(false);
  });

  it('passes the service’s own message on, so the user reads why a request was refused', async () => {
    const api = new ScriptedApi().answer(
      'POST /auth/login',
      refused(401, 'invalid_credentials', 'the email or the password is wrong'),
    );
    const { client: b2, onSessionExpired } = client(api);

    const failure = await b2.login('ada@example.test', 'wrong').catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({
      status: 401,
      code: 'invalid_credentials',
      message: 'the email or the password is wrong',
    });
    expect(onSessionExpired).not.toHaveBeenCalled();
  });

  it('adds when to try again to a rate-limit message', async () => {
    const api = new ScriptedApi().answer('POST /auth/login', {
      ...refused(429, 'rate_limited', 'too many sign-in attempts'),
      headers: { 'Retry-After': '42' },
    });
    const { client: b2 } = client(api);

    await expect(b2.login('ada@example.test', 'pw')).rejects.toThrow('too many sign-in attempts (try again in 42 s)');
  });

  it('says the service could not be reached when the network fails, and says what else answered otherwise', async () => {
    const offline = client(new ScriptedApi()).client;
    await expect(offline.login('ada@example.test', 'pw')).rejects.toMatchObject({ code: 'network_error' });

    const proxy = new ScriptedApi().answer('POST /auth/login', { status: 502, body: '<html>bad gateway</html>' });
    await expect(client(proxy).client.login('ada@example.test', 'pw')).rejects.toMatchObject({
      status: 502,
      code: 'unexpected_response',
    });
  });

  it('resumes a tab’s session after a reload by renewing the stored refresh token', async () => {
    const storage = new MemoryStorage();
    const first = new ScriptedApi().answer('POST /auth/login', { status: 200, body: signedIn(1) });
    await client(first, storage).client.login('ada@example.test', 'a long passphrase');

    const reloaded = new ScriptedApi().answer('POST /auth/refresh', { status: 200, body: signedIn(2) });
    const { client: b2, tokens } = client(reloaded, storage);

    await expect(b2.resume()).resolves.toEqual({ id: 'u1', email: 'ada@example.test' });
    expect(tokens.access).toBe('access-2');
    expect(await client(new ScriptedApi(), new MemoryStorage()).client.resume()).toBeUndefined();
  });

  it('forgets the session on sign-out even when the service cannot be told', async () => {
    const api = new ScriptedApi().answer('POST /auth/login', { status: 200, body: signedIn(1) });
    const { client: b2, tokens } = client(api);
    await b2.login('ada@example.test', 'a long passphrase');

    await b2.logout();

    expect(api.sent.at(-1)).toMatchObject({
      method: 'POST',
      path: '/auth/logout',
      body: { refreshToken: 'refresh-1' },
    });
    expect(tokens.access).toBeUndefined();
    expect(tokens.refresh).toBeUndefined();
  });
});
