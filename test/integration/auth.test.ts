import { describe, expect, it } from 'vitest';
import { environmentApi, Session, TEST_PASSWORD, uniqueEmail } from './support/api';

const api = environmentApi();

const listWith = (accessToken: string) => api.call('GET', '/memories', { token: accessToken });
const refresh = (refreshToken: string) => api.call('POST', '/auth/refresh', { json: { refreshToken } });
const login = (email: string, password = TEST_PASSWORD) =>
  api.call('POST', '/auth/login', { json: { email, password } });

describe('signing up and signing in over HTTP', () => {
  it('registers a new user with 201 and a Bearer session whose access token opens the signed-in routes', async () => {
    const email = uniqueEmail();
    const answer = await api.call('POST', '/auth/register', { json: { email, password: TEST_PASSWORD } });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.body).toEqual({
      user: { id: expect.any(String), email },
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      tokenType: 'Bearer',
      expiresIn: expect.any(Number),
    });
    expect(answer.body.expiresIn).toBeGreaterThan(0);
    expect((await listWith(answer.body.accessToken)).status).toBe(200);
  });

  it('answers 409 email_taken to a second registration of the same email, whatever its case', async () => {
    const email = uniqueEmail();
    await api.register(email);
    const answer = await api.call('POST', '/auth/register', {
      json: { email: email.toUpperCase(), password: TEST_PASSWORD },
    });
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('email_taken');
  });

  it('refuses a password shorter than eight characters with 400 invalid_input naming the field', async () => {
    const answer = await api.call('POST', '/auth/register', { json: { email: uniqueEmail(), password: 'short' } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_input');
    expect(answer.body.error.message).toMatch(/password/);
  });

  it('refuses a common password with 400 invalid_input saying why, as NIST SP 800-63B asks', async () => {
    const answer = await api.call('POST', '/auth/register', { json: { email: uniqueEmail(), password: 'password' } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_input');
    expect(answer.body.error.message).toMatch(/password: .*common/);
  });

  it('signs a registered user in with a new session of the same user', async () => {
    const registered = await api.register();
    const answer = await login(registered.user.email);
    expect(answer.status).toBe(200);
    expect(answer.body.user).toEqual(registered.user);
    expect(answer.body.tokenType).toBe('Bearer');
    expect(answer.body.refreshToken).not.toBe(registered.refreshToken);
    expect((await listWith(answer.body.accessToken)).status).toBe(200);
  });

  it('answers a wrong password and an unknown email with the same 401 invalid_credentials', async () => {
    const registered = await api.register();
    const wrong = await login(registered.user.email, 'not the password');
    const unknown = await login(uniqueEmail());
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });
});

describe('refresh tokens over HTTP', () => {
  it('rotates: a refresh answers a new refresh token and an access token that works', async () => {
    const session = await api.register();
    const answer = await refresh(session.refreshToken);
    expect(answer.status).toBe(200);
    expect(answer.body.user).toEqual(session.user);
    expect(answer.body.refreshToken).not.toBe(session.refreshToken);
    expect((await listWith(answer.body.accessToken)).status).toBe(200);
    expect((await refresh(answer.body.refreshToken)).status).toBe(200);
  });

  it('treats a used refresh token coming back as theft: 401 refresh_token_reused, and the newest token of the family is revoked too', async () => {
    const session = await api.register();
    const rotated = await refresh(session.refreshToken);
    expect(rotated.status).toBe(200);
    const replay = await refresh(session.refreshToken);
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('refresh_token_reused');
    const newest = await refresh(rotated.body.refreshToken);
    expect(newest.status).toBe(401);
    expect(newest.body.error.code).toBe('invalid_refresh_token');
  });

  it('leaves the same user signed in elsewhere when one family is revoked', async () => {
    const session: Session = await api.register();
    const elsewhere = await login(session.user.email);
    await refresh(session.refreshToken);
    await refresh(session.refreshToken);
    expect((await refresh(elsewhere.body.refreshToken)).status).toBe(200);
  });

  it('signs out with 204 and an empty body, after which the refresh token is refused', async () => {
    const session = await api.register();
    const answer = await api.call('POST', '/auth/logout', { json: { refreshToken: session.refreshToken } });
    expect(answer.status).toBe(204);
    expect(answer.text).toBe('');
    const after = await refresh(session.refreshToken);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('invalid_refresh_token');
  });

  it('answers 401 invalid_refresh_token to a refresh token the API never issued', async () => {
    const answer = await refresh('not-a-refresh-token');
    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('invalid_refresh_token');
  });
});

describe('access tokens on the signed-in routes over HTTP', () => {
  it.each(['/memories', '/categories', '/memories/0190b8f2-7c1a-7b2c-8d3e-123456789abc'])(
    'answers GET %s without a token with 401 missing_token and a Bearer challenge',
    async (path) => {
      const answer = await api.call('GET', path);
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('missing_token');
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    },
  );

  it('answers a token with a forged signature with 401 invalid_token', async () => {
    const session = await api.register();
    const [header, payload] = session.accessToken.split('.');
    const forged = `${header}.${payload}.${Buffer.alloc(32, 7).toString('base64url')}`;
    const answer = await listWith(forged);
    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('invalid_token');
  });

  it('answers another Authorization scheme with 401 invalid_token', async () => {
    const answer = await api.call('GET', '/memories', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('invalid_token');
  });
});
