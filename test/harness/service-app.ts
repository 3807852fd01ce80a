import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Hono } from 'hono';
import { createApp } from '../../service/src/app';
import { newSigningKeysDocument, SigningKeysDocument, StaticKeyRing } from '../../service/src/auth/signing-keys';
import { DEFAULT_RATE_LIMITS, RateLimits, ServiceConfig } from '../../service/src/config';
import type { AppEnv, ClientAddress } from '../../service/src/http/app-env';

export const TEST_PASSWORD = 'correct horse battery staple';

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

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed JSON body; undefined for an empty or non-JSON body. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

export interface CallOptions {
  /** Sent as JSON with `Content-Type: application/json`. */
  readonly json?: unknown;
  /** Sent as it is (with whatever `headers` say). */
  readonly raw?: string;
  readonly token?: string;
  readonly headers?: Record<string, string>;
}

export interface Session {
  readonly user: { readonly id: string; readonly email: string };
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: string;
  readonly expiresIn: number;
}

export const uniqueEmail = (): string => `user-${randomUUID()}@example.com`;

/** Calls the app the way a client would, and reads the answer. */
export class ApiCaller {
  constructor(private readonly app: Hono<AppEnv>) {}

  async call(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.json !== undefined) headers['content-type'] ??= 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const body = options.json !== undefined ? JSON.stringify(options.json) : options.raw;
    const res = await this.app.request(path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, text, body: parsed };
  }

  /** Registers a new user and returns the session; fails the test if registration does not succeed. */
  async register(
    email: string = uniqueEmail(),
    password: string = TEST_PASSWORD,
    headers: Record<string, string> = {},
  ): Promise<Session> {
    const answer = await this.call('POST', '/auth/register', { json: { email, password }, headers });
    if (answer.status !== 201) throw new Error(`registration answered ${answer.status}: ${answer.text}`);
    return answer.body as Session;
  }
}
