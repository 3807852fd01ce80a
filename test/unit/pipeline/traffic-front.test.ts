import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../pipeline/local/environments/free-port';
import { TrafficFront, Upstream } from '../../../pipeline/local/environments/traffic-front';
import { rawRequest } from '../../harness/raw-http';

interface FakeRelease {
  readonly upstream: Upstream;
  readonly server: Server;
}

/** A stand-in release: answers with its own name, or with `status`, after `delayMs`. */
async function release(releaseId: string, options: { status?: number; delayMs?: number } = {}): Promise<FakeRelease> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () =>
      setTimeout(() => {
        res.writeHead(options.status ?? 200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            releaseId,
            method: req.method,
            url: req.url,
            headers: req.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      }, options.delayMs ?? 0),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { upstream: { releaseId, origin: `http://127.0.0.1:${port}` }, server };
}

describe('the traffic front', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    await Promise.all(cleanup.splice(0).map((fn) => fn()));
  });

  async function front(): Promise<{ front: TrafficFront; url: string }> {
    const f = new TrafficFront({ port: await freePort() });
    const port = await f.listen();
    cleanup.push(() => f.close());
    return { front: f, url: `http://127.0.0.1:${port}` };
  }

  async function started(releaseId: string, options?: { status?: number; delayMs?: number }): Promise<FakeRelease> {
    const r = await release(releaseId, options);
    cleanup.push(() => new Promise((resolve) => r.server.close(resolve)));
    return r;
  }

  it('answers 503 with a JSON error while no release is live', async () => {
    const { url } = await front();
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: { code: 'no_release', message: expect.any(String) } });
  });

  it('sends every request to the release with all the weight and names it in a header', async () => {
    const { front: f, url } = await front();
    const blue = await started('blue');
    const green = await started('green');
    f.setRoutes([{ upstream: blue.upstream, weight: 100 }]);
    expect((await fetch(url)).headers.get('x-b2-release')).toBe('blue');
    f.setRoutes([
      { upstream: blue.upstream, weight: 0 },
      { upstream: green.upstream, weight: 100 },
    ]);
    const res = await fetch(`${url}/memories`, { method: 'POST', body: '{"text":"kept"}' });
    expect(res.headers.get('x-b2-release')).toBe('green');
    expect(await res.json()).toMatchObject({ releaseId: 'green', method: 'POST', body: '{"text":"kept"}' });
  });

  it('splits new requests by weight for a canary', async () => {
    const { front: f, url } = await front();
    const stable = await started('stable');
    const canary = await started('canary');
    f.setRoutes([
      { upstream: stable.upstream, weight: 80 },
      { upstream: canary.upstream, weight: 20 },
    ]);
    const served = await Promise.all(
      Array.from({ length: 400 }, () => fetch(url).then((r) => r.headers.get('x-b2-release'))),
    );
    const canaryShare = served.filter((id) => id === 'canary').length / served.length;
    expect(canaryShare).toBeGreaterThan(0.1);
    expect(canaryShare).toBeLessThan(0.3);
  });

  it('rejects weights that do not add up to 100', async () => {
    const { front: f } = await front();
    const blue = await started('blue');
    expect(() => f.setRoutes([{ upstream: blue.upstream, weight: 50 }])).toThrow('route weights add up to 50, not 100');
  });

  it('sends a request the release refused to connect to on to another live release', async () => {
    const { front: f, url } = await front();
    const gone = await release('gone');
    await new Promise((resolve) => gone.server.close(resolve));
    const live = await started('live');
    f.setRoutes([
      { upstream: gone.upstream, weight: 50 },
      { upstream: live.upstream, weight: 50 },
    ]);
    const statuses = await Promise.all(Array.from({ length: 40 }, () => fetch(url).then((r) => r.status)));
    expect(statuses.every((s) => s === 200)).toBe(true);
  });

  it('counts 5xx answers and latency per release, as the alarms read them', async () => {
    const { front: f, url } = await front();
    const broken = await started('broken', { status: 500 });
    const slow = await started('slow', { delayMs: 120 });
    const since = Date.now();
    f.setRoutes([{ upstream: broken.upstream, weight: 100 }]);
    await Promise.all(Array.from({ length: 10 }, () => fetch(url)));
    f.setRoutes([{ upstream: slow.upstream, weight: 100 }]);
    await Promise.all(Array.from({ length: 10 }, () => fetch(url)));
    expect(f.metricsOf('broken', since)).toMatchObject({ requests: 10, errors: 10, errorRate: 1 });
    const slowMetrics = f.metricsOf('slow', since);
    expect(slowMetrics.errors).toBe(0);
    expect(slowMetrics.p95Ms).toBeGreaterThanOrEqual(120);
  });

  it('drains a release only after its in-flight requests have finished', async () => {
    const { front: f, url } = await front();
    const old = await started('old', { delayMs: 300 });
    const next = await started('next');
    f.setRoutes([{ upstream: old.upstream, weight: 100 }]);
    const inFlight = fetch(url);
    await new Promise((r) => setTimeout(r, 50));
    f.setRoutes([{ upstream: next.upstream, weight: 100 }]);
    expect(f.inflightOf('old')).toBe(1);
    const drained = await f.drain('old');
    expect(drained).toBe(true);
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.headers.get('x-b2-release')).toBe('old');
  });

  describe('counts only the release’s own faults against it', () => {
    it('never counts a 4xx the release gave a client’s bad request', async () => {
      const { front: f, url } = await front();
      const refusing = await started('refusing', { status: 400 });
      f.setRoutes([{ upstream: refusing.upstream, weight: 100 }]);
      for (let i = 0; i < 5; i++) expect((await fetch(`${url}/memories`)).status).toBe(400);
      expect(f.metricsOf('refusing')).toMatchObject({ requests: 5, errors: 0 });
    });

    it('does not blame the release for a client that hangs up before its answer', async () => {
      const { front: f, url } = await front();
      const slow = await started('slow', { delayMs: 300 });
      f.setRoutes([{ upstream: slow.upstream, weight: 100 }]);
      await expect(fetch(`${url}/memories`, { signal: AbortSignal.timeout(50) })).rejects.toThrow();
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(f.metricsOf('slow').errors).toBe(0);
    });

    it('counts a 5xx and an unanswered request against the release', async () => {
      const { front: f, url } = await front();
      const failing = await started('failing', { status: 500 });
      f.setRoutes([{ upstream: failing.upstream, weight: 100 }]);
      expect((await fetch(`${url}/memories`)).status).toBe(500);
      await new Promise<void>((resolve) => failing.server.close(() => resolve()));
      failing.server.closeAllConnections();
      expect((await fetch(`${url}/memories`)).status).toBe(502);
      expect(f.metricsOf('failing')).toMatchObject({ requests: 2, errors: 2 });
    });
  });

  it('files requests under the load profile’s endpoints and sends pinned sessions to the release of that role', async () => {
    const { front: f, url } = await front();
    const live = await started('live');
    const candidate = await started('candidate');
    f.setRoutes([
      { upstream: live.upstream, weight: 90, role: 'live' },
      { upstream: candidate.upstream, weight: 10, role: 'candidate' },
    ]);
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${url}/memories?q=garden`, { headers: { 'x-b2-pin': 'candidate' } });
      expect(res.headers.get('x-b2-release')).toBe('candidate');
    }
    await fetch(`${url}/memories`, { method: 'POST', headers: { 'x-b2-setup': '1', 'x-b2-pin': 'live' }, body: '{}' });
    expect(Object.keys(f.samplesOf('candidate'))).toEqual(['search']);
    expect(f.samplesOf('candidate').search.latenciesMs).toHaveLength(10);
    expect(f.samplesOf('live')).toEqual({});
  });

  describe('answers a client’s malformed request itself, with the JSON error and without blaming a release', () => {
    async function fronted(): Promise<{ front: TrafficFront; port: number }> {
      const { front: f, url } = await front();
      const echo = await started('echo');
      f.setRoutes([{ upstream: echo.upstream, weight: 100 }]);
      return { front: f, port: Number(new URL(url).port) };
    }
    const errorOf = (code: string) => ({ error: { code, message: expect.any(String) } });

    it('meets Expect: 100-continue and forwards the body without the expectation', async () => {
      const { front: f, port } = await fronted();
      const answer = await rawRequest(
        port,
        'POST /memories HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n' +
          'Expect: 100-continue\r\nConnection: close\r\n\r\n{}',
      );
      expect(answer.status).toBe(200);
      expect(answer.json).toMatchObject({ releaseId: 'echo', body: '{}' });
      expect((answer.json as { headers: object }).headers).not.toHaveProperty('expect');
      expect(f.metricsOf('echo')).toMatchObject({ requests: 1, errors: 0 });
    });

    it.each([
      ['a target of *', 400, 'invalid_request_target', 'OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n'],
      ['a Host that is not a host', 400, 'invalid_host', 'GET /health HTTP/1.1\r\nHost: [zz\r\n'],
      ['a Host with a space', 400, 'invalid_host', 'GET /health HTTP/1.1\r\nHost: a b\r\n'],
      ['a Host the URL parser refuses', 400, 'invalid_host', 'GET /health HTTP/1.1\r\nHost: %\r\n'],
      ['an HTTP/1.1 request without a Host', 400, 'invalid_host', 'GET /health HTTP/1.1\r\n'],
      [
        'an expectation other than 100-continue',
        417,
        'expectation_failed',
        'GET /health HTTP/1.1\r\nHost: x\r\nExpect: gold\r\n',
      ],
      [
        'headers over 16 KiB',
        431,
        'headers_too_large',
        `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n`,
      ],
      ['a target over 16 KiB', 431, 'headers_too_large', `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n`],
      ['a request line that is not HTTP', 400, 'bad_request', 'GET /health HTTP/9.9\r\nHost: x\r\n'],
      ['CONNECT', 405, 'method_not_allowed', 'CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n'],
    ])('answers %s with %i %s and counts nothing against the release', async (_, status, code, head) => {
      const { front: f, port } = await fronted();
      const answer = await rawRequest(port, `${head}Connection: close\r\n\r\n`);
      expect(answer.status).toBe(status);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(answer.json).toEqual(errorOf(code));
      expect(f.metricsOf('echo')).toMatchObject({ requests: 0, errors: 0 });
    });

    it('forwards an absolute-form target as a path, with the Host it names', async () => {
      const { port } = await fronted();
      const answer = await rawRequest(
        port,
        'GET http://b2.example/memories?q=x HTTP/1.1\r\nHost: other.example\r\nConnection: close\r\n\r\n',
      );
      expect(answer.json).toMatchObject({ url: '/memories?q=x', headers: { host: 'b2.example' } });
    });

    it('loses no upstream connection to 200 of each such request: the next request is answered at once', async () => {
      const { front: f, port } = await fronted();
      const hostile = [
        'POST /memories HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n{}',
        'OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
        'GET /health HTTP/1.1\r\nHost: [zz\r\nConnection: close\r\n\r\n',
      ];
      for (const request of hostile) {
        for (let i = 0; i < 200; i++) expect((await rawRequest(port, request)).status).toBeLessThan(500);
      }
      const sentAt = performance.now();
      const normal = await rawRequest(port, 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      expect(normal.status).toBe(200);
      expect(performance.now() - sentAt).toBeLessThan(100);
      expect(f.metricsOf('echo').errors).toBe(0);
      expect(f.connectionsOf('echo')).toMatchObject({ running: 0, waiting: 0 });
    });
  });

  it('appends the client’s address to X-Forwarded-For and proves itself to the release with its key', async () => {
    const f = new TrafficFront({ port: await freePort(), key: 'front-key' });
    const port = await f.listen();
    cleanup.push(() => f.close());
    const echo = await started('echo');
    f.setRoutes([{ upstream: echo.upstream, weight: 100 }]);
    const answer = await rawRequest(
      port,
      'GET /health HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.9\r\nX-B2-Front: forged\r\nConnection: close\r\n\r\n',
      { localAddress: '127.0.0.7' },
    );
    expect(answer.json).toMatchObject({
      headers: { 'x-forwarded-for': '203.0.113.9, 127.0.0.7', 'x-b2-front': 'front-key' },
    });
  });
});
