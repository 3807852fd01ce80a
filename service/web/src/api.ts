/**
 * The B2 API as the front end uses it: typed calls, the API's error shape turned into an
 * `ApiError` whose message can be shown as it is, and the session's access token renewed once
 * (with the rotating refresh token) when the API rejects it.
 */

import type { Session, User } from '../../src/auth/schemas';
import type { CategoryCount as Category, Memory, MemoryPage } from '../../src/memories/memory';

/** The API's own shapes, from its contract's schemas, so the front end follows the service when they change. */
export type { Category, Memory, MemoryPage, User };

/** What signing in or up answers. */
export type SignedIn = Session;

export interface MemoryQuery {
  readonly category?: string;
  readonly q?: string;
  readonly cursor?: string;
}

/** A failure the user can read: the API's own code and message, or one that says what went wrong on the way. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const SESSION_EXPIRED = 'Your session has expired, please sign in again';

/** Thrown when the session cannot be renewed: the user has to sign in again. */
export class SessionExpiredError extends Error {
  constructor() {
    super(SESSION_EXPIRED);
    this.name = 'SessionExpiredError';
  }
}

/**
 * Where the tokens live. The access token stays in memory only (a script injected into the page
 * later cannot find it in storage); the refresh token survives a reload in sessionStorage, which
 * the browser drops with the tab.
 */
export class SessionTokens {
  static readonly REFRESH_TOKEN_KEY = 'b2.refreshToken';
  static readonly USER_KEY = 'b2.user';

  private accessToken?: string;

  constructor(private readonly storage: Storage) {}

  get access(): string | undefined {
    return this.accessToken;
  }

  get refresh(): string | undefined {
    return this.storage.getItem(SessionTokens.REFRESH_TOKEN_KEY) ?? undefined;
  }

  get user(): User | undefined {
    const stored = this.storage.getItem(SessionTokens.USER_KEY);
    if (!stored) return undefined;
    try {
      const user = JSON.parse(stored) as Partial<User>;
      return typeof user.id === 'string' && typeof user.email === 'string'
        ? { id: user.id, email: user.email }
        : undefined;
    } catch {
      return undefined;
    }
  }

  keep(signedIn: SignedIn): void {
    this.accessToken = signedIn.accessToken;
    this.storage.setItem(SessionTokens.REFRESH_TOKEN_KEY, signedIn.refreshToken);
    this.storage.setItem(SessionTokens.USER_KEY, JSON.stringify(signedIn.user));
  }

  clear(): void {
    this.accessToken = undefined;
    this.storage.removeItem(SessionTokens.REFRESH_TOKEN_KEY);
    this.storage.removeItem(SessionTokens.USER_KEY);
  }
}

/**
 * The access-token rejections a fresh token cures: it ran out (`token_expired`), or it is no
 * longer accepted (`invalid_token`, e.g. its signing key has been rotated out).
 */
const RENEWABLE = new Set(['token_expired', 'invalid_token']);

export interface ApiClientProps {
  /** The API's base URL; '' is the page's own origin. */
  readonly apiUrl: string;
  readonly tokens: SessionTokens;
  /** Called once when the session cannot be renewed, after the tokens are cleared. */
  readonly onSessionExpired: () => void;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

export class ApiClient {
  private readonly base: string;
  private readonly fetch: typeof fetch;
  /**
   * The renewal in flight. Requests that are rejected together share it: the refresh token
   * rotates, so a second refresh with the same token would be taken for reuse and end the session.
   */
  private renewal?: Promise<void>;

  constructor(private readonly props: ApiClientProps) {
    this.base = props.apiUrl.replace(/\/+$/, '');
    this.fetch = props.fetch ?? globalThis.fetch.bind(globalThis);
  }

  get tokens(): SessionTokens {
    return this.props.tokens;
  }

  async register(email: string, password: string): Promise<User> {
    return this.signIn('/auth/register', email, password);
  }

  async login(email: string, password: string): Promise<User> {
    return this.signIn('/auth/login', email, password);
  }

  /** Revokes the session on the server (best effort) and forgets it here in any case. */
  async logout(): Promise<void> {
    const refreshToken = this.tokens.refresh;
    this.tokens.clear();
    if (!refreshToken) return;
    try {
      await this.send('POST', '/auth/logout', { body: { refreshToken } });
    } catch {
      // Signing out here must not depend on the network: the tokens are gone from the page.
    }
  }

  /**
   * Makes sure the page holds an access token, renewing the stored session after a reload.
   * @returns the signed-in user, or undefined when there is no session to resume
   */
  async resume(): Promise<User | undefined> {
    if (!this.tokens.refresh) return undefined;
    if (!this.tokens.access) await this.renew();
    return this.tokens.user;
  }

  async listMemories(query: MemoryQuery = {}): Promise<MemoryPage> {
    const params = new URLSearchParams();
    if (query.category) params.set('category', query.category);
    if (query.q) params.set('q', query.q);
    if (query.cursor) params.set('cursor', query.cursor);
    const search = params.toString();
    return this.authorized<MemoryPage>('GET', `/memories${search ? `?${search}` : ''}`);
  }

  async addMemory(text: string, category: string): Promise<Memory> {
    return this.authorized<Memory>('POST', '/memories', { text, category });
  }

  async deleteMemory(id: string): Promise<void> {
    await this.authorized<undefined>('DELETE', `/memories/${encodeURIComponent(id)}`);
  }

  async categories(): Promise<readonly Category[]> {
    const { items } = await this.authorized<{ items: Category[] }>('GET', '/categories');
    return items;
  }

  private async signIn(path: string, email: string, password: string): Promise<User> {
    const signedIn = await this.send<SignedIn>('POST', path, { body: { email, password } });
    this.tokens.keep(signedIn);
    return signedIn.user;
  }

  private async authorized<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (!this.tokens.access) await this.renew();
    try {
      return await this.send<T>(method, path, { body, accessToken: this.tokens.access });
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401 && RENEWABLE.has(error.code))) throw error;
    }
    await this.renew();
    try {
      return await this.send<T>(method, path, { body, accessToken: this.tokens.access });
    } catch (error) {
      // One renewal per request: a token the API rejects again right after renewal is not going to work.
      if (error instanceof ApiError && error.status === 401) throw this.expire();
      throw error;
    }
  }

  private renew(): Promise<void> {
    this.renewal ??= this.refresh().finally(() => {
      this.renewal = undefined;
    });
    return this.renewal;
  }

  private async refresh(): Promise<void> {
    const refreshToken = this.tokens.refresh;
    if (!refreshToken) throw this.expire();
    try {
      this.tokens.keep(await this.send<SignedIn>('POST', '/auth/refresh', { body: { refreshToken } }));
    } catch (error) {
      // The API refused the refresh token (expired, revoked or reused): the session is over.
      if (error instanceof ApiError && error.status === 401) throw this.expire();
      throw error;
    }
  }

  private expire(): SessionExpiredError {
    this.tokens.clear();
    this.props.onSessionExpired();
    return new SessionExpiredError();
  }

  private async send<T>(
    method: string,
    path: string,
    options: { readonly body?: unknown; readonly accessToken?: string } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (options.accessToken) headers.Authorization = `Bearer ${options.accessToken}`;
    let response: Response;
    try {
      response = await this.fetch(`${this.base}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    } catch {
      throw new ApiError(
        0,
        'network_error',
        'The B2 service could not be reached. Check your connection and try again.',
      );
    }
    if (response.status === 204) return undefined as T;
    const payload = await readJson(response);
    if (response.ok) return payload as T;
    throw errorFrom(response, payload);
  }
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

function errorFrom(response: Response, payload: unknown): ApiError {
  const error = (payload as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (typeof error?.code === 'string' && typeof error.message === 'string') {
    const retryAfter = response.headers.get('Retry-After');
    const message =
      error.code === 'rate_limited' && retryAfter ? `${error.message} (try again in ${retryAfter} s)` : error.message;
    return new ApiError(response.status, error.code, message);
  }
  return new ApiError(
    response.status,
    'unexpected_response',
    `The B2 service answered ${response.status} ${response.statusText}`.trim() + '. Please try again.',
  );
}
