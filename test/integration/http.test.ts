import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { Answer, environmentApi, Session, TEST_PASSWORD, uniqueEmail } from './support/api';
import { DEFAULT_RATE_LIMITS } from '../../service/src/config';
import { SETTING } from '../../service/src/settings';

const api = environmentApi();

/**
 * The origin the environment's CORS allowlist must contain: the web front end's
 * (`B2_WEB_URL`, which the engines set), or `B2_CORS_ALLOWED_ORIGIN` to name another.
 */
function allowedOrigin(): string {
  const origin = process.env.B2_CORS_ALLOWED_ORIGIN || process.env.B2_WEB_URL;
  if (!origin) {
    throw new Error(
      "set B2_WEB_URL (the web front end) or B2_CORS_ALLOWED_ORIGIN to an origin on the environment's CORS allowlist",
    );
  }
  return new URL(origin).origin;
}

const NOT_ALLOWED = 'https://not-allowed.example.org';

/** The one error shape of the API: a code and a message, nothing else (no stack, no detail). */
function expectError(answer: Answer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  expect(answer.body).toEqual({ error: { code, message: expect.any(String) } });
  expect(answer.text).not.toMatch(/\bat .+\.(ts|js|mjs):\d+/);
}

describe('the security headers over HTTP', () => {
  it('sends nosniff and no-framing on every API answer, an error too', async () => {
    for (const answer of [await api.call('GET', '/health'), await api.call('GET', '/memories')]) {
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
  });
});

describe('the health check over HTTP', () => {
  it('answers 200 without a token with status ok, the version and the environment', async () => {
    const answer = await api.call('GET', '/health');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'ok', version: expect.any(String), environment: expect.any(String) });
    expect(answer.body.version).not.toBe('');
    expect(answer.body.environment).toMatch(/^[a-z][a-z0-9-]+$/);
  });
});

describe('CORS over HTTP', () => {
  it('echoes an allowed origin, never *, and varies on Origin', async () => {
    const origin = allowedOrigin();
    const answer = await api.call('GET', '/health', { headers: { origin } });
    expect(answer.headers.get('access-control-allow-origin')).toBe(origin);
    expect(answer.headers.get('vary') ?? '').toMatch(/origin/i);
  });

  it("answers an allowed origin's preflight with the methods and headers the web front end needs", async () => {
    const origin = allowedOrigin();
    const answer = await api.call('OPTIONS', '/memories', {
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });
    expect(answer.status).toBeLessThan(300);
    expect(answer.headers.get('access-control-allow-origin')).toBe(origin);
    expect(answer.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(answer.headers.get('access-control-allow-headers')?.toLowerCase()).toMatch(/authorization/);
  });

  it('gives another origin no Access-Control-Allow-Origin, on a request or a preflight', async () => {
    const simple = await api.call('GET', '/health', { headers: { origin: NOT_ALLOWED } });
    const preflight = await api.call('OPTIONS', '/memories', {
      headers: { origin: NOT_ALLOWED, 'access-control-request-method': 'POST' },
    });
    for (const answer of [simple, preflight]) {
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    }
  });
});

describe('errors over HTTP', () => {
  let session: Session;

  beforeAll(async () => {
    session = await api.register();
  });

  it('answers a body that is not JSON by its Content-Type with 415 unsupported_media_type', async () => {
    const answer = await api.call('POST', '/memories', {
      token: session.accessToken,
      raw: 'text=hello&category=notes',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectError(answer, 415, 'unsupported_media_type');
  });

  it('answers a body over 16 KiB with 413 payload_too_large', async () => {
    const answer = await api.call('POST', '/memories', {
      token: session.accessToken,
      json: { text: 'x'.repeat(17 * 1024), category: 'notes' },
    });
    expectError(answer, 413, 'payload_too_large');
  });

  it('answers malformed JSON with 400 invalid_json', async () => {
    const answer = await api.call('POST', '/auth/login', {
      raw: '{"email": "a@example.com",',
      headers: { 'content-type': 'application/json' },
    });
    expectError(answer, 400, 'invalid_json');
  });

  it('answers a JSON body that is not valid UTF-8 with 400 invalid_json', async () => {
    const answer = await api.call('POST', '/auth/login', {
      raw: new Uint8Array(Buffer.from('{"email":"caf\xe9@example.com","password":"x"}', 'latin1')),
      headers: { 'content-type': 'application/json' },
    });
    expectError(answer, 400, 'invalid_json');
  });

  it('answers an unknown field and an unknown query parameter with 400 invalid_input naming them', async () => {
    const body = await api.call('POST', '/auth/register', {
      json: { email: uniqueEmail(), password: TEST_PASSWORD, admin: true },
    });
    expectError(body, 400, 'invalid_input');
    expect(body.body.error.message).toMatch(/admin/);
    const query = await api.call('GET', '/memories?sort=oldest', { token: session.accessToken });
    expectError(query, 400, 'invalid_input');
    expect(query.body.error.message).toMatch(/sort/);
  });

  it('answers an unknown API route with a JSON 404 not_found', async () => {
    expectError(
      await api.call('GET', '/memories/0190b8f2-7c1a-7b2c-8d3e-123456789abc/share', { token: session.accessToken }),
      404,
      'not_found',
    );
    expectError(await api.call('POST', '/auth/impersonate', { json: {} }), 404, 'not_found');
  });
});

describe('rate limiting over HTTP', () => {
  /** The environment's limit: the same setting the service reads, or the service's default. */
  const loginLimit = Number(process.env[SETTING.rateLimitLoginPerEmail] || DEFAULT_RATE_LIMITS.loginPerEmail);

  it('answers 429 rate_limited with Retry-After once one email had its logins for the minute, even to the right password', async () => {
    const victim = await api.register();
    // The windows are fixed calendar minutes: starting early in one keeps the burst inside it.
    const secondOfMinute = new Date().getSeconds();
    if (secondOfMinute > 45) await sleep((61 - secondOfMinute) * 1000);
    const guesses = await Promise.all(
      Array.from({ length: loginLimit }, () =>
        api.call('POST', '/auth/login', { json: { email: victim.user.email, password: 'guessing wrong' } }),
      ),
    );
    expect(guesses.map((g) => g.status)).toEqual(guesses.map(() => 401));

    const limited = await api.call('POST', '/auth/login', {
      json: { email: victim.user.email, password: TEST_PASSWORD },
    });
    expectError(limited, 429, 'rate_limited');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    const bystander = await api.register();
    const other = await api.call('POST', '/auth/login', {
      json: { email: bystander.user.email, password: TEST_PASSWORD },
    });
    expect(other.status).toBe(200);
  });
});

describe('the API contract over HTTP', () => {
  it('is served at /openapi.json as OpenAPI 3.1, naming the release that answers', async () => {
    const health = await api.call('GET', '/health');
    const contract = await api.call('GET', '/openapi.json');
    expect(contract.status).toBe(200);
    expect(contract.headers.get('content-type')).toMatch(/^application\/json/);
    expect(contract.body.openapi).toBe('3.1.0');
    expect(contract.body.info.version).toBe(health.body.version);
    expect(Object.keys(contract.body.paths)).toEqual(
      expect.arrayContaining(['/health', '/auth/login', '/memories/{id}']),
    );
  });
});
