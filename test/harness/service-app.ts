import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Hono } from 'hono';
import { createApp } from '../../service/src/app';
import { newSigningKeysDocument, SigningKeysDocument, StaticKeyRing } from '../../service/src/auth/signing-keys';
import { DEFAULT_RATE_LIMITS, RateLimits, ServiceConfig } from '../../service/src/config';
import type { AppEnv, ClientAddress } from '../../service/src/http/app-env';
import { B2Api } from '../integration/support/api';

export { TEST_PASSWORD, uniqueEmail } from '../integration/support/api';
export type { Answer, Session } from '../integration/support/api';

export interface TestAppProps {
  readonly db: DynamoDBDocumentClient;
  readonly table: string;
  /** @default a fresh document with one key */
  readonly keys?: SigningKeysDocument;
  /** @default DEFAULT_RATE_LIMITS */
  readonly rateLimits?: Partial<RateLimits>;
  /** @default none */
  readonly corsOrigins?: readonly string[];
  readonly clientAddress?: ClientAddress;
}

/** The settings of a test environment, as `loadConfig` would read them. */
export function testConfig(props: Omit<TestAppProps, 'db'>): ServiceConfig {
  return {
    environment: 'test',
    version: 'test-commit',
    tableName: props.table,
    corsOrigins: props.corsOrigins ?? [],
    signingKeys: { kind: 'inline', document: JSON.stringify(props.keys ?? newSigningKeysDocument()) },
    tokenIssuer: 'b2:test',
    tokenAudience: 'b2-api:test',
    accessTokenTtlSeconds: 900,
    rateLimits: { ...DEFAULT_RATE_LIMITS, ...props.rateLimits },
  };
}

/** The real API app on a DynamoDB Local table, driven in-process. */
export function testApp(props: TestAppProps): Hono<AppEnv> {
  const keys = props.keys ?? newSigningKeysDocument();
  return createApp({
    config: testConfig({ ...props, keys }),
    db: props.db,
    keyRing: new StaticKeyRing(keys),
    clientAddress: props.clientAddress,
  });
}

/** The API client of the integration tests, calling the app in-process instead of over HTTP. */
export class ApiCaller extends B2Api {
  constructor(app: Hono<AppEnv>) {
    super('http://b2.test', (url, init) => Promise.resolve(app.request(url, init)));
  }
}
