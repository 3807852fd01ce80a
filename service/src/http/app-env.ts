import type { Context } from 'hono';
import type { Principal } from '../auth/access-tokens';

/** What the API's middleware hands to the route handlers. */
export interface AppEnv {
  Variables: {
    /** The signed-in user, set by `authenticate` on every signed-in route. */
    principal: Principal;
    /** Set by the request-id middleware; echoed in `X-Request-Id` and in 500 messages. */
    requestId: string;
  };
}

export type AppContext = Context<AppEnv>;

/**
 * Where a request came from, as the runtime knows it: API Gateway's source IP on Lambda, the
 * socket's peer address on plain Node. Undefined when the runtime cannot tell (in-process tests).
 */
export type ClientAddress = (c: Context) => string | undefined;
