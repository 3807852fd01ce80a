import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrafficFront } from '../../pipeline/local/environments/traffic-front';
import { SETTING } from '../../service/src/settings';
import { LocalEnvironment, useLocalEnvironments } from '../harness/local-environment';
import { RawAnswer, rawRequest } from '../harness/raw-http';

/**
 * The local edge as a hostile client finds it: a real release (its plain-Node server on DynamoDB
 * Local) behind the environment's traffic front, sent requests by hand over loopback. Neither
 * may answer a client's malformed request with a 5xx, blame the release for it, or lose one of
 * the front's connections to it.
 */

const environments = useLocalEnvironments();
const RELEASE = 'release-under-test';

/** The fuzz run's size: bounded in count and in time, loopback only. */
const FUZZ_CASES = Number(process.env.B2_FUZZ_CASES || 400);
const FUZZ_TIME_LIMIT_MS = 180_000;

const HIGH_SEVERITY = {
  'Expect: 100-continue':
    'POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n' +
    'Expect: 100-continue\r\nConnection: close\r\n\r\n{}',
  'a target of *': 'OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
  'a malformed Host': 'GET /health HTTP/1.1\r\nHost: [zz\r\nConnection: close\r\n\r\n',
};

const HEALTH = 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n';

describe('the local edge facing a hostile client', () => {
  const front = new TrafficFront({ port: 0 });
  let port: number;
  let release: LocalEnvironment;

  beforeAll(async () => {
    port = await front.listen();
    release = await environments.start({
      settings: {
        [SETTING.frontKey]: front.key,
        [SETTING.rateLimitRegisterPerAddress]: '3',
        [SETTING.rateLimitLoginPerAddress]: '3',
      },
    });
    front.setRoutes([{ upstream: { releaseId: RELEASE, origin: release.url }, weight: 100 }]);
  });

  afterAll(async () => {
    await front.close();
  });

  /** What the release's alarms and judge read: nothing a client did may show up here. */
  function expectReleaseUnblamed(): void {
    expect(front.metricsOf(RELEASE).errors).toBe(0);
    expect(front.connectionsOf(RELEASE)).toMatchObject({ running: 0, waiting: 0 });
  }

  function expectJsonError(answer: RawAnswer): void {
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.json).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  }

  it.each(Object.entries(HIGH_SEVERITY))(
    'answers %s 200 times without a 5xx, then a normal request within 100 ms, and the release’s error rate stays 0',
    async (_, request) => {
      for (let i = 0; i < 200; i++) {
        const answer = await rawRequest(port, request);
        expect(answer.status).toBeGreaterThanOrEqual(200);
        expect(answer.status).toBeLessThan(500);
      }
      const sentAt = performance.now();
      const normal = await rawRequest(port, HEALTH);
      expect(normal.status).toBe(200);
      expect(performance.now() - sentAt).toBeLessThan(100);
      expectReleaseUnblamed();
    },
  );

  it('answers oversized headers, a long URL and invalid UTF-8 with the JSON error', async () => {
    const headers = await rawRequest(port, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(headers.status).toBe(431);
    expectJsonError(headers);
    const url = await rawRequest(port, `GET /memories?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(url.status).toBe(431);
    expectJsonError(url);
    const latin1 = Buffer.from('{"email":"caf\xe9@example.com","password":"x"}', 'latin1');
    const head = `POST /auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${latin1.length}\r\nConnection: close\r\n\r\n`;
    const utf8 = await rawRequest(port, Buffer.concat([Buffer.from(head), latin1]));
    expect(utf8.status).toBe(400);
    expect(utf8.json).toMatchObject({ error: { code: 'invalid_json' } });
    expectReleaseUnblamed();
  });

  it('counts sign-ups per client the front names: one client over its limit leaves another free', async () => {
    const register = (localAddress: string, n: number): Promise<RawAnswer> => {
      const body = JSON.stringify({
        email: `edge-${localAddress}-${n}-${Date.now()}@example.com`,
        password: 'edge of the map',
      });
      return rawRequest(
        port,
        `POST /auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `X-Forwarded-For: 127.0.0.9\r\nConnection: close\r\n\r\n${body}`,
        { localAddress },
      );
    };
    const first = [];
    for (let n = 0; n < 4; n++) first.push((await register('127.0.0.2', n)).status);
    expect(first).toEqual([201, 201, 201, 429]);
    // A forged X-Forwarded-For did not make 127.0.0.2 someone else; 127.0.0.3 is.
    expect((await register('127.0.0.3', 0)).status).toBe(201);
  });

  it('holds against generated malformed requests: no 5xx, the JSON error on every error, nothing lost', async () => {
    const statuses = new Map<number, number>();
    const codes = new Map<string, number>();
    const servedBefore = front.metricsOf(RELEASE).requests;
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(malformedRequest(), async (request) => {
        sent += 1;
        const answer = await rawRequest(port, request.bytes, { timeoutMs: 5_000 });
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const code = (answer.json as { error?: { code?: string } } | undefined)?.error?.code ?? `${answer.status}`;
        codes.set(code, (codes.get(code) ?? 0) + 1);
        // Every request gets an answer: the front never leaves a client hanging on a release.
        expect(answer.status, request.summary).toBeGreaterThanOrEqual(100);
        expect(answer.status, request.summary).toBeLessThan(500);
        if (answer.status >= 400 && request.method !== 'HEAD') expectJsonError(answer);
      }),
      { numRuns: FUZZ_CASES, interruptAfterTimeLimit: FUZZ_TIME_LIMIT_MS, markInterruptAsFailure: false },
    );
    // Every connection the front had to the release still works: more requests at once than it has.
    const burst = await Promise.all(Array.from({ length: 80 }, () => rawRequest(port, HEALTH)));
    expect(burst.every((answer) => answer.status === 200)).toBe(true);
    expectReleaseUnblamed();
    const fiveHundreds = [...statuses].filter(([status]) => status >= 500).reduce((sum, [, n]) => sum + n, 0);
    console.info(
      `edge fuzz: ${sent} cases, ${front.metricsOf(RELEASE).requests - servedBefore - burst.length} reached the release, ` +
        `${fiveHundreds} 5xx, connections lost ${front.connectionsOf(RELEASE).running}, ` +
        `statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}, ` +
        `answers ${JSON.stringify(Object.fromEntries(codes))}`,
    );
    expect(sent).toBeGreaterThanOrEqual(Math.min(FUZZ_CASES, 100));
  });
});

interface GeneratedRequest {
  readonly method: string;
  readonly bytes: Buffer;
  /** What the request was, for a failing case's message. */
  readonly summary: string;
}

const API_PATHS = ['/health', '/auth/register', '/auth/login', '/auth/refresh', '/memories', '/categories', '/'];

/** Requests as a careless or hostile client writes them: odd methods, targets, headers, bodies and encodings. */
function malformedRequest(): fc.Arbitrary<GeneratedRequest> {
  // Most requests are well enough formed to reach the release; the rest test the front's refusals.
  const method = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS', 'HEAD') },
    { weight: 1, arbitrary: fc.constantFrom('TRACE', 'PROPFIND', 'CONNECT', 'get', 'G ET', 'GET\t', '') },
    { weight: 1, arbitrary: fc.stringMatching(/^[A-Z]{1,12}$/) },
  );
  const target = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...API_PATHS) },
    fc.constantFrom(
      '*',
      '//',
      '/..%2f..%2fetc/passwd',
      '/%zz',
      '/memories/%00',
      'http://b2.example/health',
      'ftp://x/',
    ),
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...API_PATHS), fc.string({ unit: 'grapheme-ascii', maxLength: 40 }))
        .map(([p, tail]) => `${p}${encodeURI(tail)}`),
    },
    fc
      .tuple(fc.constantFrom('/memories?', '/memories/', '/auth/'), fc.string({ unit: 'binary', maxLength: 30 }))
      .map(([p, tail]) => `${p}${tail}`),
  );
  const host = fc.oneof(
    { weight: 6, arbitrary: fc.constant('127.0.0.1') },
    fc.constantFrom('', '[zz', 'a b', 'x:99999999', '127.0.0.1:abc', 'exa\tmple', '[::1]:4100', 'b2.example'),
    fc.string({ unit: 'grapheme-ascii', maxLength: 20 }),
  );
  const header = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        'Expect: 100-continue',
        'Expect: 200-ok',
        'Content-Length: -1',
        'Content-Length: 3, 4',
        'Content-Type: application/json',
        'Content-Type: application/json; charset=latin1',
        'Content-Type: text/plain',
        'Authorization: Bearer e30.e30.',
        'Authorization: Basic Zm9vOmJhcg==',
        'X-Forwarded-For: 10.0.0.1, garbage',
        'X-B2-Pin: candidate',
        'X-B2-Front: forged',
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Origin: null',
        ' Folded: header',
      ),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.stringMatching(/^[A-Za-z-]{1,20}$/), fc.string({ unit: 'grapheme-ascii', maxLength: 40 }))
        .map(([name, value]) => `${name}: ${value}`),
    },
    // Control characters, CR and LF in a value: header injection and response splitting attempts.
    fc
      .tuple(fc.stringMatching(/^[A-Za-z-]{1,20}$/), fc.string({ unit: 'binary', maxLength: 40 }))
      .map(([name, value]) => `${name}: ${value}`),
  );
  const body = fc.oneof(
    fc.constant(Buffer.alloc(0)),
    fc.json({ maxDepth: 3 }).map((json) => Buffer.from(json)),
    fc.constantFrom(
      Buffer.from('{"email":"a@b.example","password":"correct horse battery"}'),
      Buffer.from('{"text":"caf\xe9","category":"x"}', 'latin1'),
      Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
      Buffer.from('{"a":' + '['.repeat(5000)),
    ),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  );
  return fc
    .record({
      method,
      target,
      version: fc.constantFrom(...Array<string>(8).fill('HTTP/1.1'), 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 extra'),
      host: fc.option(host, { nil: undefined, freq: 10 }),
      headers: fc.array(header, { maxLength: 4 }),
      body,
      framing: fc.constantFrom('length', 'length', 'none', 'short', 'chunked', 'chunked-and-length', 'gzip-chunked'),
    })
    .map(({ method: m, target: t, version, host: h, headers, body: b, framing }) => {
      const lines = [`${m} ${t} ${version}`];
      if (h !== undefined) lines.push(`Host: ${h}`);
      lines.push(...headers);
      // Every message is complete, however framed, so every one is owed an answer: 'short' declares
      // fewer bytes than are sent (the rest is a next message), 'chunked-and-length' is the
      // request-smuggling pair RFC 9112 §6.3 says to refuse.
      let sent = b;
      if (framing === 'length') lines.push(`Content-Length: ${b.length}`);
      if (framing === 'short' && b.length > 0) lines.push(`Content-Length: ${Math.floor(b.length / 2)}`);
      if (framing.includes('chunked')) {
        lines.push(framing === 'gzip-chunked' ? 'Transfer-Encoding: gzip, chunked' : 'Transfer-Encoding: chunked');
        if (framing === 'chunked-and-length') lines.push(`Content-Length: ${b.length}`);
        const chunk = b.length > 0 ? [Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')] : [];
        sent = Buffer.concat([...chunk, Buffer.from('0\r\n\r\n')]);
      }
      lines.push('Connection: close');
      const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
      const summary = `${lines.join(' | ').slice(0, 300)} + ${b.length} body bytes (${framing})`;
      return { method: m, bytes: Buffer.concat([head, sent]), summary };
    });
}
