import { DynamoDBClient, ExecuteStatementCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, SQSEvent } from 'aws-lambda';
import { Hono } from 'hono';

const TABLE = 'b2-dev-data';
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
/** The attributes a client may change: the update expression names only these. */
const EDITABLE = ['text', 'category'] as const;

export const app = new Hono<{ Variables: { userId: string } }>();

app.get('/memories', async (c) => {
  const category = c.req.query('category') ?? '';
  const q = c.req.query('q');
  await documents.send(
    new QueryCommand({
      TableName: TABLE,
      // ruleid: b2-dynamodb-expression-from-request
      KeyConditionExpression: "pk = :pk AND begins_with(sk, '" + category + "')",
      // ruleid: b2-dynamodb-expression-from-request
      FilterExpression: `contains(#text, '${q}')`,
      ExpressionAttributeNames: { '#text': 'text' },
      ExpressionAttributeValues: { ':pk': `USER#${c.get('userId')}` },
    }),
  );
  await documents.send(
    new QueryCommand({
      TableName: TABLE,
      // ok: b2-dynamodb-expression-from-request
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :category)',
      // ok: b2-dynamodb-expression-from-request
      FilterExpression: q ? 'contains(#text, :q)' : undefined,
      ExpressionAttributeNames: q ? { '#text': 'text' } : undefined,
      ExpressionAttributeValues: { ':pk': `USER#${c.get('userId')}`, ':category': `MEMORY#${category}`, ':q': q },
    }),
  );
  return c.json({ items: [] });
});

app.patch('/memories/:id', async (c) => {
  const id = c.req.param('id');
  const patch = await c.req.json<Record<string, unknown>>();
  const assignments = Object.keys(patch).map((name) => `${name} = :${name}`);
  await documents.send(
    new UpdateCommand({
      TableName: TABLE,
      Key: { pk: `USER#${c.get('userId')}`, sk: `MEMORY#${id}` },
      // ruleid: b2-dynamodb-expression-from-request
      UpdateExpression: 'SET ' + assignments.join(', '),
      ExpressionAttributeValues: Object.fromEntries(Object.entries(patch).map(([k, v]) => [`:${k}`, v])),
    }),
  );
  const present = EDITABLE.filter((name) => patch[name] !== undefined);
  await documents.send(
    new UpdateCommand({
      TableName: TABLE,
      Key: { pk: `USER#${c.get('userId')}`, sk: `MEMORY#${id}` },
      // ok: b2-dynamodb-expression-from-request
      UpdateExpression: `SET ${present.map((name) => `#${name} = :${name}`).join(', ')}`,
      // ok: b2-dynamodb-expression-from-request
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: Object.fromEntries(present.map((name) => [`#${name}`, name])),
      ExpressionAttributeValues: Object.fromEntries(present.map((name) => [`:${name}`, patch[name]])),
    }),
  );
  return c.json({ id });
});

export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const owner = event.pathParameters?.owner ?? '';
  await documents.send(
    new ExecuteStatementCommand({
      // ruleid: b2-dynamodb-expression-from-request
      Statement: `SELECT * FROM "${TABLE}" WHERE pk = 'USER#${owner}'`,
    }),
  );
  await documents.send(
    new ExecuteStatementCommand({
      // ok: b2-dynamodb-expression-from-request
      Statement: `SELECT * FROM "${TABLE}" WHERE pk = ?`,
      Parameters: [{ S: `USER#${owner}` }],
    }),
  );
  return { statusCode: 200, body: '{}' };
}

export async function GET(req: Request): Promise<Response> {
  const sort = new URL(req.url).searchParams.get('sort') ?? 'createdAt';
  // ruleid: b2-dynamodb-expression-from-request
  const query = { TableName: TABLE, KeyConditionExpression: 'pk = :pk', ProjectionExpression: sort };
  await documents.send(new QueryCommand({ ...query, ExpressionAttributeValues: { ':pk': 'USER#1' } }));
  return new Response('[]');
}

export const streamHandler = async (input: SQSEvent): Promise<void> => {
  for (const record of input.Records) {
    const { filter } = JSON.parse(record.body) as { filter: string };
    const scan: { TableName: string; FilterExpression?: string } = { TableName: TABLE };
    // ruleid: b2-dynamodb-expression-from-request
    scan.FilterExpression = filter;
    await documents.send(new QueryCommand({ ...scan, KeyConditionExpression: 'pk = :pk' }));
  }
};
