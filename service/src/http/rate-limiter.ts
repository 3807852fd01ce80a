import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds, keys } from '../data/keys';
import { ApiError } from '../errors';
import { countEvent, logger } from '../observability';

export type RateLimitScope = 'register' | 'login-address' | 'login' | 'refresh' | 'user';

const WINDOW_MS = 60_000;

/**
 * Fixed one-minute windows counted in the table: one atomic ADD per request, so the limit
 * holds across every Lambda instance (a per-instance counter would multiply it by the number
 * of instances). Windows expire through the table's TTL.
 */
export class RateLimiter {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Counts one request of `subject`; throws a 429 with `Retry-After` once over `limit` in the window. */
  async hit(scope: RateLimitScope, subject: string, limit: number): Promise<void> {
    const now = Date.now();
    const windowStart = now - (now % WINDOW_MS);
    const windowEnd = windowStart + WINDOW_MS;
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.rateWindow(scope, subject, windowStart),
        UpdateExpression: 'ADD hits :one SET expiresAt = if_not_exists(expiresAt, :expiresAt)',
        ExpressionAttributeValues: { ':one': 1, ':expiresAt': epochSeconds(windowEnd) + 60 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const hits = Number(Attributes?.hits ?? 0);
    if (hits <= limit) return;
    const retryAfter = Math.max(1, Math.ceil((windowEnd - now) / 1000));
    if (hits === limit + 1) {
      countEvent('RateLimited');
      logger.warn('rate limit reached', { scope, limit });
    }
    throw new ApiError(429, 'rate_limited', `too many requests: retry after ${retryAfter} seconds`, {
      'Retry-After': String(retryAfter),
    });
  }
}
