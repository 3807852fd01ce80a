import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../pipeline/local/environments/free-port';
import { nodeClientAddress } from '../../../service/src/http/client-address';
import { API_SECURITY_HEADERS, webHeaderValues, webSecurityHeaders } from '../../../service/src/http/security-headers';
import { RunningServer, startNodeServer } from '../../../service/src/node-server';
import { useDynamoDbLocal } from '../../harness/dynamodb-local';
import { testApp, TEST_PASSWORD, uniqueEmail } from '../../harness/service-app';

const dynamodb = useDynamoDbLocal();

const WEB_FIXTURE = path.join(__dirname, 'fixtures', 'web');

describe('the plain-Node server', () => {
  let server: RunningServer;
  let table: string;

  beforeAll(async () => {
    table = await dynamodb.newTable();
    server = await startNodeServer({
      api: testApp({ db: dynamodb.db, table }),
      environment: 'dev',
      webDir: WEB_FIXTURE,
      port: await freePort(),
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('listens on a loopback port', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('serves the API: /health with the version and environment', async () => {
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', version: 'test-commit', environment: 'test' });
  });

  it('serves the API errors in their shape: a signed-in route without a token is a 401', async () => {
    const res = await fetch(`${server.url}/memories`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: 'missing_token', message: expect.any(String) } });
  });

  it('serves /config.json pointing the web front end at the same origin', async () => {
    const res = await fetch(`${server.url}/config.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ environment: 'dev', apiUrl: '' });
  });

  it('serves the web front end index at /', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toContain('B2 web fixture');
  });

  it('serves the hashed assets of the web front end as immutable', async () => {
    const res = await fetch(`${server.url}/assets/app-3f2a1c.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('cache-control')).toContain('immutable');
  });

  it('answers 404 in the error shape to a file that does not exist, and never serves outside the web folder', async () => {
    const missing = await fetch(`${server.url}/nothing.html`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('not_found');
    const escape = await fetch(`${server.url}/assets/%2e%2e/%2e%2e/node-server.test.ts`);
    expect(escape.status).toBe(404);
  });

  it('refuses to start on a port that is in use, with a message naming the port', async () => {
    await expect(
      startNodeServer({ api: testApp({ db: dynamodb.db, table }), environment: 'dev', port: server.port }),
    ).rejects.toThrow(`port ${server.port} on 127.0.0.1 is in use`);
  });

  it('answers a request in flight before it stops, and takes no new connection after', async () => {
    const delayMs = 400;
    const slow = await startNodeServer({
      api: testApp({ db: dynamodb.db, table }),
      environment: 'dev',
      port: 0,
      testDelayMs: delayMs,
    });
    const started = Date.now();
    const inFlight = fetch(`${slow.url}/health`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = slow.close();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(delayMs);
    expect(res.headers.get('connection')).toBe('close');
    await stopped;
    await expect(fetch(`${slow.url}/health`)).rejects.toThrow();
  });

  it('sends the web front end with the security headers CloudFront sends on AWS, from the one definition', async () => {
    const expected = webHeaderValues(webSecurityHeaders());
    for (const page of ['/', '/config.json', '/assets/app-3f2a1c.js']) {
      const res = await fetch(`${server.url}${page}`);
      for (const [name, value] of Object.entries(expected)) {
        expect(res.headers.get(name), `${page} ${name}`).toBe(value);
      }
    }
    expect(expected['Content-Security-Policy']).toContain("frame-ancestors 'none'");
  });

  it('sends every API answer, errors too, with nosniff and as never a page to frame', async () => {
    for (const apiPath of ['/health', '/memories']) {
      const res = await fetch(`${server.url}${apiPath}`);
      for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) {
        expect(res.headers.get(name), `${apiPath} ${name}`).toBe(value);
      }
    }
  });
});

describe('the client address behind the traffic front', () => {
  const FRONT_KEY = 'the-front-key';
  let server: RunningServer;

  beforeAll(async () => {
    const table = await dynamodb.newTable();
    server = await startNodeServer({
      api: testApp({
        db: dynamodb.db,
        table,
        rateLimits: { registerPerAddress: 2, loginPerAddress: 2 },
        clientAddress: nodeClientAddress(FRONT_KEY),
      }),
      environment: 'dev',
      port: 0,
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  const register = (headers: Record<string, string>) =>
    fetch(`${server.url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ email: uniqueEmail(), password: TEST_PASSWORD }),
    }).then((res) => res.status);
  const login = (headers: Record<string, string>) =>
    fetch(`${server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ email: uniqueEmail(), password: 'not the password' }),
    }).then((res) => res.status);
  const viaFront = (client: string) => ({ 'x-forwarded-for': `198.51.100.1, ${client}`, 'x-b2-front': FRONT_KEY });

  it('counts registrations and logins per client the front names, so one client’s limit is not everyone’s', async () => {
    expect([await register(viaFront('10.0.0.1')), await register(viaFront('10.0.0.1'))]).toEqual([201, 201]);
    expect(await register(viaFront('10.0.0.1'))).toBe(429);
    expect(await register(viaFront('10.0.0.2'))).toBe(201);
    expect([await login(viaFront('10.0.0.3')), await login(viaFront('10.0.0.3'))]).toEqual([401, 401]);
    expect(await login(viaFront('10.0.0.3'))).toBe(429);
    expect(await login(viaFront('10.0.0.4'))).toBe(401);
  });

  it('believes X-Forwarded-For only from the front: without its key a client is its socket’s address', async () => {
    const forged = (client: string) => ({ 'x-forwarded-for': client, 'x-b2-front': 'guessed' });
    expect(await login(forged('10.9.0.1'))).toBe(401);
    expect(await login(forged('10.9.0.2'))).toBe(401);
    // Two "different" forged clients were one socket address: the third login is over its limit.
    expect(await login(forged('10.9.0.3'))).toBe(429);
  });
});
