// Lookalike of eventbridge-key-condition-spread: the same spread, the prefix as a placeholder value.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { EventBridgeEvent } from 'aws-lambda';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const BASE = { TableName: 'notes' };
const CONDITION = 'pk = :pk AND begins_with(sk, :prefix)';

export async function handler(event: EventBridgeEvent<'archive', { prefix: string }>): Promise<void> {
  const params = { ...BASE, KeyConditionExpression: `${CONDITION}` };
  await documents.send(
    new QueryCommand({
      ...params,
      ExpressionAttributeValues: { ':pk': 'TENANT#1', ':prefix': event.detail.prefix },
    }),
  );
}
