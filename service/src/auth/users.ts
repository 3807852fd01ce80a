import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../data/keys';

export interface Credentials {
  readonly userId: string;
  readonly email: string;
  readonly passwordHash: string;
}

/**
 * A user is their credentials item, keyed by email: login is one read, and the conditional
 * put makes an email unique without a second item or a transaction.
 */
export class Users {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** @returns the new user's credentials, or undefined when the email is taken. */
  async register(email: string, passwordHash: string): Promise<Credentials | undefined> {
    const credentials: Credentials = { userId: randomUUID(), email, passwordHash };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...keys.credentials(email),
            entity: 'credentials',
            ...credentials,
            createdAt: new Date().toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return credentials;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }

  async findByEmail(email: string): Promise<Credentials | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.credentials(email) }));
    if (!Item) return undefined;
    return { userId: Item.userId as string, email: Item.email as string, passwordHash: Item.passwordHash as string };
  }
}
