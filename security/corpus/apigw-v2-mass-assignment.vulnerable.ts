// CWE-915 through an expression (OWASP API3): every key of the body becomes an attribute to set, so a
// client can set `owner` or `role`. The placeholders keep the syntax safe, not the choice of attributes.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  const patch = JSON.parse(event.body ?? '{}') as Record<string, unknown>;
  const names = Object.keys(patch);
  await documents.send(
    new UpdateCommand({
      TableName: 'notes',
      Key: { pk: event.pathParameters?.id },
      // ruleid: b2-dynamodb-expression-from-request
      UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
      ExpressionAttributeValues: Object.fromEntries(names.map((name) => [`:${name}`, patch[name]])),
    }),
  );
  return { statusCode: 204 };
}
