import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/**
 * What the traffic front refuses before any release sees it: requests a client got wrong, which
 * an edge (API Gateway, CloudFront) answers itself on AWS. Each gets the API's JSON error shape
 * and a 4xx, and none counts against a release.
 */

export interface Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** Where a request goes on the release: its origin-form target and the Host it names. */
export interface ForwardTarget {
  readonly path: string;
  /** Undefined when the client sent none (HTTP/1.0): the release's own host is used. */
  readonly host?: string;
}

/**
 * RFC 3986's host: a registered name or an IP literal in brackets, then an optional port; and one
 * the WHATWG URL parser takes, as the release's server builds its request URL from it.
 */
const VALID_HOST = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;
const isValidHost = (host: string): boolean => VALID_HOST.test(host) && URL.canParse(`http://${host}/`);

/**
 * An origin-form target as undici forwards it: a path, then visible ASCII or Latin-1 only. Node's
 * parser lets some targets through that undici then refuses, and undici 7 keeps the connection
 * slot of a request it refused: a target it would refuse must never reach it.
 */
const VALID_PATH = /^\/[\u0021-\u00ff]*$/;

const refusal = (status: number, code: string, message: string): Refusal => ({ status, code, message });

/**
 * The target and Host to forward, or why the request is refused. An absolute-form target
 * (`GET http://host/path`) is what RFC 9112 §3.2.2 says a server must accept: its authority
 * replaces the Host. `*` (`OPTIONS *`) asks about the server, not a resource: no release has one.
 */
export function forwardTarget(req: IncomingMessage): ForwardTarget | Refusal {
  const raw = req.url ?? '';
  let path = raw;
  let host = req.headers.host;
  if (!raw.startsWith('/')) {
    const absolute = /^https?:\/\//i.test(raw) ? URL.parse(raw) : null;
    if (!absolute) {
      return refusal(400, 'invalid_request_target', "the request target must be a path starting with '/'");
    }
    path = `${absolute.pathname}${absolute.search}`;
    host = absolute.host;
  }
  if (!VALID_PATH.test(path)) {
    return refusal(400, 'invalid_request_target', 'the request target holds characters a URL path cannot');
  }
  if (host === undefined && req.httpVersion === '1.1') {
    return refusal(400, 'invalid_host', 'an HTTP/1.1 request must name its Host');
  }
  if (host !== undefined && !isValidHost(host)) {
    return refusal(400, 'invalid_host', 'the Host header is not a host name or address with an optional port');
  }
  return { path, host };
}

export const isRefusal = (value: ForwardTarget | Refusal): value is Refusal => 'status' in value;

/** The JSON error body every refusal carries: the API's own error shape. */
export const errorBody = (code: string, message: string): string => JSON.stringify({ error: { code, message } });

/**
 * Why Node's HTTP parser gave up on a connection, as the answer to write on its socket
 * (`clientError`): headers or target over the limit, a timeout, or a message that is not HTTP.
 */
export function parserRefusal(err: NodeJS.ErrnoException): Refusal {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return refusal(431, 'headers_too_large', 'the request line and headers are larger than the 16 KiB allowed');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return refusal(408, 'request_timeout', 'the request did not arrive in time');
    default:
      return refusal(400, 'bad_request', 'the request is not a well-formed HTTP/1.1 message');
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  417: 'Expectation Failed',
  431: 'Request Header Fields Too Large',
};

/** Answers on a raw socket, where Node has no response object (a parse error, a CONNECT), then closes it. */
export function refuseOnSocket(socket: Socket, { status, code, message }: Refusal): void {
  if (!socket.writable) return void socket.destroy();
  const body = errorBody(code, message);
  socket.end(
    [
      `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}`,
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'X-Content-Type-Options: nosniff',
      'Connection: close',
      '',
      body,
    ].join('\r\n'),
  );
}
