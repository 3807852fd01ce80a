import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

const TABLE = 'b2-dev-data';
const OWNER_CHECK = 'attribute_exists(pk)';
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export async function byTitle(userInput: string): Promise<void> {
  await documents.send(
    new ScanCommand({
      TableName: TABLE,
      // ruleid: b2-dynamodb-expression-built
      FilterExpression: 'title = ' + userInput,
    }),
  );
}

export async function inCategory(owner: string, category: string, fields: string[]): Promise<void> {
  const condition = `pk = :pk AND begins_with(sk, '${category}')`;
  const params = {
    TableName: TABLE,
    // ruleid: b2-dynamodb-expression-built
    KeyConditionExpression: condition,
    // ruleid: b2-dynamodb-expression-built
    ProjectionExpression: fields.join(', '),
    ExpressionAttributeValues: { ':pk': owner },
  };
  await documents.send(new QueryCommand({ ...params }));
  const scan: { TableName: string; FilterExpression?: string } = { TableName: TABLE };
  // ruleid: b2-dynamodb-expression-built
  scan.FilterExpression = 'category = '.concat(category);
  await documents.send(new ScanCommand(scan));
}

export async function rename(owner: string, id: string, set: Record<string, string>, names: string[]): Promise<void> {
  await documents.send(
    new UpdateCommand({
      TableName: TABLE,
      Key: { pk: owner, sk: id },
      // ruleid: b2-dynamodb-expression-built
      UpdateExpression: `SET ${Object.entries(set)
        .map(([k, v]) => `${k} = ${v}`)
        .join(', ')}`,
      // ok: b2-dynamodb-expression-built
      ConditionExpression: `${OWNER_CHECK} AND #owner = :owner`,
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': owner },
    }),
  );
  await documents.send(
    new UpdateCommand({
      TableName: TABLE,
      Key: { pk: owner, sk: id },
      // ok: b2-dynamodb-expression-built
      UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(', ')}`,
      // ok: b2-dynamodb-expression-built
      ConditionExpression: OWNER_CHECK,
      ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
      ExpressionAttributeValues: Object.fromEntries(names.map((name) => [`:${name}`, set[name]])),
    }),
  );
  const query: { TableName: string; FilterExpression?: string } = { TableName: TABLE };
  // ok: b2-dynamodb-expression-built
  query.FilterExpression = 'contains(searchText, :search)';
  await documents.send(new ScanCommand(query));
}
