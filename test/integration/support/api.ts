import { randomUUID } from 'node:crypto';
import type { Session } from '../../../service/src/auth/schemas';
import type { Health } from '../../../service/src/contract/routes';
import type { Memory } from '../../../service/src/memories/memory';

/**
 * The B2 API over HTTP, as any client sees it: the integration tests and the smoke gate call a
 * deployed environment through this, at the base URL in `B2_API_URL`; the unit tests call the
 * app in-process through the same client (`test/harness/service-app.ts`).
 */

export type { Health, Memory, Session };

export const API_URL_SETTING = 'B2_API_URL';

/** Long enough for a cold Lambda, short enough that a hung environment fails the run instead of stalling it. */
const REQUEST_TIMEOUT_MS = 10_000;

export const TEST_PASSWORD = 'correct horse battery staple';

/** `example.com` is reserved (RFC 2606): no test address can reach a real mailbox. */
export const uniqueEmail = (purpose = 'user'): string => `${purpose}-${randomUUID()}@example.com`;

/** The base URL from the environment, or one line saying what to set. */
export function apiUrlFromEnvironment(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env[API_URL_SETTING]?.trim();
  if (!raw) {
    throw new Error(`${API_URL_SETTING} is not set: point it at the environment's API (e.g. http://127.0.0.1:4101)`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${API_URL_SETTING}=${raw} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`${API_URL_SETTING}=${raw} is not http(s)`);
  }
  return raw.replace(/\/+$/, '');
}

/** Why a request got no answer, in words: refused, timed out, or the network's own cause. */
function unreachable(baseUrl: string, err: unknown): string {
  if ((err as Error).name === 'TimeoutError') {
    return `the API at ${baseUrl} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  }
  const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
  return `the API at ${baseUrl} is unreachable (${cause}): is the environment running?`;
}

/** `GET /health` must answer before any test runs: an unreachable environment is reported as such, never as a result. */
export async function reachApi(baseUrl: string): Promise<Health> {
  let res: Response;
  try {
    res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (err) {
    throw new Error(unreachable(baseUrl, err));
  }
  const body = (await res.json().catch(() => undefined)) as Partial<Health> | undefined;
  if (res.status !== 200 || body?.status !== 'ok') {
    throw new Error(
      `the API at ${baseUrl} is not healthy: GET /health answered ${res.status} ${JSON.stringify(body ?? {})}`,
    );
  }
  return body as Health;
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed JSON body; undefined for an empty or non-JSON body. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

export interface CallOptions {
  /** Sent as JSON with `Content-Type: application/json`. */
  readonly json?: unknown;
  /** Sent as it is (bytes too, e.g. invalid UTF-8), with whatever `headers` say. */
  readonly raw?: string | Uint8Array<ArrayBuffer>;
  readonly token?: string;
  readonly headers?: Record<string, string>;
}

/** How a request reaches the API: `fetch` over the network, or an app's in-process `request`. */
export type Transport = (url: string, init: RequestInit) => Promise<Response>;

export class B2Api {
  constructor(
    readonly baseUrl: string,
    private readonly transport: Transport = fetch,
  ) {}

  async call(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.json !== undefined) headers['content-type'] ??= 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let res: Response;
    try {
      res = await this.transport(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: options.json !== undefined ? JSON.stringify(options.json) : options.raw,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw new Error(`${method} ${path}: ${unreachable(this.baseUrl, err)}`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.status, headers: res.headers, text, body };
  }

  /** A new user with a session; throws (failing the test) unless the API answers 201. */
  async register(
    email: string = uniqueEmail(),
    password: string = TEST_PASSWORD,
    headers: Record<string, string> = {},
  ): Promise<Session> {
    const answer = await this.call('POST', '/auth/register', { json: { email, password }, headers });
    if (answer.status !== 201) throw new Error(`registering ${email} answered ${answer.status}: ${answer.text}`);
    return answer.body as Session;
  }

  /** A new memory of the session's user; throws unless the API answers 201. */
  async create(session: Session, text: string, category = 'notes'): Promise<Memory> {
    const answer = await this.call('POST', '/memories', { token: session.accessToken, json: { text, category } });
    if (answer.status !== 201) throw new Error(`creating a memory answered ${answer.status}: ${answer.text}`);
    return answer.body as Memory;
  }
}

/** The API the integration tests run against, from `B2_API_URL`. */
export function environmentApi(): B2Api {
  return new B2Api(apiUrlFromEnvironment());
}
