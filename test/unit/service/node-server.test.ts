import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../pipeline/local/environments/free-port';
import { RunningServer, startNodeServer } from '../../../service/src/node-server';
import { useDynamoDbLocal } from '../../harness/dynamodb-local';
import { testApp } from '../../harness/service-app';

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
});
