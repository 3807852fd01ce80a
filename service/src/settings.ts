/**
 * The environment variables the B2 service reads: set by the API stack on Lambda and by the
 * local run. Both sides import these names, so neither can misspell one.
 */
export const SETTING = {
  /** `dev`, `staging` or `prod`. */
  environment: 'B2_ENVIRONMENT',
  /** The commit the release was built from; `/health` reports it. */
  version: 'B2_VERSION',
  /** Default: `tableName(environment)`. */
  tableName: 'B2_TABLE_NAME',
  /** Only locally: the DynamoDB Local endpoint. */
  dynamodbEndpoint: 'B2_DYNAMODB_ENDPOINT',
  /** Comma-separated CORS allowlist of the environment; never `*`. Default: no cross-origin caller. */
  corsOrigins: 'B2_CORS_ORIGINS',
  /** On AWS: the Secrets Manager secret holding the current and previous signing keys. */
  signingKeysSecretArn: 'B2_SIGNING_KEYS_SECRET_ARN',
  /** Locally: the same JSON document as the secret, inline. */
  signingKeys: 'B2_SIGNING_KEYS',
  /** Default: `b2:<environment>`. */
  tokenIssuer: 'B2_TOKEN_ISSUER',
  /** Default: `b2-api:<environment>`. */
  tokenAudience: 'B2_TOKEN_AUDIENCE',
  /** Lifetime of an access token in seconds, 60–3600. Default 900 (15 minutes). */
  accessTokenTtlSeconds: 'B2_ACCESS_TOKEN_TTL_SECONDS',
  /**
   * Rate limits, each per minute. Registration is counted per client address, login per client
   * address and per email, refresh and logout per refresh-token family, and every signed-in route per user: so a load
   * test with many users from one address never trips them, while one account hammered does.
   */
  rateLimitRegisterPerAddress: 'B2_RATE_LIMIT_REGISTER_PER_ADDRESS',
  rateLimitLoginPerAddress: 'B2_RATE_LIMIT_LOGIN_PER_ADDRESS',
  rateLimitLoginPerEmail: 'B2_RATE_LIMIT_LOGIN_PER_EMAIL',
  rateLimitRefreshPerFamily: 'B2_RATE_LIMIT_REFRESH_PER_FAMILY',
  rateLimitRequestsPerUser: 'B2_RATE_LIMIT_REQUESTS_PER_USER',
  /**
   * Plain-Node server only: the key the environment's traffic front presents in `X-B2-Front`.
   * A request carrying it came through the front, so the client address the front appended to
   * `X-Forwarded-For` is believed; any other request is the client its socket says. Unset (a
   * server people reach directly): `X-Forwarded-For` is never believed. On AWS, API Gateway's
   * source IP is the client.
   */
  frontKey: 'B2_FRONT_KEY',
  /** Plain-Node server only: the port (default 3000) and address (default 127.0.0.1) it listens on. */
  port: 'PORT',
  host: 'HOST',
  /** Plain-Node server only: the built web front end. Default: `../web` next to the server bundle. */
  webDir: 'B2_WEB_DIR',
  /**
   * TEST ONLY. Plain-Node server only (the Lambda handler never reads it): delays every API
   * response by this many milliseconds, so the load gate can prove it fails a slow build.
   * Never set it for an environment people use.
   */
  testDelayMs: 'B2_TEST_DELAY_MS',
  /**
   * TEST ONLY. Plain-Node server only (the Lambda handler never reads it): comma-separated
   * requests, named as for `B2_TEST_FAIL_REQUESTS`, that `B2_TEST_DELAY_MS` applies to (unset:
   * every API response), so the load gate can prove it fails a build slower on some endpoints
   * only. Never set it for an environment people use.
   */
  testDelayRequests: 'B2_TEST_DELAY_REQUESTS',
  /**
   * TEST ONLY. Plain-Node server only (the Lambda handler never reads it): comma-separated
   * requests, named as the load test names them (`GET /memories?q`, `GET /memories/:id`), that
   * the server answers 500, so the smoke gate can prove it fails a release with a broken endpoint.
   * Never set it for an environment people use.
   */
  testFailRequests: 'B2_TEST_FAIL_REQUESTS',
} as const;

export type SettingName = (typeof SETTING)[keyof typeof SETTING];
