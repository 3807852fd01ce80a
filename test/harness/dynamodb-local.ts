import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, inject } from 'vitest';
import { DynamoDbLocal } from '../../pipeline/local/environments/dynamodb-local';
import { ensureTable } from '../../service/src/data/create-table';
import { createDocumentClient, createDynamoDbClient } from '../../service/src/data/dynamodb';

/** What a test file gets from its DynamoDB Local. */
export interface LocalDynamoDb {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  readonly db: DynamoDBDocumentClient;
  /** A new, empty table of the service's design, with a name no other test uses. */
  newTable(): Promise<string>;
}

/** A cold JVM on a busy two-core machine can take a while; a missing install fails at once. */
export const DYNAMODB_START_TIMEOUT_MS = 120_000;

/** The name under which a tier's global setup (`dynamodb-global-setup.ts`) provides its DynamoDB Local's endpoint. */
export const SHARED_DYNAMODB_ENDPOINT = 'sharedDynamoDbEndpoint';

declare module 'vitest' {
  export interface ProvidedContext {
    [SHARED_DYNAMODB_ENDPOINT]?: string;
  }
}

/** Deletes a table a test made; one a test deleted itself is already gone. */
async function deleteTable(client: DynamoDBClient, TableName: string): Promise<void> {
  try {
    await client.send(new DeleteTableCommand({ TableName }));
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
  }
}

/**
 * A real DynamoDB Local (in memory) for the calling test file: the tier's shared one when its
 * global setup started one (the unit tier does), or else one started before the file's tests and
 * stopped after them. In the shared one the file deletes the tables it made when its tests are
 * done: vitest stops a tier's global setup only when the whole run ends, and DynamoDB Local keeps
 * sweeping every table for expired items until then (2 CPU-seconds a minute for 150 empty tables,
 * 0.1 for none), which the judgement tier, timing latency after it, must not share. When DynamoDB
 * Local is not installed the file fails with the command that installs it: a missing tool is never
 * a passed test.
 */
export function useDynamoDbLocal(): LocalDynamoDb {
  let local: DynamoDbLocal | undefined;
  let endpoint: string | undefined;
  let client: DynamoDBClient | undefined;
  let db: DynamoDBDocumentClient | undefined;
  const tables: string[] = [];

  beforeAll(async () => {
    endpoint = inject(SHARED_DYNAMODB_ENDPOINT);
    if (!endpoint) {
      local = await DynamoDbLocal.start({ startTimeoutMs: DYNAMODB_START_TIMEOUT_MS });
      endpoint = local.endpoint;
    }
    client = createDynamoDbClient({ endpoint });
    db = createDocumentClient(client);
  }, DYNAMODB_START_TIMEOUT_MS + 10_000);

  afterAll(async () => {
    const shared = client && !local ? client : undefined;
    if (shared) await Promise.all(tables.map((name) => deleteTable(shared, name)));
    client?.destroy();
    await local?.stop();
  }, 30_000);

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) {
      throw new Error('DynamoDB Local is not started: call useDynamoDbLocal() at the top of the file');
    }
    return value;
  };

  return {
    get endpoint() {
      return started(endpoint);
    },
    get client() {
      return started(client);
    },
    get db() {
      return started(db);
    },
    async newTable() {
      const name = `test-${randomUUID().slice(0, 8)}-b2-data`;
      tables.push(name);
      await ensureTable(started(client), name);
      return name;
    },
  };
}
