/**
 * The environment variables the B2 service reads: set by the API stack on Lambda and by the
 * local run. Both sides import these names, so neither can misspell one.
 */
export const SETTING = {
  /** `dev`, `staging` or `prod`. */
  environment: 'B2_ENVIRONMENT',
  /** The commit the release was built from; `/health` reports it. */
  version: 'B2_VERSION',
  tableName: 'B2_TABLE_NAME',
  /** Only locally: the DynamoDB Local endpoint. */
  dynamodbEndpoint: 'B2_DYNAMODB_ENDPOINT',
  /** Comma-separated CORS allowlist of the environment; never `*`. */
  corsOrigins: 'B2_CORS_ORIGINS',
  /** On AWS: the Secrets Manager secret holding the current and previous signing keys. */
  signingKeysSecretArn: 'B2_SIGNING_KEYS_SECRET_ARN',
  /** Locally: the same JSON document as the secret, inline. */
  signingKeys: 'B2_SIGNING_KEYS',
  tokenIssuer: 'B2_TOKEN_ISSUER',
  tokenAudience: 'B2_TOKEN_AUDIENCE',
} as const;

export type SettingName = (typeof SETTING)[keyof typeof SETTING];
