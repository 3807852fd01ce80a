import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Principal } from './access-tokens';
import { epochSeconds, keys } from '../data/keys';

export interface RefreshTokenLifetimes {
  /** A refresh token unused this long is dead. @default 7 days */
  readonly idleMs: number;
  /** A family (one sign-in) ends this long after the sign-in, however active. @default 30 days */
  readonly absoluteMs: number;
}

const DEFAULT_LIFETIMES: RefreshTokenLifetimes = { idleMs: 7 * 86_400_000, absoluteMs: 30 * 86_400_000 };

/** `<familyId>.<secret>`: the family id lets the API rate-limit a family before any read. */
const TOKEN_FORMAT = /^([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})\.[A-Za-z0-9_-]{43}$/;

export type RotationOutcome =
  | { readonly kind: 'rotated'; readonly token: string; readonly principal: Principal; readonly familyId: string }
  /** Unknown, malformed, expired or revoked: nothing to act on. */
  | { readonly kind: 'invalid'; readonly reason: string }
  /** A token that was already exchanged came back: its whole family is now revoked. */
  | { readonly kind: 'reused'; readonly principal: Principal; readonly familyId: string };

/** The family of a well-formed refresh token (not proof that it exists). */
export function familyOf(token: string): string | undefined {
  return TOKEN_FORMAT.exec(token)?.[1];
}

/** Only the hash is stored: a leaked table does not hand out live sessions. */
function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * Rotating refresh tokens with reuse detection (OAuth 2.0 Security BCP §4.14.2). One sign-in
 * starts a family; each refresh exchanges the family's current token for a new one. Every
 * token ever issued is kept (by hash) until the family expires, so a token that comes back
 * after it was exchanged is recognised as stolen or replayed, and the whole family — the
 * attacker's copy and the user's — is revoked.
 */
export class RefreshTokens {
  private readonly lifetimes: RefreshTokenLifetimes;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    lifetimes: Partial<RefreshTokenLifetimes> = {},
  ) {
    this.lifetimes = { ...DEFAULT_LIFETIMES, ...lifetimes };
  }

  /** Starts a family for a sign-in and returns its first token. */
  async start(principal: Principal): Promise<string> {
    const familyId = randomUUID();
    const now = Date.now();
    const absoluteExpiresAt = now + this.lifetimes.absoluteMs;
    const token = this.mint(familyId);
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.table,
              Item: {
                ...keys.family(familyId),
                entity: 'refresh-family',
                familyId,
                userId: principal.userId,
                email: principal.email,
                currentTokenHash: hashOf(token),
                revoked: false,
                createdAt: new Date(now).toISOString(),
                absoluteExpiresAt,
                expiresAt: epochSeconds(absoluteExpiresAt),
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          { Put: this.tokenItem(token, familyId, now, absoluteExpiresAt) },
        ],
      }),
    );
    return token;
  }

  async rotate(token: string): Promise<RotationOutcome> {
    const familyId = familyOf(token);
    if (!familyId) return { kind: 'invalid', reason: 'the refresh token is malformed' };
    const hash = hashOf(token);
    const stored = await this.get(keys.refreshToken(hash));
    if (!stored || stored.familyId !== familyId) return { kind: 'invalid', reason: 'the refresh token is not known' };
    const family = await this.get(keys.family(familyId));
    const now = Date.now();
    if (!family) return { kind: 'invalid', reason: 'the refresh token is not known' };
    if (family.revoked === true) return { kind: 'invalid', reason: 'the refresh token has been revoked' };
    if (now >= (family.absoluteExpiresAt as number)) return { kind: 'invalid', reason: 'the sign-in has expired' };

    const principal: Principal = { userId: family.userId as string, email: family.email as string };
    if (family.currentTokenHash !== hash) {
      await this.revokeFamily(familyId);
      return { kind: 'reused', principal, familyId };
    }
    if (now >= (stored.idleExpiresAt as number)) return { kind: 'invalid', reason: 'the refresh token has expired' };

    const next = this.mint(familyId);
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: this.tokenItem(next, familyId, now, family.absoluteExpiresAt as number) },
            {
              Update: {
                TableName: this.table,
                Key: keys.family(familyId),
                UpdateExpression: 'SET currentTokenHash = :next, rotatedAt = :now',
                ConditionExpression: 'currentTokenHash = :current AND revoked = :false',
                ExpressionAttributeValues: {
                  ':next': hashOf(next),
                  ':current': hash,
                  ':now': new Date(now).toISOString(),
                  ':false': false,
                },
              },
            },
          ],
        }),
      );
    } catch (err) {
      // Another request exchanged this same token a moment earlier: two holders of one token
      // is exactly what reuse detection is for.
      if (
        err instanceof TransactionCanceledException &&
        err.CancellationReasons?.[1]?.Code === 'ConditionalCheckFailed'
      ) {
        await this.revokeFamily(familyId);
        return { kind: 'reused', principal, familyId };
      }
      throw err;
    }
    return { kind: 'rotated', token: next, principal, familyId };
  }

  /** Ends the sign-in the token belongs to (sign-out). Unknown tokens are ignored. */
  async revoke(token: string): Promise<void> {
    const familyId = familyOf(token);
    if (!familyId) return;
    const stored = await this.get(keys.refreshToken(hashOf(token)));
    if (stored?.familyId === familyId) await this.revokeFamily(familyId);
  }

  private async revokeFamily(familyId: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.family(familyId),
        UpdateExpression: 'SET revoked = :true, revokedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':true': true, ':now': new Date().toISOString() },
      }),
    );
  }

  private mint(familyId: string): string {
    return `${familyId}.${randomBytes(32).toString('base64url')}`;
  }

  private tokenItem(token: string, familyId: string, now: number, absoluteExpiresAt: number) {
    return {
      TableName: this.table,
      Item: {
        ...keys.refreshToken(hashOf(token)),
        entity: 'refresh-token',
        familyId,
        issuedAt: new Date(now).toISOString(),
        idleExpiresAt: now + this.lifetimes.idleMs,
        // Kept as long as the family lives, so that its reuse is still recognised.
        expiresAt: epochSeconds(absoluteExpiresAt),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    };
  }

  private async get(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }));
    return Item;
  }
}
