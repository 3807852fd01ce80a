import { z } from 'zod';
import { tableName } from './data/table-design';
import { SETTING } from './settings';

/** Requests per fixed one-minute window. */
export interface RateLimits {
  readonly registerPerAddress: number;
  readonly loginPerAddress: number;
  readonly loginPerEmail: number;
  readonly refreshPerFamily: number;
  readonly requestsPerUser: number;
}

export type SigningKeysSource =
  { readonly kind: 'inline'; readonly document: string } | { readonly kind: 'secret'; readonly secretId: string };

/** What the service needs to run, read once from its settings (environment variables). */
export interface ServiceConfig {
  readonly environment: string;
  readonly version: string;
  readonly tableName: string;
  readonly dynamodbEndpoint?: string;
  readonly corsOrigins: readonly string[];
  readonly signingKeys: SigningKeysSource;
  readonly tokenIssuer: string;
  readonly tokenAudience: string;
  readonly accessTokenTtlSeconds: number;
  readonly rateLimits: RateLimits;
}

/**
 * The defaults let a load test of many users from one address run at tens of requests per
 * second without a 429, and still stop one account from being hammered (password guessing,
 * a runaway client).
 */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  registerPerAddress: 600,
  // The 10x load gate signs in ~430 times a minute from one address; password guessing across
  // many accounts from one client stops here, one account's guessing at loginPerEmail.
  loginPerAddress: 1200,
  loginPerEmail: 30,
  refreshPerFamily: 30,
  requestsPerUser: 600,
};

/** Short enough that a stolen access token is soon useless; refresh tokens carry the session. */
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 900;

/** A settings value the service cannot run with; the message names the setting and the fix. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{1,30}$/;

function origin(value: string, setting: string): string {
  if (value === '*') throw new ConfigError(`${setting} must list origins; '*' is never allowed`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${setting} holds '${value}', which is not an origin like https://app.example.com`);
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.origin !== value.replace(/\/$/, '')) {
    throw new ConfigError(`${setting} holds '${value}', which is not an origin like https://app.example.com`);
  }
  return url.origin;
}

function integer(env: NodeJS.ProcessEnv, setting: string, fallback: number, min: number, max: number): number {
  const raw = env[setting];
  if (raw === undefined || raw === '') return fallback;
  const parsed = z.coerce.number().int().min(min).max(max).safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${setting} must be a whole number from ${min} to ${max}, not '${raw}'`);
  return parsed.data;
}

/** Reads and checks every setting; throws a ConfigError naming the first bad one. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const environment = env[SETTING.environment] ?? '';
  if (!ENVIRONMENT_NAME.test(environment)) {
    throw new ConfigError(
      `${SETTING.environment} must name the environment (dev, staging, prod), not '${environment || '(unset)'}'`,
    );
  }

  const inline = env[SETTING.signingKeys];
  const secretId = env[SETTING.signingKeysSecretArn];
  let signingKeys: SigningKeysSource;
  if (inline) signingKeys = { kind: 'inline', document: inline };
  else if (secretId) signingKeys = { kind: 'secret', secretId };
  else throw new ConfigError(`set ${SETTING.signingKeysSecretArn} (on AWS) or ${SETTING.signingKeys} (locally)`);

  const corsOrigins = (env[SETTING.corsOrigins] ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter(Boolean)
    .map((value) => origin(value, SETTING.corsOrigins));

  return {
    environment,
    version: env[SETTING.version] || 'unknown',
    tableName: env[SETTING.tableName] || tableName(environment),
    dynamodbEndpoint: env[SETTING.dynamodbEndpoint] || undefined,
    corsOrigins,
    signingKeys,
    tokenIssuer: env[SETTING.tokenIssuer] || `b2:${environment}`,
    tokenAudience: env[SETTING.tokenAudience] || `b2-api:${environment}`,
    accessTokenTtlSeconds: integer(env, SETTING.accessTokenTtlSeconds, DEFAULT_ACCESS_TOKEN_TTL_SECONDS, 60, 3600),
    rateLimits: {
      registerPerAddress: integer(
        env,
        SETTING.rateLimitRegisterPerAddress,
        DEFAULT_RATE_LIMITS.registerPerAddress,
        1,
        1_000_000,
      ),
      loginPerAddress: integer(
        env,
        SETTING.rateLimitLoginPerAddress,
        DEFAULT_RATE_LIMITS.loginPerAddress,
        1,
        1_000_000,
      ),
      loginPerEmail: integer(env, SETTING.rateLimitLoginPerEmail, DEFAULT_RATE_LIMITS.loginPerEmail, 1, 1_000_000),
      refreshPerFamily: integer(
        env,
        SETTING.rateLimitRefreshPerFamily,
        DEFAULT_RATE_LIMITS.refreshPerFamily,
        1,
        1_000_000,
      ),
      requestsPerUser: integer(
        env,
        SETTING.rateLimitRequestsPerUser,
        DEFAULT_RATE_LIMITS.requestsPerUser,
        1,
        1_000_000,
      ),
    },
  };
}
