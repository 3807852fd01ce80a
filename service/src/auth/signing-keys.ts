import { randomBytes } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';

/**
 * The one algorithm access tokens are signed and verified with. HS256 with 256-bit random
 * secrets: the B2 API is the only party that issues and checks its tokens, so a shared secret
 * (kept in Secrets Manager, rotated there) is enough, it signs and verifies in microseconds
 * (login and every request stay fast), and pinning one algorithm closes the `alg` confusion
 * attacks (`none`, RS/HS swaps). An asymmetric algorithm would only pay off once another
 * service needs to verify B2 tokens without being able to mint them.
 */
export const SIGNING_ALGORITHM = 'HS256';

/** 256 bits: HS256's full strength (RFC 7518 §3.2 requires at least the hash size). */
const SECRET_BYTES = 32;

export interface SigningKey {
  readonly kid: string;
  readonly secret: Uint8Array;
}

/** New tokens are signed with `current`; tokens signed with `previous` are still accepted. */
export interface SigningKeySet {
  readonly current: SigningKey;
  readonly previous?: SigningKey;
}

const keySchema = z.strictObject({
  kid: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'kid must be 1-64 characters of A-Z a-z 0-9 . _ -'),
  secret: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'secret must be base64url')
    .refine((value) => Buffer.from(value, 'base64url').length >= SECRET_BYTES, {
      message: `secret must decode to at least ${SECRET_BYTES} bytes`,
    }),
});

/**
 * The signing-keys document, stored as the Secrets Manager secret on AWS and inline in
 * `B2_SIGNING_KEYS` locally: `{ "current": { "kid", "secret" }, "previous"?: { "kid", "secret" } }`,
 * each secret base64url of 32 random bytes.
 */
export const signingKeysDocumentSchema = z
  .strictObject({ current: keySchema, previous: keySchema.optional() })
  .refine((doc) => doc.current.kid !== doc.previous?.kid, { message: 'current and previous must have different kids' });

export type SigningKeysDocument = z.infer<typeof signingKeysDocumentSchema>;

/** The signing-keys document is unusable; the message never contains a secret. */
export class SigningKeysError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeysError';
  }
}

export function parseSigningKeysDocument(json: string): SigningKeysDocument {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new SigningKeysError('the signing-keys document is not JSON');
  }
  const parsed = signingKeysDocumentSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'document'}: ${issue.message}`);
    throw new SigningKeysError(`the signing-keys document is invalid: ${issues.join('; ')}`);
  }
  return parsed.data;
}

function toKey(key: { kid: string; secret: string }): SigningKey {
  return { kid: key.kid, secret: new Uint8Array(Buffer.from(key.secret, 'base64url')) };
}

export function signingKeySet(doc: SigningKeysDocument): SigningKeySet {
  return { current: toKey(doc.current), previous: doc.previous ? toKey(doc.previous) : undefined };
}

/** A fresh key; its kid carries the creation date so a person can tell keys apart. */
export function generateSigningKey(now: Date = new Date()): SigningKeysDocument['current'] {
  const date = now.toISOString().slice(0, 10).replaceAll('-', '');
  return {
    kid: `${date}-${randomBytes(6).toString('base64url')}`,
    secret: randomBytes(SECRET_BYTES).toString('base64url'),
  };
}

/** A document with only a current key (a new environment, or a local run). */
export function newSigningKeysDocument(now?: Date): SigningKeysDocument {
  return { current: generateSigningKey(now) };
}

/** One rotation: the current key becomes the previous one and a new key becomes current. */
export function rotateSigningKeys(doc: SigningKeysDocument, now?: Date): SigningKeysDocument {
  return { current: generateSigningKey(now), previous: doc.current };
}

/** Where the service gets its keys from: inline locally, Secrets Manager on AWS. */
export interface SigningKeyRing {
  keys(): Promise<SigningKeySet>;
  /** The key with this kid, or undefined when it is neither current nor previous. */
  find(kid: string): Promise<SigningKey | undefined>;
}

function lookup(set: SigningKeySet, kid: string): SigningKey | undefined {
  return [set.current, set.previous].find((key) => key?.kid === kid);
}

export class StaticKeyRing implements SigningKeyRing {
  private readonly set: SigningKeySet;

  constructor(doc: SigningKeysDocument) {
    this.set = signingKeySet(doc);
  }

  async keys(): Promise<SigningKeySet> {
    return this.set;
  }

  async find(kid: string): Promise<SigningKey | undefined> {
    return lookup(this.set, kid);
  }
}

export interface SecretsManagerKeyRingOptions {
  /** How long a fetched document is used before it is fetched again. @default 5 minutes */
  readonly maxAgeMs?: number;
  /** A token with an unknown kid refetches at most this often. @default 30 seconds */
  readonly unknownKidRefetchMs?: number;
}

/**
 * The keys from the Secrets Manager secret, cached per Lambda instance. After a rotation an
 * instance may still hold the old document: it keeps signing with what is now the previous key
 * (accepted everywhere), and a token with the new kid makes it refetch, bounded so that tokens
 * with made-up kids cannot turn into a flood of Secrets Manager calls.
 */
export class SecretsManagerKeyRing implements SigningKeyRing {
  private cached?: { set: SigningKeySet; fetchedAt: number };
  private inflight?: Promise<SigningKeySet>;
  private readonly maxAgeMs: number;
  private readonly unknownKidRefetchMs: number;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    options: SecretsManagerKeyRingOptions = {},
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
    this.unknownKidRefetchMs = options.unknownKidRefetchMs ?? 30_000;
  }

  async keys(): Promise<SigningKeySet> {
    if (this.cached && Date.now() - this.cached.fetchedAt < this.maxAgeMs) return this.cached.set;
    return this.fetch();
  }

  async find(kid: string): Promise<SigningKey | undefined> {
    const found = lookup(await this.keys(), kid);
    if (found || !this.cached || Date.now() - this.cached.fetchedAt < this.unknownKidRefetchMs) return found;
    return lookup(await this.fetch(), kid);
  }

  private fetch(): Promise<SigningKeySet> {
    this.inflight ??= this.client
      .send(new GetSecretValueCommand({ SecretId: this.secretId }))
      .then((out) => {
        if (!out.SecretString) throw new SigningKeysError(`secret ${this.secretId} has no string value`);
        const set = signingKeySet(parseSigningKeysDocument(out.SecretString));
        this.cached = { set, fetchedAt: Date.now() };
        return set;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }
}
