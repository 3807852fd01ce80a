import { createHmac, timingSafeEqual } from 'node:crypto';
import { SigningKey, SigningKeyRing } from '../auth/signing-keys';
import { ApiError } from '../errors';
import { isMemoryId } from '../ids';

/** What a cursor is bound to: it only continues the same user's same listing. */
export interface CursorScope {
  readonly userId: string;
  readonly category?: string;
  readonly search?: string;
}

const VERSION = 'c1';
const MAC_BYTES = 16;

const invalidCursor = (): ApiError =>
  new ApiError(400, 'invalid_cursor', 'the cursor is not valid for this listing: start again without one');

/**
 * Opaque pagination cursors: the position (a memory id) plus a MAC over the position and the
 * listing it belongs to. The MAC key is derived from the signing keys (current and previous
 * accepted, like tokens), so a cursor cannot be forged, edited or moved to another user's or
 * another query's listing, and the table's key layout never leaks into the API.
 */
export class Cursors {
  constructor(private readonly keyRing: SigningKeyRing) {}

  async encode(position: string, scope: CursorScope): Promise<string> {
    const { current } = await this.keyRing.keys();
    const payload = Buffer.from(position).toString('base64url');
    return `${VERSION}.${payload}.${this.mac(current, payload, scope).toString('base64url')}`;
  }

  /** @returns the position; throws a 400 `invalid_cursor` for anything not issued for this scope. */
  async decode(cursor: string, scope: CursorScope): Promise<string> {
    const [version, payload, mac, ...rest] = cursor.split('.');
    if (version !== VERSION || !payload || !mac || rest.length > 0) throw invalidCursor();
    const presented = Buffer.from(mac, 'base64url');
    if (presented.length !== MAC_BYTES) throw invalidCursor();
    const { current, previous } = await this.keyRing.keys();
    const genuine = [current, previous].some(
      (key) => key !== undefined && timingSafeEqual(this.mac(key, payload, scope), presented),
    );
    const position = Buffer.from(payload, 'base64url').toString();
    if (!genuine || !isMemoryId(position)) throw invalidCursor();
    return position;
  }

  private mac(key: SigningKey, payload: string, scope: CursorScope): Buffer {
    // A key of its own, derived from the signing key: one secret never serves two purposes.
    const cursorKey = createHmac('sha256', key.secret).update('b2 pagination cursor v1').digest();
    return createHmac('sha256', cursorKey)
      .update(JSON.stringify([VERSION, payload, scope.userId, scope.category ?? null, scope.search ?? null]))
      .digest()
      .subarray(0, MAC_BYTES);
  }
}
