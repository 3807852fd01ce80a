import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { KeyAttribute, TABLE_DESIGN, TableDesign } from './table-design';

function attributeDefinitions(design: TableDesign): { AttributeName: string; AttributeType: 'S' | 'N' }[] {
  const all = [
    design.partitionKey,
    design.sortKey,
    ...design.globalSecondaryIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
  ];
  const unique = new Map<string, KeyAttribute>(all.map((attribute) => [attribute.name, attribute]));
  return [...unique.values()].map((attribute) => ({ AttributeName: attribute.name, AttributeType: attribute.type }));
}

async function exists(client: DynamoDBClient, name: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: name }));
    return true;
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return false;
    throw err;
  }
}

/**
 * Creates an environment's table from TABLE_DESIGN where it does not exist (the local run and
 * the tests; on AWS the data stack creates it from the same design). Idempotent: an existing
 * table, or one another process created a moment ago, is left as it is.
 * @returns true when this call created the table.
 */
export async function ensureTable(client: DynamoDBClient, name: string, design = TABLE_DESIGN): Promise<boolean> {
  if (await exists(client, name)) return false;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: attributeDefinitions(design),
        KeySchema: [
          { AttributeName: design.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: design.sortKey.name, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: design.globalSecondaryIndexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      }),
    );
  } catch (err) {
    if (err instanceof ResourceInUseException) return false;
    throw err;
  }
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: name,
      TimeToLiveSpecification: { AttributeName: design.timeToLiveAttribute, Enabled: true },
    }),
  );
  return true;
}
