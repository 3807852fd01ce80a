import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useDynamoDbLocal } from '../../harness/dynamodb-local';
import { ApiCaller, testApp, TEST_PASSWORD, uniqueEmail } from '../../harness/service-app';

const dynamodb = useDynamoDbLocal();

/** A 429 in the error shape, with a Retry-After a client can wait for (at most the one-minute window). */
function expectRateLimited(answer: { status: number; body: unknown; headers: Headers }): void {
  expect(answer.status).toBe(429);
  expect(answer.body).toEqual({ error: { code: 'rate_limited', message: expect.any(String) } });
  const retryAfter = Number(answer.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

describe('the B2 API rate limits', () => {
  let api: ApiCaller;

  beforeAll(async () => {
    // The limits count in fixed one-minute windows: the clock stands still a second into a
    // window, so no test's requests are split across two windows.
    const now = Date.now();
    vi.useFakeTimers({ toFake: ['Date'], now: now - (now % 60_000) + 1_000 });
    api = new ApiCaller(
      testApp({
        db: dynamodb.db,
        table: await dynamodb.newTable(),
        rateLimits: { loginPerEmail: 3, requestsPerUser: 4, registerPerAddress: 3, refreshPerFamily: 2 },
        clientAddress: (c) => c.req.header('x-test-client'),
      }),
    );
  });

  afterAll(() => {
    vi.useRealTimers();
  });

  it('answers 429 with Retry-After once one email has too many login attempts', async () => {
    const email = uniqueEmail();
    const attempts = [];
    for (let i = 0; i < 4; i++) {
      attempts.push(await api.call('POST', '/auth/login', { json: { email, password: 'wrong password' } }));
    }
    expect(attempts.slice(0, 3).map((a) => a.status)).toEqual([401, 401, 401]);
    expectRateLimited(attempts[3]);
  });

  it('counts login attempts per email, so another account is not locked out', async () => {
    const session = await api.register(uniqueEmail(), TEST_PASSWORD, { 'x-test-client': 'login-other' });
    const answer = await api.call('POST', '/auth/login', {
      json: { email: session.user.email, password: TEST_PASSWORD },
    });
    expect(answer.status).toBe(200);
  });

  it('answers 429 with Retry-After once one user makes too many signed-in requests', async () => {
    const session = await api.register(uniqueEmail(), TEST_PASSWORD, { 'x-test-client': 'busy-user' });
    const statuses = [];
    let last;
    for (let i = 0; i < 5; i++) {
      last = await api.call('GET', '/memories', { token: session.accessToken });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 4)).toEqual([200, 200, 200, 200]);
    expectRateLimited(last!);
    const other = await api.register(uniqueEmail(), TEST_PASSWORD, { 'x-test-client': 'quiet-user' });
    expect((await api.call('GET', '/memories', { token: other.accessToken })).status).toBe(200);
  });

  it('answers 429 with Retry-After once one address registers too often', async () => {
    const headers = { 'x-test-client': 'one-address' };
    const answers = [];
    for (let i = 0; i < 4; i++) {
      answers.push(
        await api.call('POST', '/auth/register', { json: { email: uniqueEmail(), password: TEST_PASSWORD }, headers }),
      );
    }
    expect(answers.slice(0, 3).map((a) => a.status)).toEqual([201, 201, 201]);
    expectRateLimited(answers[3]);
  });

  it('answers 429 with Retry-After once one sign-in refreshes too often', async () => {
    let session = await api.register(uniqueEmail(), TEST_PASSWORD, { 'x-test-client': 'refresher' });
    for (let i = 0; i < 2; i++) {
      const answer = await api.call('POST', '/auth/refresh', { json: { refreshToken: session.refreshToken } });
      expect(answer.status).toBe(200);
      session = answer.body;
    }
    expectRateLimited(await api.call('POST', '/auth/refresh', { json: { refreshToken: session.refreshToken } }));
  });
});
