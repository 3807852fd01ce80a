// CWE-943: an EventBridge event's detail is built into a key condition, which reaches the query
// through a variable and an object spread.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { EventBridgeEvent } from 'aws-lambda';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const BASE = { TableName: 'notes', ExpressionAttributeValues: { ':pk': 'TENANT#1' } };

export async function handler(event: EventBridgeEvent<'archive', { prefix: string }>): Promise<void> {
  const condition = `pk = :pk AND begins_with(sk, '${event.detail.prefix}')`;
  // ruleid: b2-dynamodb-expression-built, b2-dynamodb-expression-from-request
  const params = { ...BASE, KeyConditionExpression: condition };
  await documents.send(new QueryCommand({ ...params }));
}
