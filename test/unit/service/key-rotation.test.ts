import { beforeAll, describe, expect, it } from 'vitest';
import {
  CURRENT,
  PENDING,
  RotationEvent,
  RotationStep,
  rotateSigningKeysSecret,
  SecretStore,
} from '../../../service/src/auth/signing-key-rotation';
import {
  newSigningKeysDocument,
  parseSigningKeysDocument,
  rotateSigningKeys,
  SigningKeysDocument,
} from '../../../service/src/auth/signing-keys';
import { useDynamoDbLocal } from '../../harness/dynamodb-local';
import { ApiCaller, testApp } from '../../harness/service-app';

const dynamodb = useDynamoDbLocal();

describe('signing-key rotation in the API', () => {
  let table: string;
  const keysV1 = newSigningKeysDocument();
  const keysV2 = rotateSigningKeys(keysV1);
  const keysV3 = rotateSigningKeys(keysV2);
  const apiWith = (keys: SigningKeysDocument) => new ApiCaller(testApp({ db: dynamodb.db, table, keys }));

  beforeAll(async () => {
    table = await dynamodb.newTable();
  });

  it('keeps accepting a token signed with the previous key after one rotation', async () => {
    const before = await apiWith(keysV1).register();
    const answer = await apiWith(keysV2).call('GET', '/memories', { token: before.accessToken });
    expect(answer.status).toBe(200);
  });

  it('signs new tokens with the new current key', async () => {
    const session = await apiWith(keysV2).register();
    const header = JSON.parse(Buffer.from(session.accessToken.split('.')[0], 'base64url').toString());
    expect(header).toMatchObject({ alg: 'HS256', kid: keysV2.current.kid, typ: 'at+jwt' });
  });

  it('rejects a token signed with a key that has been rotated out, and accepts one with the then previous key', async () => {
    const retired = await apiWith(keysV1).register();
    const previous = await apiWith(keysV2).register();
    const api = apiWith(keysV3);
    const rejected = await api.call('GET', '/memories', { token: retired.accessToken });
    expect(rejected.status).toBe(401);
    expect(rejected.body.error.code).toBe('invalid_token');
    expect((await api.call('GET', '/memories', { token: previous.accessToken })).status).toBe(200);
  });

  it('keeps a pagination cursor valid across one rotation', async () => {
    const session = await apiWith(keysV1).register();
    for (const text of ['one', 'two', 'three']) {
      await apiWith(keysV1).call('POST', '/memories', { json: { text, category: 'c' }, token: session.accessToken });
    }
    const first = await apiWith(keysV1).call('GET', '/memories?limit=2', { token: session.accessToken });
    const next = await apiWith(keysV2).call(
      'GET',
      `/memories?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
      { token: session.accessToken },
    );
    expect(next.status).toBe(200);
    expect(next.body.items.map((m: { text: string }) => m.text)).toEqual(['one']);
  });
});

/**
 * Secrets Manager's versions and staging labels, kept in memory: the service cannot reach
 * Secrets Manager from here, so the rotation steps run against this model of its documented
 * behaviour (one version per label; AWSPREVIOUS follows the version that loses AWSCURRENT).
 */
class SecretVersions implements SecretStore {
  rotationEnabled = true;
  readonly values = new Map<string, string>();
  readonly labels = new Map<string, string[]>();

  constructor(initial: string) {
    this.values.set('v0', initial);
    this.labels.set('v0', [CURRENT]);
  }

  /** What Secrets Manager does before it calls createSecret: a new version id labelled AWSPENDING, no value yet. */
  beginRotation(version: string): void {
    for (const [id, labels] of this.labels) {
      this.labels.set(
        id,
        labels.filter((label) => label !== PENDING),
      );
    }
    this.labels.set(version, [PENDING]);
  }

  current(): string {
    const id = [...this.labels].find(([, labels]) => labels.includes(CURRENT))?.[0];
    return this.values.get(id as string) as string;
  }

  async describe() {
    return { rotationEnabled: this.rotationEnabled, versions: Object.fromEntries(this.labels) };
  }

  async value(_secretId: string, stage: string, versionId?: string) {
    const id = [...this.labels].find(
      ([candidate, labels]) => labels.includes(stage) && (versionId === undefined || candidate === versionId),
    )?.[0];
    return id === undefined ? undefined : this.values.get(id);
  }

  async putPending(_secretId: string, versionId: string, value: string) {
    if (this.values.has(versionId)) throw new Error(`version ${versionId} already has a value`);
    this.values.set(versionId, value);
  }

  async makeCurrent(_secretId: string, to: string, from: string | undefined) {
    for (const [id, labels] of this.labels) {
      this.labels.set(
        id,
        labels.filter((label) => label !== 'AWSPREVIOUS'),
      );
    }
    if (from) this.labels.set(from, ['AWSPREVIOUS']);
    this.labels.set(to, [...(this.labels.get(to) ?? []).filter((label) => label !== PENDING), CURRENT]);
  }
}

const STEPS: RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];
const event = (version: string, step: RotationStep): RotationEvent => ({
  SecretId: 'dev-b2-signing-keys',
  ClientRequestToken: version,
  Step: step,
});

async function rotate(store: SecretVersions, version: string): Promise<void> {
  store.beginRotation(version);
  for (const step of STEPS) await rotateSigningKeysSecret(store, event(version, step));
}

describe('the signing-key rotation function', () => {
  it('replaces the placeholder of a new secret with a document of one key', async () => {
    const store = new SecretVersions('generated-placeholder-password');
    await rotate(store, 'v1');
    const doc = parseSigningKeysDocument(store.current());
    expect(doc.previous).toBeUndefined();
    expect(store.labels.get('v1')).toEqual([CURRENT]);
  });

  it('makes a new key current and keeps the old current one as previous', async () => {
    const before = newSigningKeysDocument();
    const store = new SecretVersions(JSON.stringify(before));
    await rotate(store, 'v1');
    const after = parseSigningKeysDocument(store.current());
    expect(after.previous).toEqual(before.current);
    expect(after.current.kid).not.toBe(before.current.kid);
    expect(after.current.secret).not.toBe(before.current.secret);
    expect(store.labels.get('v0')).toEqual(['AWSPREVIOUS']);
  });

  it('drops the key before the previous one on the next rotation', async () => {
    const first = newSigningKeysDocument();
    const store = new SecretVersions(JSON.stringify(first));
    await rotate(store, 'v1');
    const second = parseSigningKeysDocument(store.current());
    await rotate(store, 'v2');
    const third = parseSigningKeysDocument(store.current());
    expect(third.previous).toEqual(second.current);
    expect([third.current.kid, third.previous?.kid]).not.toContain(first.current.kid);
  });

  it('creates the pending version once, however often createSecret is retried', async () => {
    const store = new SecretVersions(JSON.stringify(newSigningKeysDocument()));
    store.beginRotation('v1');
    await rotateSigningKeysSecret(store, event('v1', 'createSecret'));
    const pending = store.values.get('v1');
    await rotateSigningKeysSecret(store, event('v1', 'createSecret'));
    expect(store.values.get('v1')).toBe(pending);
  });

  it('fails testSecret when the pending version is not a signing-keys document, and never makes it current', async () => {
    const store = new SecretVersions(JSON.stringify(newSigningKeysDocument()));
    store.beginRotation('v1');
    await store.putPending('dev-b2-signing-keys', 'v1', '{"current":{"kid":"x","secret":"short"}}');
    await expect(rotateSigningKeysSecret(store, event('v1', 'testSecret'))).rejects.toThrow(/invalid/);
    expect(store.labels.get('v1')).toEqual([PENDING]);
  });

  it('refuses to rotate when rotation is not enabled on the secret', async () => {
    const store = new SecretVersions(JSON.stringify(newSigningKeysDocument()));
    store.rotationEnabled = false;
    store.beginRotation('v1');
    await expect(rotateSigningKeysSecret(store, event('v1', 'createSecret'))).rejects.toThrow(/not enabled/);
  });

  it('refuses a version that does not exist, and does nothing for one already current', async () => {
    const store = new SecretVersions(JSON.stringify(newSigningKeysDocument()));
    await expect(rotateSigningKeysSecret(store, event('unknown', 'createSecret'))).rejects.toThrow(/does not exist/);
    const before = store.current();
    await rotateSigningKeysSecret(store, event('v0', 'finishSecret'));
    expect(store.current()).toBe(before);
  });
});
