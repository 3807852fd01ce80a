import { connect } from 'node:net';

/** An answer read off the socket: what a client that speaks HTTP by hand sees. */
export interface RawAnswer {
  /** The final status (after any `100 Continue`); 0 when nothing came back. */
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The body as sent, de-chunked. */
  readonly body: string;
  /** The body parsed as JSON, or undefined. */
  readonly json: unknown;
  /** Whether the server closed the connection before `timeoutMs`. */
  readonly closed: boolean;
}

export interface RawRequestOptions {
  /** Send from this loopback address (127.0.0.0/8), to be another client. @default the system's choice */
  readonly localAddress?: string;
  /** @default 5 s */
  readonly timeoutMs?: number;
}

function dechunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    if (lineEnd < 0) return out;
    const size = parseInt(rest.slice(0, lineEnd), 16);
    if (!Number.isFinite(size) || size === 0) return out;
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}

/** Parses the last response on a `Connection: close` exchange (a `100 Continue` before it is skipped). */
export function parseRawAnswer(text: string, closed: boolean): RawAnswer {
  let rest = text;
  while (/^HTTP\/1\.1 1\d\d /.test(rest)) rest = rest.slice(rest.indexOf('\r\n\r\n') + 4);
  const headEnd = rest.indexOf('\r\n\r\n');
  const head = headEnd < 0 ? rest : rest.slice(0, headEnd);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const raw = headEnd < 0 ? '' : rest.slice(headEnd + 4);
  const body = /chunked/i.test(headers['transfer-encoding'] ?? '') ? dechunk(raw) : raw;
  let json: unknown;
  try {
    json = body ? JSON.parse(body) : undefined;
  } catch {
    json = undefined;
  }
  return { status, headers, body, json, closed };
}

/**
 * Sends bytes as they are — a malformed request line, a bad Host, an `Expect` — which fetch and
 * undici refuse to send, and reads what comes back until the server closes or `timeoutMs` passes.
 * Loopback only.
 */
export function rawRequest(
  port: number,
  request: string | Buffer,
  options: RawRequestOptions = {},
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ port, host: '127.0.0.1', localAddress: options.localAddress });
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parseRawAnswer(Buffer.concat(chunks).toString('latin1'), closed));
    };
    const timer = setTimeout(() => finish(false), options.timeoutMs ?? 5_000);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
  });
}
