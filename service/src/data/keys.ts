/**
 * The single-table layout: every item's keys are built here, so the access patterns can be
 * read in one place.
 *
 * | item                  | pk                          | sk                 | gsi1pk                        | gsi1sk            |
 * |-----------------------|-----------------------------|--------------------|-------------------------------|-------------------|
 * | credentials           | EMAIL#<email>               | CREDENTIALS        |                               |                   |
 * | memory                | USER#<userId>               | MEMORY#<memoryId>  | USER#<userId>#CATEGORY#<name> | MEMORY#<memoryId> |
 * | category count        | USER#<userId>               | CATEGORY#<name>    |                               |                   |
 * | refresh-token family  | FAMILY#<familyId>           | FAMILY             |                               |                   |
 * | refresh token         | REFRESH#<sha256(token)>     | REFRESH            |                               |                   |
 * | rate-limit window     | RATE#<scope>#<subject>      | WINDOW#<start>     |                               |                   |
 *
 * A user's memories and category counts share the user's partition, so every read of them is
 * scoped by the user id from the access token: another user's item is simply not found.
 */
export const keys = {
  credentials: (email: string) => ({ pk: `EMAIL#${email}`, sk: 'CREDENTIALS' }),
  userPartition: (userId: string) => `USER#${userId}`,
  memory: (userId: string, memoryId: string) => ({ pk: `USER#${userId}`, sk: `MEMORY#${memoryId}` }),
  memorySortKey: (memoryId: string) => `MEMORY#${memoryId}`,
  memoryPrefix: 'MEMORY#',
  memoryIdOf: (sortKey: string) => sortKey.slice('MEMORY#'.length),
  categoryIndex: (userId: string, category: string) => `USER#${userId}#CATEGORY#${category}`,
  category: (userId: string, category: string) => ({ pk: `USER#${userId}`, sk: `CATEGORY#${category}` }),
  categoryPrefix: 'CATEGORY#',
  family: (familyId: string) => ({ pk: `FAMILY#${familyId}`, sk: 'FAMILY' }),
  refreshToken: (tokenHash: string) => ({ pk: `REFRESH#${tokenHash}`, sk: 'REFRESH' }),
  rateWindow: (scope: string, subject: string, windowStart: number) => ({
    pk: `RATE#${scope}#${subject}`,
    sk: `WINDOW#${windowStart}`,
  }),
} as const;

/** DynamoDB's TTL attribute holds epoch seconds. */
export function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
