import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from '../observability';

export interface DynamoDbClientOptions {
  /** DynamoDB Local's endpoint; unset on AWS, where the SDK finds the regional one. */
  readonly endpoint?: string;
}

/**
 * The DynamoDB client, created once per process. Bounded timeouts: a slow table must show as
 * a failed request (and an alarm), never as a request that hangs until the Lambda times out.
 */
export function createDynamoDbClient(options: DynamoDbClientOptions = {}): DynamoDBClient {
  const local = options.endpoint
    ? {
        endpoint: options.endpoint,
        // DynamoDB Local accepts any credentials and region; fixed ones keep a developer's
        // real AWS profile out of local runs.
        region: process.env.AWS_REGION ?? 'local',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }
    : {};
  const client = new DynamoDBClient({
    ...local,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
  });
  return tracer.captureAWSv3Client(client);
}

export function createDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
