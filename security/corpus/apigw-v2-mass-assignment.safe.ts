// Lookalike of apigw-v2-mass-assignment: the attributes to set come from a fixed list.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const EDITABLE = ['title', 'text'];

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  const patch = JSON.parse(event.body ?? '{}') as Record<string, unknown>;
  const names = EDITABLE.filter((name) => Object.hasOwn(patch, name));
  await documents.send(
    new UpdateCommand({
      TableName: 'notes',
      Key: { pk: event.pathParameters?.id },
      UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
      ExpressionAttributeValues: Object.fromEntries(names.map((name) => [`:${name}`, patch[name]])),
    }),
  );
  return { statusCode: 204 };
}
