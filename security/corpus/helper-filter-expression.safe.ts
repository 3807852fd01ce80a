// Lookalike of helper-filter-expression: the filter is constant, the title a placeholder value.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const TITLE_FILTER = '#title = :title';

export async function findByTitle(userInput: string): Promise<unknown[]> {
  const { Items } = await documents.send(
    new ScanCommand({
      TableName: 'notes',
      FilterExpression: TITLE_FILTER + ' AND attribute_exists(pk)',
      ExpressionAttributeNames: { '#title': 'title' },
      ExpressionAttributeValues: { ':title': userInput },
    }),
  );
  return Items ?? [];
}
