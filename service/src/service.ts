import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Hono } from 'hono';
import { createApp } from './app';
import { parseSigningKeysDocument, SecretsManagerKeyRing, SigningKeyRing, StaticKeyRing } from './auth/signing-keys';
import type { ServiceConfig } from './config';
import { createDocumentClient, createDynamoDbClient } from './data/dynamodb';
import type { AppEnv, ClientAddress } from './http/app-env';
import { tracer } from './observability';

function keyRingFor(config: ServiceConfig): SigningKeyRing {
  const source = config.signingKeys;
  if (source.kind === 'inline') return new StaticKeyRing(parseSigningKeysDocument(source.document));
  return new SecretsManagerKeyRing(tracer.captureAWSv3Client(new SecretsManagerClient({})), source.secretId);
}

/**
 * The API wired to its real clients from the settings: DynamoDB (DynamoDB Local when the
 * settings name an endpoint) and the signing keys (inline, or from Secrets Manager). Called once
 * per process by each entry point.
 */
export function createService(config: ServiceConfig, clientAddress?: ClientAddress): Hono<AppEnv> {
  const db = createDocumentClient(createDynamoDbClient({ endpoint: config.dynamodbEndpoint }));
  return createApp({ config, db, keyRing: keyRingFor(config), clientAddress });
}
