import { describe, expect, it } from 'vitest';
import {
  newSigningKeysDocument,
  parseSigningKeysDocument,
  SigningKeysError,
} from '../../../service/src/auth/signing-keys';
import { ConfigError, DEFAULT_RATE_LIMITS, loadConfig } from '../../../service/src/config';
import { SETTING } from '../../../service/src/settings';

const keys = JSON.stringify(newSigningKeysDocument());
const base = { [SETTING.environment]: 'staging', [SETTING.signingKeys]: keys };

describe('the service settings', () => {
  it('derives the table, issuer and audience from the environment when they are not set', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      environment: 'staging',
      tableName: 'staging-b2-data',
      tokenIssuer: 'b2:staging',
      tokenAudience: 'b2-api:staging',
      corsOrigins: [],
      accessTokenTtlSeconds: 900,
      rateLimits: DEFAULT_RATE_LIMITS,
      signingKeys: { kind: 'inline', document: keys },
    });
  });

  it('reads the signing keys from Secrets Manager on AWS', () => {
    const config = loadConfig({
      [SETTING.environment]: 'prod',
      [SETTING.signingKeysSecretArn]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod-b2-signing-keys',
    });
    expect(config.signingKeys).toEqual({
      kind: 'secret',
      secretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod-b2-signing-keys',
    });
  });

  it('reads the CORS allowlist as origins', () => {
    const config = loadConfig({ ...base, [SETTING.corsOrigins]: 'https://app.example.com, http://localhost:5173/' });
    expect(config.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
  });

  it("refuses '*' in the CORS allowlist", () => {
    expect(() => loadConfig({ ...base, [SETTING.corsOrigins]: 'https://app.example.com,*' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, [SETTING.corsOrigins]: '*' })).toThrow(/never allowed/);
  });

  it('refuses an allowlist entry that is not an origin', () => {
    expect(() => loadConfig({ ...base, [SETTING.corsOrigins]: 'https://app.example.com/path' })).toThrow(
      /not an origin/,
    );
    expect(() => loadConfig({ ...base, [SETTING.corsOrigins]: 'app.example.com' })).toThrow(/not an origin/);
  });

  it('refuses to start without an environment or without signing keys', () => {
    expect(() => loadConfig({ [SETTING.signingKeys]: keys })).toThrow(/B2_ENVIRONMENT/);
    expect(() => loadConfig({ [SETTING.environment]: 'dev' })).toThrow(/B2_SIGNING_KEYS/);
  });

  it('refuses an access-token lifetime or a rate limit out of range, naming the setting', () => {
    expect(() => loadConfig({ ...base, [SETTING.accessTokenTtlSeconds]: '86400' })).toThrow(
      SETTING.accessTokenTtlSeconds,
    );
    expect(() => loadConfig({ ...base, [SETTING.rateLimitLoginPerEmail]: 'many' })).toThrow(
      SETTING.rateLimitLoginPerEmail,
    );
    expect(loadConfig({ ...base, [SETTING.rateLimitLoginPerEmail]: '5' }).rateLimits.loginPerEmail).toBe(5);
  });
});

describe('the signing-keys document', () => {
  it('reads a document with a current and a previous key', () => {
    const current = newSigningKeysDocument().current;
    const previous = newSigningKeysDocument().current;
    expect(parseSigningKeysDocument(JSON.stringify({ current, previous }))).toEqual({ current, previous });
  });

  it('refuses a document that is not JSON, without echoing it', () => {
    const secret = 'top-secret-material';
    expect(() => parseSigningKeysDocument(`{${secret}`)).toThrow(SigningKeysError);
    expect(() => parseSigningKeysDocument(`{${secret}`)).not.toThrow(new RegExp(secret));
  });

  it('refuses a key shorter than 256 bits', () => {
    const doc = { current: { kid: 'k1', secret: Buffer.alloc(16).toString('base64url') } };
    expect(() => parseSigningKeysDocument(JSON.stringify(doc))).toThrow(/at least 32 bytes/);
  });

  it('refuses two keys with one key id, and unknown fields', () => {
    const key = newSigningKeysDocument().current;
    expect(() => parseSigningKeysDocument(JSON.stringify({ current: key, previous: key }))).toThrow(/different kids/);
    expect(() => parseSigningKeysDocument(JSON.stringify({ current: key, next: key }))).toThrow(SigningKeysError);
  });
});
