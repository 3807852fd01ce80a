/**
 * The load B2 serves today, as a versioned declaration. Every load scenario (the current load,
 * 10x, the headroom steps) is derived from this one profile by a multiplier, so the rate is
 * written once. Bump `version` whenever the rate or the session changes: a baseline recorded
 * under another version measured another load and is not compared.
 *
 * This module is bundled into the k6 script too: it imports nothing.
 */

/** The API operations of a user's session. */
export type Endpoint = 'login' | 'list' | 'create' | 'search' | 'read';

export const ENDPOINTS: readonly Endpoint[] = ['login', 'list', 'create', 'search', 'read'];

export interface LoadProfile {
  readonly version: string;
  /** Why these numbers: where the rate and the session come from. */
  readonly rationale: string;
  /** Requests per second, all endpoints together, at the current load. */
  readonly requestsPerSecond: number;
  /**
   * One user's session, in order. The endpoint mix is this list's composition: each session
   * makes `session.length` requests, so sessions arrive at `requestsPerSecond / session.length`.
   */
  readonly session: readonly Endpoint[];
}

export const LOAD_PROFILE: LoadProfile = {
  version: '1.0.0',
  rationale:
    'A small product: about 2,000 active users with a few sessions a day, peaking at 5 requests per second. ' +
    'A session signs in, opens the list, searches, opens a result, writes a memory, reads it back and ' +
    'returns to the list.',
  requestsPerSecond: 5,
  session: ['login', 'list', 'search', 'read', 'create', 'read', 'list'],
};

/**
 * Which endpoint of the profile a request is, by its method and path (query included), or
 * undefined for a request that is not one (sign-up, refresh, categories, the web front end):
 * how the local front files its per-endpoint numbers, matching the k6 session's requests.
 */
export function endpointOfRequest(method: string, url: string): Endpoint | undefined {
  const [pathname, query = ''] = url.split('?');
  const path = pathname.replace(/\/+$/, '') || '/';
  if (method === 'POST' && path === '/auth/login') return 'login';
  if (method === 'POST' && path === '/memories') return 'create';
  if (method === 'GET' && path === '/memories') return /(^|&)q=/.test(query) ? 'search' : 'list';
  if (method === 'GET' && /^\/memories\/[^/]+$/.test(path)) return 'read';
  return undefined;
}

/** The share of each endpoint in the traffic, from the session's composition. */
export function endpointMix(profile: LoadProfile): Record<Endpoint, number> {
  const mix = { login: 0, list: 0, create: 0, search: 0, read: 0 };
  for (const endpoint of profile.session) mix[endpoint] += 1 / profile.session.length;
  return mix;
}

/** Why a profile cannot drive a load test, or undefined when it can. */
export function profileProblem(profile: LoadProfile): string | undefined {
  if (!profile.version.trim()) return 'the load profile has no version';
  if (!(profile.requestsPerSecond > 0)) return 'the load profile needs a positive requestsPerSecond';
  if (profile.session.length === 0) return 'the load profile has an empty session';
  if (profile.session[0] !== 'login') return "the load profile's session must start with login";
  const unknown = profile.session.find((e) => !ENDPOINTS.includes(e));
  if (unknown) return `the load profile's session names an unknown endpoint: ${unknown}`;
  return undefined;
}
