import { timingSafeEqual } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { ClientAddress } from './app-env';

/** The header the local traffic front proves itself with (SETTING.frontKey). */
export const FRONT_KEY_HEADER = 'x-b2-front';

function sameKey(presented: string | undefined, key: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(key);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The client of a request to the plain-Node server. Behind the environment's traffic front every
 * connection comes from the front, so the front appends the client it saw to `X-Forwarded-For`
 * and presents its key; only then is that last entry believed (the entries before it are the
 * client's own word). Anything else — no key, a wrong one, a client that reached the release
 * directly — is the address its socket has, as API Gateway's source IP is on AWS.
 */
export function nodeClientAddress(frontKey: string | undefined): ClientAddress {
  return (c) => {
    const peer = getConnInfo(c).remote.address;
    if (!frontKey || !sameKey(c.req.header(FRONT_KEY_HEADER), frontKey)) return peer;
    const forwarded = c.req.header('x-forwarded-for')?.split(',').pop()?.trim();
    return forwarded || peer;
  };
}
