// CWE-943 (OWASP A03): a helper builds a DynamoDB filter by concatenating its parameter, so
// `x' OR attribute_exists(pk) OR title = 'y` reads every item of the table.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export async function findByTitle(userInput: string): Promise<unknown[]> {
  const { Items } = await documents.send(
    new ScanCommand({
      TableName: 'notes',
      // ruleid: b2-dynamodb-expression-built
      FilterExpression: 'title = ' + userInput,
    }),
  );
  return Items ?? [];
}
