import { randomBytes } from 'node:crypto';
import { generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { newSigningKeysDocument, SigningKeysDocument } from '../../../service/src/auth/signing-keys';
import { useDynamoDbLocal } from '../../harness/dynamodb-local';
import { ApiCaller, Session, testApp, TEST_PASSWORD, uniqueEmail } from '../../harness/service-app';

const dynamodb = useDynamoDbLocal();

const ISSUER = 'b2:test';
const AUDIENCE = 'b2-api:test';

const secretOf = (key: { secret: string }): Uint8Array => new Uint8Array(Buffer.from(key.secret, 'base64url'));
const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

interface Forgery {
  readonly alg?: string;
  readonly kid?: string;
  readonly typ?: string;
  readonly secret?: Uint8Array;
  readonly issuer?: string;
  readonly audience?: string;
  /** Seconds from now. */
  readonly issuedAt?: number;
  readonly expiresIn?: number;
}

describe('the B2 API authentication', () => {
  let api: ApiCaller;
  let keys: SigningKeysDocument;

  /** A token like the API's, with one thing changed. */
  async function token(session: Session, change: Forgery = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ email: session.user.email })
      .setProtectedHeader({
        alg: change.alg ?? 'HS256',
        kid: change.kid ?? keys.current.kid,
        typ: change.typ ?? 'at+jwt',
      })
      .setSubject(session.user.id)
      .setIssuer(change.issuer ?? ISSUER)
      .setAudience(change.audience ?? AUDIENCE)
      .setIssuedAt(now + (change.issuedAt ?? 0))
      .setExpirationTime(now + (change.expiresIn ?? 900))
      .setJti('test')
      .sign(change.secret ?? secretOf(keys.current));
  }

  const listWith = (accessToken: string) => api.call('GET', '/memories', { token: accessToken });

  beforeAll(async () => {
    keys = newSigningKeysDocument();
    api = new ApiCaller(testApp({ db: dynamodb.db, table: await dynamodb.newTable(), keys }));
  });

  describe('register, login, refresh and logout', () => {
    it('registers a user and answers 201 with a session', async () => {
      const email = uniqueEmail();
      const answer = await api.call('POST', '/auth/register', { json: { email, password: TEST_PASSWORD } });
      expect(answer.status).toBe(201);
      expect(answer.body).toEqual({
        user: { id: expect.any(String), email },
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: 900,
      });
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect((await listWith(answer.body.accessToken)).status).toBe(200);
    });

    it('answers 409 email_taken to a second registration of an email, whatever its case', async () => {
      const email = uniqueEmail();
      await api.register(email);
      const answer = await api.call('POST', '/auth/register', {
        json: { email: email.toUpperCase(), password: TEST_PASSWORD },
      });
      expect(answer.status).toBe(409);
      expect(answer.body.error.code).toBe('email_taken');
    });

    it('logs a registered user in with the right password', async () => {
      const registered = await api.register();
      const answer = await api.call('POST', '/auth/login', {
        json: { email: registered.user.email, password: TEST_PASSWORD },
      });
      expect(answer.status).toBe(200);
      expect(answer.body.user).toEqual(registered.user);
      expect(answer.body.refreshToken).not.toBe(registered.refreshToken);
    });

    it('answers 401 invalid_credentials to a wrong password and to an unknown email alike', async () => {
      const registered = await api.register();
      const wrong = await api.call('POST', '/auth/login', {
        json: { email: registered.user.email, password: 'not the password' },
      });
      const unknown = await api.call('POST', '/auth/login', {
        json: { email: uniqueEmail(), password: TEST_PASSWORD },
      });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.code).toBe('invalid_credentials');
      expect(unknown.body).toEqual(wrong.body);
    });

    it('exchanges a refresh token for a new session with a new refresh token', async () => {
      const session = await api.register();
      const answer = await api.call('POST', '/auth/refresh', { json: { refreshToken: session.refreshToken } });
      expect(answer.status).toBe(200);
      expect(answer.body.user).toEqual(session.user);
      expect(answer.body.refreshToken).not.toBe(session.refreshToken);
      expect((await listWith(answer.body.accessToken)).status).toBe(200);
    });

    it('revokes the whole family when a used refresh token comes back: the newest token stops working too', async () => {
      const session = await api.register();
      const rotated = await api.call('POST', '/auth/refresh', { json: { refreshToken: session.refreshToken } });
      const replay = await api.call('POST', '/auth/refresh', { json: { refreshToken: session.refreshToken } });
      expect(replay.status).toBe(401);
      expect(replay.body.error.code).toBe('refresh_token_reused');
      const newest = await api.call('POST', '/auth/refresh', { json: { refreshToken: rotated.body.refreshToken } });
      expect(newest.status).toBe(401);
      expect(newest.body.error.code).toBe('invalid_refresh_token');
    });

    it('leaves other sign-ins of the same user alone when one family is revoked', async () => {
      const session = await api.register();
      const other = await api.call('POST', '/auth/login', {
        json: { email: session.user.email, password: TEST_PASSWORD },
      });
      await api.call('POST', '/auth/refresh', { json: { refreshToken: session.refreshToken } });
      await api.call('POST', '/auth/refresh', { json: { refreshToken: session.refreshToken } });
      const answer = await api.call('POST', '/auth/refresh', { json: { refreshToken: other.body.refreshToken } });
      expect(answer.status).toBe(200);
    });

    it('answers 401 invalid_refresh_token to a malformed or unknown refresh token', async () => {
      const malformed = await api.call('POST', '/auth/refresh', { json: { refreshToken: 'nonsense' } });
      const unknown = await api.call('POST', '/auth/refresh', {
        json: { refreshToken: `6f1c1b8e-2a4d-4c7e-9f00-0a1b2c3d4e5f.${randomBytes(32).toString('base64url')}` },
      });
      expect(malformed.status).toBe(401);
      expect(malformed.body.error.code).toBe('invalid_refresh_token');
      expect(unknown.status).toBe(401);
      expect(unknown.body.error.code).toBe('invalid_refresh_token');
    });

    it('logs out with 204 and the refresh token no longer works', async () => {
      const session = await api.register();
      const answer = await api.call('POST', '/auth/logout', { json: { refreshToken: session.refreshToken } });
      expect(answer.status).toBe(204);
      expect(answer.text).toBe('');
      const after = await api.call('POST', '/auth/refresh', { json: { refreshToken: session.refreshToken } });
      expect(after.status).toBe(401);
      expect(after.body.error.code).toBe('invalid_refresh_token');
    });
  });

  describe('access tokens on signed-in routes', () => {
    let session: Session;

    beforeAll(async () => {
      session = await api.register();
    });

    it('accepts a token the API issued', async () => {
      expect((await listWith(session.accessToken)).status).toBe(200);
      expect((await api.call('GET', '/categories', { token: session.accessToken })).status).toBe(200);
    });

    it.each(['/memories', '/memories/0190b8f2-7c1a-7b2c-8d3e-123456789abc', '/categories'])(
      'answers 401 missing_token on %s without an Authorization header',
      async (path) => {
        const answer = await api.call('GET', path);
        expect(answer.status).toBe(401);
        expect(answer.body.error.code).toBe('missing_token');
        expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
      },
    );

    it('answers 401 missing_token to POST /memories without a token, before reading the body', async () => {
      const answer = await api.call('POST', '/memories', {
        raw: 'not json',
        headers: { 'content-type': 'text/plain' },
      });
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('missing_token');
    });

    it('answers 401 invalid_token to an Authorization header of another scheme', async () => {
      const answer = await api.call('GET', '/memories', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('invalid_token');
    });

    it('answers 401 token_expired to an expired token', async () => {
      const answer = await listWith(await token(session, { issuedAt: -2000, expiresIn: -1000 }));
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('token_expired');
    });

    it('answers 401 to a token with alg none', async () => {
      const payload = {
        sub: session.user.id,
        email: session.user.email,
        iss: ISSUER,
        aud: AUDIENCE,
        iat: Math.floor(Date.now() / 1000),
        exp: Math.floor(Date.now() / 1000) + 900,
        jti: 'none',
      };
      const unsigned = `${b64({ alg: 'none', typ: 'at+jwt', kid: keys.current.kid })}.${b64(payload)}.`;
      const answer = await listWith(unsigned);
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('invalid_token');
    });

    it('answers 401 to a token signed with another algorithm (RS256, with a key pair of its own)', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const forged = await new SignJWT({ email: session.user.email })
        .setProtectedHeader({ alg: 'RS256', kid: keys.current.kid, typ: 'at+jwt' })
        .setSubject(session.user.id)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('15m')
        .setJti('rs')
        .sign(privateKey);
      const answer = await listWith(forged);
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('invalid_token');
    });

    it('answers 401 to a token signed with the right secret but the wrong algorithm (HS512)', async () => {
      const answer = await listWith(await token(session, { alg: 'HS512' }));
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('invalid_token');
    });

    it('answers 401 to a token whose signature was tampered with', async () => {
      const [header, payload, signature] = session.accessToken.split('.');
      const bytes = Buffer.from(signature, 'base64url');
      bytes[0] = 255 - bytes[0];
      const answer = await listWith(`${header}.${payload}.${bytes.toString('base64url')}`);
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('invalid_token');
    });

    it('answers 401 to a token whose claims were changed after signing', async () => {
      const other = await api.register();
      const [header, , signature] = session.accessToken.split('.');
      const [, otherPayload] = other.accessToken.split('.');
      const answer = await listWith(`${header}.${otherPayload}.${signature}`);
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('invalid_token');
    });

    it('answers 401 to a token from another issuer', async () => {
      const answer = await listWith(await token(session, { issuer: 'b2:prod' }));
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('invalid_token');
    });

    it('answers 401 to a token for another audience', async () => {
      const answer = await listWith(await token(session, { audience: 'b2-api:prod' }));
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('invalid_token');
    });

    it('answers 401 to a token signed with a key id the API does not know', async () => {
      const answer = await listWith(await token(session, { kid: 'unknown-key', secret: randomBytes(32) }));
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('invalid_token');
    });

    it('answers 401 to a token that is not an access token (another typ)', async () => {
      const answer = await listWith(await token(session, { typ: 'JWT' }));
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('invalid_token');
    });

    it('answers 401 to a refresh token used as an access token', async () => {
      const answer = await listWith(session.refreshToken);
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('invalid_token');
    });
  });
});
