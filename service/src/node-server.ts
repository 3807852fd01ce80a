import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAdaptorServer } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { isApiPath } from './app';
import { ApiError } from './errors';
import type { AppEnv } from './http/app-env';
import { handleError, handleNotFound } from './http/error-handler';
import { webHeaderValues, webSecurityHeaders } from './http/security-headers';
import { logger } from './observability';
import { SETTING } from './settings';

export interface NodeServerProps {
  /** The B2 API app, exactly as Lambda runs it. */
  readonly api: Hono<AppEnv>;
  readonly environment: string;
  /**
   * The built web front end, served at `/`.
   * @default none: only the API and `/config.json`
   */
  readonly webDir?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** @default '127.0.0.1': reachable from this machine only */
  readonly host?: string;
  /**
   * TEST ONLY: every API response is delayed this long, so the load gate can prove it fails a slow build.
   * @default 0
   */
  readonly testDelayMs?: number;
  /**
   * TEST ONLY: the requests `testDelayMs` applies to (`failingRequest` names), so the load gate
   * can prove it fails a build slower on some endpoints only.
   * @default every API request
   */
  readonly testDelayRequests?: readonly string[];
  /**
   * TEST ONLY: requests the server answers 500 instead of serving (`failingRequest`), so the
   * smoke gate can prove it fails a release with a broken endpoint.
   * @default none
   */
  readonly testFailRequests?: readonly string[];
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  /**
   * Stops taking connections, lets the requests in flight finish (their connections close after
   * the answer), then resolves. Connections still busy after `graceMs` are cut.
   */
  close(graceMs?: number): Promise<void>;
}

/** A new connection after SIGTERM is refused; one still busy after this long is cut (the engine's grace is 10 s). */
const DEFAULT_GRACE_MS = 8_000;

/**
 * TEST ONLY: a request name as the load test writes it — `METHOD /path`, `:name` for any one
 * segment, and `?param` when the query must hold that parameter (`GET /memories?q` is a search,
 * not a list) — as a matcher. Throws on a name of another form.
 */
export function failingRequest(
  name: string,
  setting: string = SETTING.testFailRequests,
): (method: string, url: URL) => boolean {
  const parts = /^([A-Z]+) (\/[^?\s]*)(?:\?([\w-]+))?$/.exec(name.trim());
  if (!parts) {
    throw new Error(`${setting}: '${name}' is not a request name like 'GET /memories?q' or 'GET /memories/:id'`);
  }
  const [, method, path, param] = parts;
  const segments = path.split('/');
  return (requestMethod, url) => {
    const actual = url.pathname.split('/');
    return (
      requestMethod === method &&
      actual.length === segments.length &&
      segments.every((s, i) => s.startsWith(':') || s === actual[i]) &&
      (param === undefined || url.searchParams.has(param))
    );
  };
}

/** Vite names the files under `assets/` by their content hash: they never change, the rest may. */
function cacheControl(file: string): string {
  return /[\\/]assets[\\/]/.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache';
}

/**
 * The plain-Node server of the local run: the same API app as on Lambda, plus what CloudFront
 * and S3 serve on AWS — the web front end at `/` and its `/config.json` (`apiUrl: ''` means the
 * API is on the same origin).
 */
export async function startNodeServer(props: NodeServerProps): Promise<RunningServer> {
  const host = props.host ?? '127.0.0.1';
  const delayMs = props.testDelayMs ?? 0;
  const failing = (props.testFailRequests ?? []).map((name) => ({ name, matches: failingRequest(name) }));
  const delayed = (props.testDelayRequests ?? []).map((name) => failingRequest(name, SETTING.testDelayRequests));
  let closing = false;

  const root = new Hono();
  root.onError(handleError);
  root.notFound(handleNotFound);
  root.use(async (c, next) => {
    await next();
    // Keep-alive connections end with the answer once the server is stopping, so it can finish.
    if (closing) c.header('Connection', 'close');
  });
  // The web front end's answers carry the headers CloudFront adds on AWS; the API sets its own.
  const webHeaders = webHeaderValues(webSecurityHeaders());
  root.use(async (c, next) => {
    await next();
    if (isApiPath(c.req.path)) return;
    for (const [name, value] of Object.entries(webHeaders)) c.header(name, value);
  });
  root.get('/config.json', (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json({ environment: props.environment, apiUrl: '' });
  });
  root.all('*', async (c, next) => {
    if (!isApiPath(c.req.path)) return next();
    const url = new URL(c.req.url);
    if (delayMs > 0 && (delayed.length === 0 || delayed.some((matches) => matches(c.req.method, url)))) {
      await sleep(delayMs);
    }
    const fault = failing.find((f) => f.matches(c.req.method, url));
    if (fault) throw new ApiError(500, 'internal_error', `TEST ONLY: this server fails ${fault.name}`);
    return props.api.fetch(c.req.raw, c.env);
  });
  if (props.webDir && existsSync(props.webDir)) {
    root.use(
      '*',
      serveStatic({ root: props.webDir, onFound: (file, c) => c.header('Cache-Control', cacheControl(file)) }),
    );
  } else if (props.webDir) {
    logger.warn('the web front end is not built: serving the API only', { webDir: props.webDir });
  }

  const server = createAdaptorServer({ fetch: root.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`port ${props.port} on ${host} is in use by another program: stop it, or choose another port`)
          : err,
      );
    });
    server.listen(props.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    close(graceMs = DEFAULT_GRACE_MS) {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        const cut = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closed;
    },
  };
}
