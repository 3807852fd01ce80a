import { setTimeout as sleep } from 'node:timers/promises';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  QueryCommandInput,
  TransactWriteCommand,
  TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { CategoryCount, Memory, MemoryChange, NewMemory } from './memory';
import { keys } from '../data/keys';
import { ApiError } from '../errors';
import { newMemoryId } from '../ids';

export interface ListOptions {
  readonly category?: string;
  /** Case-insensitive text the memory's text must contain. */
  readonly search?: string;
  readonly limit: number;
  /** Continue after this memory (the position of the previous page's cursor). */
  readonly after?: string;
}

export interface MemoryPage {
  readonly items: Memory[];
  /** Where the next page starts; undefined on the last page. */
  readonly next?: string;
}

type Item = Record<string, unknown>;

/**
 * A search reads at most this many memories per request (a filter does not reduce what DynamoDB
 * reads), then answers with what it found and a cursor to continue: a user with a huge archive
 * pays for a search in pages, and a request never runs long.
 */
const SEARCH_READ_BUDGET = 1_000;
const SEARCH_BATCH = 200;
/** Concurrent changes of one memory's category are retried this often before a 409. */
const MAX_ATTEMPTS = 3;

const searchable = (text: string): string => text.normalize('NFKC').toLowerCase();

function toMemory(item: Item): Memory {
  return {
    id: item.id as string,
    text: item.text as string,
    category: item.category as string,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
  };
}

/** True when the transaction failed only because the memory changed (or vanished) under it. */
function memoryChangedUnderfoot(err: unknown): boolean {
  return err instanceof TransactionCanceledException && err.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed';
}

/**
 * DynamoDB cancels a transaction that touches an item another transaction is writing (two
 * memories added to one category at once share its count). The SDK does not retry that.
 */
function collided(err: unknown): boolean {
  return (
    err instanceof TransactionCanceledException &&
    (err.CancellationReasons ?? []).some((reason) => reason.Code === 'TransactionConflict')
  );
}

const conflict = (): ApiError =>
  new ApiError(409, 'conflict', 'the memory is being changed by another request: try again');

/**
 * A user's memories and their category counts, all in the user's partition (see data/keys.ts).
 * Every method takes the user id from the access token, so one user's calls can never reach
 * another's items. Each write that changes which category a memory is in updates the counts
 * in the same transaction, so `GET /categories` never disagrees with the memories.
 */
export class MemoryRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(userId: string, input: NewMemory): Promise<Memory> {
    const id = newMemoryId();
    const now = new Date().toISOString();
    const memory: Memory = { id, text: input.text, category: input.category, createdAt: now, updatedAt: now };
    await this.transact({
      TransactItems: [
        {
          Put: {
            TableName: this.table,
            Item: { ...this.memoryItem(userId, memory), entity: 'memory', userId },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        { Update: this.countChange(userId, input.category, 1) },
      ],
    });
    return memory;
  }

  async get(userId: string, id: string): Promise<Memory | undefined> {
    const item = await this.read(userId, id);
    return item && toMemory(item);
  }

  /** @returns the changed memory, or undefined when the user has no memory with this id. */
  async update(userId: string, id: string, change: MemoryChange): Promise<Memory | undefined> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const current = await this.read(userId, id);
      if (!current) return undefined;
      const before = toMemory(current);
      const after: Memory = {
        ...before,
        text: change.text ?? before.text,
        category: change.category ?? before.category,
        updatedAt: new Date().toISOString(),
      };
      const { pk, sk, ...attributes } = this.memoryItem(userId, after);
      const names = Object.keys(attributes);
      const memoryUpdate = {
        TableName: this.table,
        Key: { pk, sk },
        UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(', ')}`,
        ConditionExpression: 'attribute_exists(pk) AND #category = :before',
        ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
        ExpressionAttributeValues: {
          ...Object.fromEntries(names.map((name) => [`:${name}`, attributes[name as keyof typeof attributes]])),
          ':before': before.category,
        },
      };
      try {
        if (after.category === before.category) {
          await this.db.send(new UpdateCommand(memoryUpdate));
        } else {
          await this.transact({
            TransactItems: [
              { Update: memoryUpdate },
              { Update: this.countChange(userId, before.category, -1) },
              { Update: this.countChange(userId, after.category, 1) },
            ],
          });
          await this.forgetEmptyCategory(userId, before.category);
        }
        return after;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException) && !memoryChangedUnderfoot(err)) throw err;
      }
    }
    throw conflict();
  }

  /** @returns false when the user has no memory with this id. */
  async delete(userId: string, id: string): Promise<boolean> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const current = await this.read(userId, id);
      if (!current) return false;
      const { category } = toMemory(current);
      try {
        await this.transact({
          TransactItems: [
            {
              Delete: {
                TableName: this.table,
                Key: keys.memory(userId, id),
                ConditionExpression: 'attribute_exists(pk) AND #category = :category',
                ExpressionAttributeNames: { '#category': 'category' },
                ExpressionAttributeValues: { ':category': category },
              },
            },
            { Update: this.countChange(userId, category, -1) },
          ],
        });
        await this.forgetEmptyCategory(userId, category);
        return true;
      } catch (err) {
        if (!memoryChangedUnderfoot(err)) throw err;
      }
    }
    throw conflict();
  }

  /** Newest first, optionally in one category and containing a text. */
  async list(userId: string, options: ListOptions): Promise<MemoryPage> {
    const byCategory = options.category !== undefined;
    const base: QueryCommandInput = byCategory
      ? {
          TableName: this.table,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :partition',
          ExpressionAttributeValues: { ':partition': keys.categoryIndex(userId, options.category as string) },
        }
      : {
          TableName: this.table,
          // The user's own writes show up in the next list: the base table can read consistently.
          ConsistentRead: true,
          KeyConditionExpression: 'pk = :partition AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':partition': keys.userPartition(userId), ':prefix': keys.memoryPrefix },
        };
    const query: QueryCommandInput = { ...base, ScanIndexForward: false };
    if (options.search !== undefined) {
      query.FilterExpression = 'contains(searchText, :search)';
      query.ExpressionAttributeValues = { ...query.ExpressionAttributeValues, ':search': searchable(options.search) };
    }

    const found: Item[] = [];
    let startKey = options.after ? this.startKey(userId, options.after, options.category) : undefined;
    let read = 0;
    do {
      const wanted = options.limit + 1 - found.length;
      const out = await this.db.send(
        new QueryCommand({
          ...query,
          Limit: options.search === undefined ? wanted : Math.min(SEARCH_BATCH, SEARCH_READ_BUDGET - read),
          ExclusiveStartKey: startKey,
        }),
      );
      found.push(...(out.Items ?? []));
      read += out.ScannedCount ?? 0;
      startKey = out.LastEvaluatedKey;
    } while (startKey && found.length <= options.limit && (options.search === undefined || read < SEARCH_READ_BUDGET));

    // One more than a page was read: the page ends at its last item and there is more after it.
    if (found.length > options.limit) {
      const items = found.slice(0, options.limit).map(toMemory);
      return { items, next: items[items.length - 1].id };
    }
    // The search budget ran out first: continue after the last memory read, even if it did not match.
    const next = startKey ? keys.memoryIdOf(startKey.sk as string) : undefined;
    return { items: found.map(toMemory), next };
  }

  /** The user's categories that hold at least one memory, by name. */
  async categories(userId: string): Promise<CategoryCount[]> {
    const counts: CategoryCount[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          ConsistentRead: true,
          KeyConditionExpression: 'pk = :partition AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':partition': keys.userPartition(userId), ':prefix': keys.categoryPrefix },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) {
        const count = Number(item.count);
        if (count > 0) counts.push({ name: item.name as string, count });
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return counts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** A transaction, retried with a short random pause when it collided with another one. */
  private async transact(input: TransactWriteCommandInput): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.send(new TransactWriteCommand(input));
        return;
      } catch (err) {
        if (!collided(err)) throw err;
        if (attempt >= MAX_ATTEMPTS) throw conflict();
        await sleep(10 * attempt + Math.random() * 40);
      }
    }
  }

  private async read(userId: string, id: string): Promise<Item | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.memory(userId, id), ConsistentRead: true }),
    );
    return Item;
  }

  private memoryItem(userId: string, memory: Memory) {
    return {
      ...keys.memory(userId, memory.id),
      gsi1pk: keys.categoryIndex(userId, memory.category),
      gsi1sk: keys.memorySortKey(memory.id),
      id: memory.id,
      text: memory.text,
      searchText: searchable(memory.text),
      category: memory.category,
      createdAt: memory.createdAt,
      updatedAt: memory.updatedAt,
    };
  }

  private countChange(userId: string, category: string, delta: number) {
    return {
      TableName: this.table,
      Key: keys.category(userId, category),
      UpdateExpression: 'ADD #count :delta SET #name = :name, entity = :entity',
      ExpressionAttributeNames: { '#count': 'count', '#name': 'name' },
      ExpressionAttributeValues: { ':delta': delta, ':name': category, ':entity': 'category' },
    };
  }

  /**
   * Removes a count that reached zero. Conditional, so a memory added to the category meanwhile
   * keeps it; and if this runs first, that memory's increment simply creates the count anew.
   */
  private async forgetEmptyCategory(userId: string, category: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: keys.category(userId, category),
          ConditionExpression: '#count <= :zero',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':zero': 0 },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  private startKey(userId: string, after: string, category: string | undefined): Record<string, unknown> {
    const key: Record<string, unknown> = keys.memory(userId, after);
    if (category === undefined) return key;
    return { ...key, gsi1pk: keys.categoryIndex(userId, category), gsi1sk: keys.memorySortKey(after) };
  }
}
