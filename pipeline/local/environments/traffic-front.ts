import { randomBytes } from 'node:crypto';
import { createServer, IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { Pool } from 'undici';
import { errorBody, ForwardTarget, forwardTarget, isRefusal, parserRefusal, refuseOnSocket } from './client-faults';
import { EndpointSamples, MetricsSnapshot, ReleaseMetrics } from './release-metrics';
import { endpointOfRequest } from '../../../loadtest/profile';
import { FRONT_KEY_HEADER } from '../../../service/src/http/client-address';

/** A release that can take traffic: its id and where it listens. */
export interface Upstream {
  readonly releaseId: string;
  readonly origin: string;
}

export interface Route {
  readonly upstream: Upstream;
  /** Share of new requests, in percent; the shares of all routes add up to 100. */
  readonly weight: number;
  /** Whether the release is the one live before this deploy, or the one being deployed. @default 'live' */
  readonly role?: ReleaseRole;
}

export type ReleaseRole = 'live' | 'candidate';

/**
 * A request carrying this header goes to the release of that role while both are live, whatever
 * the weights: the engine's synthetic users split their sessions evenly between the candidate and
 * the live release, so that the canary judge compares equal samples taken at the same time (as
 * Kayenta compares a canary with a baseline of the same size). People's requests never carry it.
 */
export const PIN_HEADER = 'x-b2-pin';

/**
 * The synthetic users' own set-up (signing up, seeding memories) carries this header: served like
 * any request, but not filed under the profile's endpoints, so it is never judged as a session.
 */
export const SETUP_HEADER = 'x-b2-setup';

export interface TrafficFrontProps {
  readonly port: number;
  /** @default '127.0.0.1' — environments are reachable from this machine only. */
  readonly host?: string;
  /** Requests are buffered so a refused connection can go to another release; this caps the buffer. @default 1 MiB */
  readonly maxBodyBytes?: number;
  /**
   * What the front presents to its releases in `X-B2-Front`, so they believe the client address
   * it appends to `X-Forwarded-For` (their SETTING.frontKey). @default a random key of this front
   */
  readonly key?: string;
}

/**
 * Headers that describe one connection, not the message; never forwarded (RFC 9110 §7.6.1).
 * `Expect: 100-continue` is met here (Node answers 100 before the body is read, which the front
 * buffers), so the release never sees it.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'expect',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function forwardable(
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
  alsoDrop: readonly string[] = [],
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value !== undefined && !HOP_BY_HOP.has(lower) && !alsoDrop.includes(lower)) out[name] = value;
  }
  return out;
}

/** A connection that was never established: the release did not see the request, so another may take it. */
function neverDelivered(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'ECONNREFUSED' || code === 'UND_ERR_CLOSED' || code === 'UND_ERR_DESTROYED';
}

/**
 * undici refused to send the request as it was given: the client's request, not the release, is
 * at fault. The front checks what it knows undici refuses first; this is the net for the rest.
 */
function refusedByClient(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED';
}

/** Upstream connections per release: more than the local load gates keep busy at once. */
const UPSTREAM_CONNECTIONS = 64;

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
    // A body cut short: the client hung up, or its framing was malformed and the exchange answered.
    req.on('close', () => {
      if (!req.complete) reject(new Error('the request body ended early'));
    });
  });
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-content-type-options': 'nosniff' });
  res.end(errorBody(code, message));
}

/** The front's connections to one release, as undici counts them. */
export interface UpstreamConnections {
  /** Requests sent and not yet answered. */
  readonly running: number;
  /** Requests waiting for a free connection. */
  readonly waiting: number;
  readonly connected: number;
}

const newPool = (origin: string): Pool => new Pool(origin, { connections: UPSTREAM_CONNECTIONS, pipelining: 1 });

/**
 * The environment's front door: one localhost port that routes each request to a live release
 * by weight (blue/green flips the weights, a canary splits them), keeps per-release metrics
 * that act as the alarms, and counts in-flight requests so a release is stopped only once drained.
 */
export class TrafficFront {
  private server?: Server;
  private routes: Route[] = [];
  private readonly pools = new Map<string, Pool>();
  private readonly inflight = new Map<string, number>();
  private readonly metrics = new Map<string, ReleaseMetrics>();
  /** The exchange each client connection is in, to answer a parse error on it in order. */
  private readonly exchanges = new WeakMap<Socket, { req: IncomingMessage; res: ServerResponse }>();
  private readonly maxBodyBytes: number;
  /** The key the releases behind this front are started with (SETTING.frontKey). */
  readonly key: string;

  constructor(private readonly props: TrafficFrontProps) {
    this.maxBodyBytes = props.maxBodyBytes ?? 1024 * 1024;
    this.key = props.key ?? randomBytes(32).toString('base64url');
  }

  /** Starts listening; rejects with EADDRINUSE when the port is taken. */
  listen(): Promise<number> {
    // The front checks the Host itself, to answer a missing one with the JSON error like any other.
    const server = createServer({ requireHostHeader: false }, (req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 5_000;
    // What Node answers itself for a client's malformed request gets the JSON error shape too.
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => this.onParseError(err, socket));
    server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) =>
      sendError(res, 417, 'expectation_failed', 'the only expectation this API meets is Expect: 100-continue'),
    );
    server.on('connect', (_req: IncomingMessage, socket: Socket) =>
      refuseOnSocket(socket, { status: 405, code: 'method_not_allowed', message: 'this API is not a proxy' }),
    );
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.props.port, this.props.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  }

  /** Replaces the routing table; requests already routed finish where they went. */
  setRoutes(routes: Route[]): void {
    const total = routes.reduce((sum, r) => sum + r.weight, 0);
    if (routes.length > 0 && Math.abs(total - 100) > 1e-9) throw new Error(`route weights add up to ${total}, not 100`);
    for (const { upstream } of routes) {
      if (!this.pools.has(upstream.releaseId)) {
        this.pools.set(upstream.releaseId, newPool(upstream.origin));
      }
      if (!this.metrics.has(upstream.releaseId)) this.metrics.set(upstream.releaseId, new ReleaseMetrics());
    }
    this.routes = routes;
  }

  get currentRoutes(): readonly Route[] {
    return this.routes;
  }

  inflightOf(releaseId: string): number {
    return this.inflight.get(releaseId) ?? 0;
  }

  metricsOf(releaseId: string, since?: number, until?: number): MetricsSnapshot {
    return (this.metrics.get(releaseId) ?? new ReleaseMetrics()).snapshot(since, Date.now(), until);
  }

  /** Per endpoint of the load profile, what the release served since `since`: the canary judge's samples. */
  samplesOf(releaseId: string, since?: number): Record<string, EndpointSamples> {
    return (this.metrics.get(releaseId) ?? new ReleaseMetrics()).endpointSamples(since);
  }

  /** When the release served its first request, and first failed one, through this front (epoch ms). */
  firstsOf(releaseId: string): { readonly firstServedAt?: number; readonly firstFaultAt?: number } {
    const metrics = this.metrics.get(releaseId);
    return { firstServedAt: metrics?.firstServedAt, firstFaultAt: metrics?.firstFaultAt };
  }

  /** The front's connections to the release: all idle once nothing is in flight, unless one was lost. */
  connectionsOf(releaseId: string): UpstreamConnections {
    const stats = this.pools.get(releaseId)?.stats;
    return { running: stats?.running ?? 0, waiting: stats?.pending ?? 0, connected: stats?.connected ?? 0 };
  }

  /** Waits until no request is in flight to the release (bounded), then closes its connections. */
  async drain(releaseId: string, timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.inflightOf(releaseId) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    const drained = this.inflightOf(releaseId) === 0;
    const pool = this.pools.get(releaseId);
    this.pools.delete(releaseId);
    await pool?.close().catch(() => undefined);
    return drained;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
    await Promise.all([...this.pools.values()].map((p) => p.close().catch(() => undefined)));
  }

  private pick(exclude?: string, pin?: ReleaseRole): Route | undefined {
    const candidates = this.routes.filter((r) => r.weight > 0 && r.upstream.releaseId !== exclude);
    const pinned = pin && candidates.length > 1 ? candidates.find((r) => (r.role ?? 'live') === pin) : undefined;
    if (pinned) return pinned;
    const total = candidates.reduce((sum, r) => sum + r.weight, 0);
    let ticket = Math.random() * total;
    for (const route of candidates) {
      ticket -= route.weight;
      if (ticket < 0) return route;
    }
    return candidates[candidates.length - 1];
  }

  /**
   * undici 7 keeps the connection slot of a request it refused to send: a fresh pool for the
   * release, so that no client's request costs the environment a connection.
   */
  private renewPool(releaseId: string): void {
    const pool = this.pools.get(releaseId);
    const route = this.routes.find((r) => r.upstream.releaseId === releaseId);
    if (!pool || !route) return;
    this.pools.set(releaseId, newPool(route.upstream.origin));
    void pool.close().catch(() => undefined);
  }

  /**
   * Node's parser gave up on what a client sent. Before any request on the connection, the
   * refusal is written on the socket. In the middle of a request's body (a malformed chunk), that
   * request is answered with it. While a complete request is being answered, that answer is
   * finished and the connection then closed: what followed it gets no second answer, so two
   * answers never interleave. On a keep-alive connection whose last answer is complete, the
   * refusal is written as the next answer.
   */
  private onParseError(err: NodeJS.ErrnoException, socket: Socket): void {
    const refusal = parserRefusal(err);
    const exchange = this.exchanges.get(socket);
    if (!exchange) return refuseOnSocket(socket, refusal);
    const { req, res } = exchange;
    if (!req.complete && !res.headersSent) {
      res.shouldKeepAlive = false;
      return sendError(res, refusal.status, refusal.code, refusal.message);
    }
    if (res.writableFinished) return res.shouldKeepAlive ? refuseOnSocket(socket, refusal) : void socket.destroy();
    res.shouldKeepAlive = false;
    res.once('finish', () => socket.end());
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.exchanges.set(req.socket, { req, res });
    const target = forwardTarget(req);
    if (isRefusal(target)) {
      // Answered before the body is read: the connection closes rather than wait for it.
      res.shouldKeepAlive = false;
      return sendError(res, target.status, target.code, target.message);
    }
    const body = await readBody(req, this.maxBodyBytes).catch(() => undefined);
    // Answered already (a malformed body) or nobody to answer (the client hung up).
    if (body === undefined) return;
    if (body === 'too-large') return sendError(res, 413, 'payload_too_large', 'The request body is too large.');

    const pinHeader = req.headers[PIN_HEADER];
    const pin = pinHeader === 'candidate' || pinHeader === 'live' ? pinHeader : undefined;
    let route: Route | undefined = this.pick(undefined, pin);
    if (!route) return sendError(res, 503, 'no_release', 'No release of this environment is live.');
    const endpoint = req.headers[SETUP_HEADER] ? undefined : endpointOfRequest(req.method ?? 'GET', req.url ?? '/');
    // A client that hangs up before its answer is complete ended the exchange, not the release.
    let clientGone = false;
    res.once('close', () => (clientGone = !res.writableFinished));
    const tried = new Set<string>();
    for (;;) {
      const releaseId: string = route.upstream.releaseId;
      tried.add(releaseId);
      const started = performance.now();
      this.inflight.set(releaseId, this.inflightOf(releaseId) + 1);
      try {
        await this.forward(req, res, target, body, route, releaseId);
        this.metrics.get(releaseId)?.record(res.statusCode, performance.now() - started, endpoint);
        return;
      } catch (err) {
        if (clientGone) return void res.destroy();
        if (refusedByClient(err)) {
          this.renewPool(releaseId);
          if (!res.headersSent) sendError(res, 400, 'bad_request', 'the request cannot be forwarded as it is');
          else res.destroy();
          return;
        }
        const next: Route | undefined = neverDelivered(err) && !res.headersSent ? this.pick(releaseId) : undefined;
        if (next && !tried.has(next.upstream.releaseId)) {
          route = next;
          continue;
        }
        this.metrics.get(releaseId)?.record(502, performance.now() - started, endpoint);
        if (!res.headersSent) sendError(res, 502, 'release_unavailable', 'The release did not answer.');
        else res.destroy();
        return;
      } finally {
        this.inflight.set(releaseId, this.inflightOf(releaseId) - 1);
      }
    }
  }

  private async forward(
    req: IncomingMessage,
    res: ServerResponse,
    target: ForwardTarget,
    body: Buffer,
    route: Route,
    releaseId: string,
  ): Promise<void> {
    const pool = this.pools.get(releaseId);
    if (!pool) throw Object.assign(new Error('release closed'), { code: 'UND_ERR_CLOSED' });
    const client = req.socket.remoteAddress ?? '127.0.0.1';
    const prior = req.headers['x-forwarded-for'];
    const upstream = await pool.request({
      path: target.path,
      method: req.method as 'GET',
      headers: {
        // The body was buffered: undici sets its length; the host is the environment's, as the client sent it.
        ...forwardable(req.headers, ['host', 'content-length', PIN_HEADER, SETUP_HEADER, FRONT_KEY_HEADER]),
        host: target.host ?? new URL(route.upstream.origin).host,
        // The release believes only the last entry, and only with the key: the rest is the client's word.
        'x-forwarded-for': prior ? `${String(prior)}, ${client}` : client,
        [FRONT_KEY_HEADER]: this.key,
        'x-forwarded-proto': 'http',
      },
      body: body.length > 0 ? body : undefined,
    });
    res.writeHead(upstream.statusCode, { ...forwardable(upstream.headers), 'x-b2-release': releaseId });
    for await (const chunk of upstream.body) res.write(chunk);
    res.end();
  }
}
