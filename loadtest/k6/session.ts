import { check } from 'k6';
import exec from 'k6/execution';
import http, { RefinedResponse, ResponseType } from 'k6/http';
import { k6Options, LoadPlan, REQUEST_TIMEOUT } from '../plan';
import { Endpoint } from '../profile';

/**
 * One iteration is one user's session, in the order the load profile declares it (by default
 * login, list, search, read, create, read, list). The gate wrapper (`run.ts`) writes the plan
 * and bundles this script; the thresholds and scenarios come from the same `plan.ts`.
 *
 * Environment: B2_LOAD_PLAN (the plan file), B2_API_URL, B2_LOAD_RUN (names this run's users),
 * B2_LOAD_PASSWORD (their password), B2_LOAD_USERS_REGISTERED (how many of this run's users an
 * earlier step registered already; the headroom search reuses them).
 */

const plan = JSON.parse(open(__ENV.B2_LOAD_PLAN)) as LoadPlan;
const API = __ENV.B2_API_URL;
const RUN = __ENV.B2_LOAD_RUN;
const PASSWORD = __ENV.B2_LOAD_PASSWORD;
const ALREADY_REGISTERED = Number(__ENV.B2_LOAD_USERS_REGISTERED || '0');
/**
 * Synthetic users during a deploy (`synthetic.ts`) split their sessions evenly between the
 * release being deployed and the live one (the local front's pin header), so the canary judge
 * compares equal samples taken over the same seconds. A load gate's sessions are never pinned.
 */
const PIN_SPLIT = __ENV.B2_LOAD_PIN_SPLIT === '1';
const PIN_HEADER = 'x-b2-pin';
/** Marks the pool's set-up requests, so that the local front never judges them as sessions. */
const SETUP_HEADER = 'x-b2-setup';
/** The pin of the session this VU is running. */
let sessionPin: 'candidate' | 'live' | undefined;

export const options = k6Options(plan);

/** Each user starts with a few memories, so the first list, search and read of a session find something. */
const SEED_MEMORIES = 3;
/** Requests in flight at once while setup() registers and seeds the pool. */
const SETUP_BATCH = 8;
const PAGE_SIZE = 20;
const CATEGORIES = ['work', 'reading', 'ideas', 'travel', 'home'];
const WORDS = [
  'meeting',
  'chapter',
  'garden',
  'invoice',
  'recipe',
  'flight',
  'sketch',
  'deadline',
  'library',
  'harbour',
];

interface LoadUser {
  readonly email: string;
}

interface SetupData {
  readonly users: readonly LoadUser[];
}

interface MemoryBody {
  readonly id: string;
  readonly text: string;
}

const emailOf = (index: number): string => `load-${RUN}-${index}@example.com`;
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];

function memoryText(): string {
  return `${pick(WORDS)} notes: ${pick(WORDS)} and ${pick(WORDS)} (${Math.random().toString(36).slice(2, 8)})`;
}

function jsonParams(endpoint: Endpoint | 'register' | 'seed', name: string, token?: string) {
  return {
    headers: {
      'Content-Type': 'application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(sessionPin ? { [PIN_HEADER]: sessionPin } : {}),
      ...(endpoint === 'register' || endpoint === 'seed' ? { [SETUP_HEADER]: '1' } : {}),
    },
    tags: { endpoint, name },
    timeout: REQUEST_TIMEOUT,
  };
}

function body<T>(res: RefinedResponse<ResponseType | undefined>): T | undefined {
  try {
    return res.json() as unknown as T;
  } catch {
    return undefined;
  }
}

/** Registers this run's users that do not exist yet, each with a few memories. */
export function setup(): SetupData {
  if (!API || !RUN || !PASSWORD) {
    throw new Error('B2_API_URL, B2_LOAD_RUN and B2_LOAD_PASSWORD must be set by the gate');
  }
  const missing: number[] = [];
  for (let i = ALREADY_REGISTERED; i < plan.users; i++) missing.push(i);
  for (let start = 0; start < missing.length; start += SETUP_BATCH) {
    const chunk = missing.slice(start, start + SETUP_BATCH);
    const registered = http.batch(
      chunk.map((i) => ({
        method: 'POST',
        url: `${API}/auth/register`,
        body: JSON.stringify({ email: emailOf(i), password: PASSWORD }),
        params: jsonParams('register', 'POST /auth/register'),
      })),
    );
    const seeds = registered.flatMap((res, n) => {
      const session = body<{ accessToken?: string }>(res);
      if (res.status !== 201 || !session?.accessToken) {
        throw new Error(`registering ${emailOf(chunk[n])} answered ${res.status}: ${String(res.body).slice(0, 200)}`);
      }
      return Array.from({ length: SEED_MEMORIES }, () => ({
        method: 'POST',
        url: `${API}/memories`,
        body: JSON.stringify({ text: memoryText(), category: pick(CATEGORIES) }),
        params: jsonParams('seed', 'POST /memories', session.accessToken),
      }));
    });
    for (const res of http.batch(seeds)) {
      if (res.status !== 201) {
        throw new Error(`seeding a memory answered ${res.status}: ${String(res.body).slice(0, 200)}`);
      }
    }
  }
  return { users: Array.from({ length: plan.users }, (_, i) => ({ email: emailOf(i) })) };
}

/** What a session knows as it goes: its user, its token, the memories it last saw, the one it wrote. */
interface SessionState {
  readonly user: LoadUser;
  token?: string;
  seen: MemoryBody[];
  created?: string;
}

type Step = (state: SessionState) => boolean;

function list(state: SessionState, endpoint: 'list' | 'search', query: string): boolean {
  const name = endpoint === 'list' ? 'GET /memories' : 'GET /memories?q';
  const res = http.get(`${API}/memories?${query}`, jsonParams(endpoint, name, state.token));
  const page = body<{ items?: MemoryBody[] }>(res);
  const ok = check(
    res,
    { [`${endpoint} answers 200 with a page of memories`]: () => res.status === 200 && Array.isArray(page?.items) },
    { endpoint },
  );
  if (ok && page?.items?.length) state.seen = page.items;
  return ok;
}

const STEPS: Record<Endpoint, Step> = {
  login(state) {
    const res = http.post(
      `${API}/auth/login`,
      JSON.stringify({ email: state.user.email, password: PASSWORD }),
      jsonParams('login', 'POST /auth/login'),
    );
    const session = body<{ accessToken?: string }>(res);
    const ok = check(
      res,
      { 'login answers 200 with an access token': () => res.status === 200 && Boolean(session?.accessToken) },
      { endpoint: 'login' },
    );
    state.token = session?.accessToken;
    return ok;
  },
  list: (state) => list(state, 'list', `limit=${PAGE_SIZE}`),
  search(state) {
    // People search for a word they remember writing: one from a memory they have seen.
    const remembered = state.seen.length
      ? pick(state.seen)
          .text.split(/\W+/)
          .filter((w) => w.length > 3)
      : [];
    const term = remembered.length ? pick(remembered) : pick(WORDS);
    return list(state, 'search', `q=${encodeURIComponent(term)}&limit=${PAGE_SIZE}`);
  },
  read(state) {
    const id = state.created ?? (state.seen.length ? pick(state.seen).id : undefined);
    if (!id) {
      check(null, { 'read has a memory to open': () => false }, { endpoint: 'read' });
      return false;
    }
    const res = http.get(`${API}/memories/${id}`, jsonParams('read', 'GET /memories/:id', state.token));
    const memory = body<MemoryBody>(res);
    return check(
      res,
      { 'read answers 200 with the memory': () => res.status === 200 && memory?.id === id },
      { endpoint: 'read' },
    );
  },
  create(state) {
    const res = http.post(
      `${API}/memories`,
      JSON.stringify({ text: memoryText(), category: pick(CATEGORIES) }),
      jsonParams('create', 'POST /memories', state.token),
    );
    const memory = body<MemoryBody>(res);
    const ok = check(
      res,
      { 'create answers 201 with the new memory': () => res.status === 201 && Boolean(memory?.id) },
      { endpoint: 'create' },
    );
    state.created = memory?.id;
    return ok;
  },
};

/**
 * Sessions take the pool's users in turn, so each user runs at most the plan's share of
 * sessions a minute and the service's per-user rate limits are never what is measured.
 */
export default function userSession(data: SetupData): void {
  const iteration = exec.scenario.iterationInTest;
  sessionPin = PIN_SPLIT ? (iteration % 2 === 0 ? 'candidate' : 'live') : undefined;
  const state: SessionState = { user: data.users[iteration % data.users.length], seen: [] };
  for (const endpoint of plan.session) {
    // A step that failed leaves nothing for the next (no token, no memory): the session ends
    // there, its failure already counted in http_req_failed and checks.
    if (!STEPS[endpoint](state)) return;
  }
}
