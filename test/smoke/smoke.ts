import { Endpoint, LOAD_PROFILE, LoadProfile } from '../../loadtest/profile';

/**
 * The smoke walk after a deploy: is the release that answers the one that was deployed, and does
 * every endpoint of a user's session work? Health (version and environment), a new user with a
 * first memory, then the load profile's session in its order (login, list, search, read, create,
 * read, list), each request checked for its status and the shape of its answer.
 *
 * The same walk runs in the smoke gate (`gate.ts`), and is meant to run bundled in a CloudWatch
 * Synthetics canary and a CodeDeploy pre-traffic hook: it takes the base URL and a `fetch`, and
 * imports nothing that only Node has (no fs, process or node: modules; `crypto.randomUUID`,
 * `performance` and `AbortSignal.timeout` are globals of every runtime it targets).
 */

/** How a request reaches the API: the runtime's `fetch`, or one that records or signs requests. */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

export interface SmokeExpectations {
  /** The release's version (`/health` reports the commit). @default any non-empty version */
  readonly version?: string;
  /** @default any environment name */
  readonly environment?: string;
  /** The whole walk must finish within this long. @default 10 s */
  readonly deadlineMs?: number;
  /** The session to walk. @default LOAD_PROFILE, the profile the load gates drive */
  readonly profile?: LoadProfile;
}

export const DEFAULT_DEADLINE_MS = 10_000;
/** Long enough for a cold Lambda, short enough that a hung environment fails the walk instead of stalling it. */
const REQUEST_TIMEOUT_MS = 10_000;
/** A fresh user has at most two memories: one page holds them all. */
const PAGE_SIZE = 20;

export interface SmokeStep {
  readonly name: string;
  /** The profile's endpoint the step exercises; none for health and the new user. */
  readonly endpoint?: Endpoint;
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly durationMs: number;
  /** Why it failed or was skipped. */
  readonly message?: string;
}

export interface SmokeResult {
  readonly target: string;
  readonly passed: boolean;
  readonly durationMs: number;
  readonly steps: readonly SmokeStep[];
}

/** A failed expectation of one step, in words a person acts on. */
class StepFailure extends Error {}

interface Memory {
  readonly id: string;
  readonly text: string;
  readonly category: string;
}

interface Answer {
  readonly status: number;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

/** What the walk knows as it goes: its user, its token, what it wrote and what it last saw. */
interface WalkState {
  readonly email: string;
  readonly password: string;
  /** In every memory the walk writes: the word its search looks for, found in no other user's data. */
  readonly marker: string;
  token?: string;
  readonly written: Memory[];
  seen: Memory[];
  created?: Memory;
}

/** The request each endpoint of the profile makes, as the load test's k6 script names it. */
export const SMOKE_REQUEST: Record<Endpoint, string> = {
  login: 'POST /auth/login',
  list: 'GET /memories',
  search: 'GET /memories?q',
  read: 'GET /memories/:id',
  create: 'POST /memories',
};

const WHAT_IT_ANSWERS: Record<Endpoint, string> = {
  login: 'answers 200 with a session for the new user',
  list: 'answers 200 with a page holding every memory the user wrote',
  search: 'answers 200 with exactly the memories holding the word searched for',
  read: 'answers 200 with the memory asked for',
  create: 'answers 201 with the new memory',
};

function isMemory(value: unknown): value is Memory {
  const m = value as Partial<Memory> | undefined;
  return typeof m?.id === 'string' && typeof m.text === 'string' && typeof m.category === 'string';
}

function expectStatus(request: string, answer: Answer, expected: number): void {
  if (answer.status !== expected) {
    throw new StepFailure(`${request} answered ${answer.status}, not ${expected}: ${answer.text.slice(0, 200)}`);
  }
}

/** A page of memories: `items` a list of memories. */
function expectPage(request: string, answer: Answer): Memory[] {
  expectStatus(request, answer, 200);
  const items: unknown = answer.body?.items;
  if (!Array.isArray(items) || !items.every(isMemory)) {
    throw new StepFailure(`${request} answered 200 without a list of memories in items: ${answer.text.slice(0, 200)}`);
  }
  return items;
}

function missingFrom(request: string, items: readonly Memory[], expected: readonly Memory[]): void {
  const ids = new Set(items.map((m) => m.id));
  const missing = expected.filter((m) => !ids.has(m.id));
  if (missing.length > 0) {
    throw new StepFailure(
      `${request} left out ${missing.length} of the user's memories: ${missing.map((m) => m.id).join(', ')}`,
    );
  }
}

function textOf(value: unknown): string {
  return JSON.stringify(value)?.slice(0, 200) ?? String(value);
}

/**
 * Walks the smoke path against `baseUrl` with `fetch`: one step per check, the steps after a
 * failed one skipped. Leaves one new account with the two memories it wrote.
 */
export async function walkSession(
  baseUrl: string,
  fetch: Fetch,
  expectations: SmokeExpectations = {},
): Promise<SmokeResult> {
  const target = baseUrl.replace(/\/+$/, '');
  const deadlineMs = expectations.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const session = (expectations.profile ?? LOAD_PROFILE).session;
  const run = crypto.randomUUID();
  const state: WalkState = {
    email: `smoke-${run}@example.com`,
    password: `smoke check ${run}`,
    marker: `smoke${run.slice(0, 8)}`,
    written: [],
    seen: [],
  };

  async function call(method: string, path: string, options: { json?: unknown; token?: string } = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (options.json !== undefined) headers['content-type'] = 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let res: Response;
    try {
      res = await fetch(`${target}${path}`, {
        method,
        headers,
        body: options.json !== undefined ? JSON.stringify(options.json) : undefined,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
      throw new StepFailure(
        (err as Error).name === 'TimeoutError'
          ? `${method} ${path}: the API at ${target} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s`
          : `${method} ${path}: the API at ${target} is unreachable (${cause}): is the environment running?`,
      );
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.status, text, body };
  }

  async function write(request: string, token: string | undefined, text: string): Promise<Memory> {
    const json = { text, category: 'smoke' };
    const answer = await call('POST', '/memories', { token, json });
    expectStatus(request, answer, 201);
    if (!isMemory(answer.body) || answer.body.text !== json.text || answer.body.category !== json.category) {
      throw new StepFailure(
        `${request} answered 201 with another memory than the one written: ${answer.text.slice(0, 200)}`,
      );
    }
    state.written.push(answer.body);
    return answer.body;
  }

  const list = async (request: string, query: string): Promise<Memory[]> =>
    expectPage(request, await call('GET', `/memories?${query}`, { token: state.token }));

  const walk: Record<Endpoint, () => Promise<void>> = {
    async login() {
      const answer = await call('POST', '/auth/login', { json: { email: state.email, password: state.password } });
      expectStatus(SMOKE_REQUEST.login, answer, 200);
      const { accessToken, tokenType, user } = answer.body ?? {};
      if (typeof accessToken !== 'string' || !accessToken || tokenType !== 'Bearer' || user?.email !== state.email) {
        throw new StepFailure(`${SMOKE_REQUEST.login} answered 200 without a Bearer session for ${state.email}`);
      }
      state.token = accessToken;
    },
    async list() {
      const items = await list(SMOKE_REQUEST.list, `limit=${PAGE_SIZE}`);
      missingFrom(SMOKE_REQUEST.list, items, state.written);
      state.seen = items;
    },
    async search() {
      const items = await list(SMOKE_REQUEST.search, `q=${encodeURIComponent(state.marker)}&limit=${PAGE_SIZE}`);
      const stray = items.find((m) => !m.text.toLowerCase().includes(state.marker));
      if (stray) {
        throw new StepFailure(`${SMOKE_REQUEST.search} found a memory without "${state.marker}": ${textOf(stray)}`);
      }
      missingFrom(SMOKE_REQUEST.search, items, state.written);
      state.seen = items;
    },
    async read() {
      // Like a person: the memory just written, else one from the last page seen.
      const wanted = state.created ?? state.seen[0] ?? state.written[0];
      if (!wanted) throw new StepFailure(`${SMOKE_REQUEST.read}: the session has no memory to open yet`);
      const answer = await call('GET', `/memories/${wanted.id}`, { token: state.token });
      expectStatus(SMOKE_REQUEST.read, answer, 200);
      if (!isMemory(answer.body) || answer.body.id !== wanted.id || answer.body.text !== wanted.text) {
        throw new StepFailure(
          `${SMOKE_REQUEST.read} answered 200 with another memory than ${wanted.id}: ${answer.text.slice(0, 200)}`,
        );
      }
    },
    async create() {
      state.created = await write(SMOKE_REQUEST.create, state.token, `written by the smoke session ${state.marker}`);
    },
  };

  const checks: { name: string; endpoint?: Endpoint; check: () => Promise<void> }[] = [
    {
      name: 'health answers 200 with the expected version and environment',
      check: async () => {
        const health = await call('GET', '/health');
        expectStatus('GET /health', health, 200);
        const { status, version, environment } = health.body ?? {};
        if (status !== 'ok') throw new StepFailure(`GET /health says status ${String(status)}, not ok`);
        if (expectations.version ? version !== expectations.version : !version) {
          throw new StepFailure(
            `GET /health reports version ${String(version)}, not the deployed ${expectations.version ?? '(any)'}`,
          );
        }
        if (expectations.environment ? environment !== expectations.environment : !environment) {
          throw new StepFailure(
            `GET /health reports environment ${String(environment)}, not ${expectations.environment ?? '(any)'}`,
          );
        }
      },
    },
    {
      // A fresh user each walk: its data is known exactly, and no walk sees another's.
      name: 'a new user registers and writes a first memory',
      check: async () => {
        const answer = await call('POST', '/auth/register', { json: { email: state.email, password: state.password } });
        expectStatus('POST /auth/register', answer, 201);
        const token: unknown = answer.body?.accessToken;
        if (typeof token !== 'string' || !token) {
          throw new StepFailure('POST /auth/register answered 201 without an access token');
        }
        await write('POST /memories (the first memory)', token, `first memory of the smoke user ${state.marker}`);
      },
    },
    ...session.map((endpoint, i) => ({
      name: `${endpoint} (${i + 1}/${session.length}): ${SMOKE_REQUEST[endpoint]} ${WHAT_IT_ANSWERS[endpoint]}`,
      endpoint,
      check: walk[endpoint],
    })),
  ];

  const started = performance.now();
  const steps: SmokeStep[] = [];
  for (const { name, endpoint, check } of checks) {
    const failed = steps.find((s) => s.status !== 'passed');
    if (failed) {
      steps.push({
        name,
        endpoint,
        status: 'skipped',
        durationMs: 0,
        message: `not run: "${failed.name}" did not pass`,
      });
      continue;
    }
    const stepStarted = performance.now();
    try {
      await check();
      const elapsed = performance.now() - started;
      if (elapsed > deadlineMs) {
        throw new StepFailure(
          `the smoke walk passed ${deadlineMs / 1000} s after ${(elapsed / 1000).toFixed(1)} s: the release is too slow`,
        );
      }
      steps.push({ name, endpoint, status: 'passed', durationMs: performance.now() - stepStarted });
    } catch (err) {
      const message = err instanceof StepFailure ? err.message : `unexpected: ${(err as Error).message}`;
      steps.push({ name, endpoint, status: 'failed', durationMs: performance.now() - stepStarted, message });
    }
  }
  return {
    target,
    passed: steps.every((s) => s.status === 'passed'),
    durationMs: performance.now() - started,
    steps,
  };
}
