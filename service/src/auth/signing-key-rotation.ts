import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import {
  newSigningKeysDocument,
  parseSigningKeysDocument,
  rotateSigningKeys,
  SigningKeysDocument,
  SigningKeysError,
} from './signing-keys';

/** The four steps Secrets Manager calls a rotation function with, in order, for one new version. */
export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

/** The event Secrets Manager sends the rotation function. */
export interface RotationEvent {
  readonly SecretId: string;
  /** The id of the version being created; the same for all four steps. */
  readonly ClientRequestToken: string;
  readonly Step: RotationStep;
}

export const CURRENT = 'AWSCURRENT';
export const PENDING = 'AWSPENDING';

/** What the rotation needs of Secrets Manager: its versions, their staging labels and values. */
export interface SecretStore {
  /** Whether rotation is enabled, and each version's staging labels. */
  describe(secretId: string): Promise<{ rotationEnabled: boolean; versions: Record<string, readonly string[]> }>;
  /** The value of the version that has `stage` (and is `versionId`, when given); undefined when there is none. */
  value(secretId: string, stage: string, versionId?: string): Promise<string | undefined>;
  /** Stores `value` as version `versionId`, labelled AWSPENDING. */
  putPending(secretId: string, versionId: string, value: string): Promise<void>;
  /** Moves AWSCURRENT from version `from` to version `to` (AWSPREVIOUS follows `from`). */
  makeCurrent(secretId: string, to: string, from: string | undefined): Promise<void>;
}

/** The rotation cannot go on; Secrets Manager retries the step and, in the end, reports the rotation failed. */
export class RotationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RotationError';
  }
}

function parseOrUndefined(value: string | undefined): SigningKeysDocument | undefined {
  if (value === undefined) return undefined;
  try {
    return parseSigningKeysDocument(value);
  } catch (err) {
    if (err instanceof SigningKeysError) return undefined;
    throw err;
  }
}

/**
 * One step of a signing-key rotation (the Secrets Manager rotation protocol). `createSecret`
 * stores a document whose current key is new and whose previous key is the old current one, so
 * tokens already issued keep verifying until they expire; the first rotation of a new secret
 * replaces its generated placeholder with a document holding one key. `setSecret` has nothing
 * to do: the keys live only in the secret. `testSecret` checks the pending document is one the
 * service can read. `finishSecret` makes it current. Each step is safe to repeat.
 */
export async function rotateSigningKeysSecret(
  store: SecretStore,
  event: RotationEvent,
  now: Date = new Date(),
): Promise<void> {
  const { SecretId: secretId, ClientRequestToken: version, Step: step } = event;
  const { rotationEnabled, versions } = await store.describe(secretId);
  if (!rotationEnabled) throw new RotationError(`rotation is not enabled on ${secretId}`);
  const stages = versions[version];
  if (!stages) throw new RotationError(`version ${version} of ${secretId} does not exist`);
  if (stages.includes(CURRENT)) return;
  if (!stages.includes(PENDING)) throw new RotationError(`version ${version} of ${secretId} is not pending`);

  switch (step) {
    case 'createSecret': {
      if ((await store.value(secretId, PENDING, version)) !== undefined) return;
      const current = parseOrUndefined(await store.value(secretId, CURRENT));
      const next = current ? rotateSigningKeys(current, now) : newSigningKeysDocument(now);
      await store.putPending(secretId, version, JSON.stringify(next));
      return;
    }
    case 'setSecret':
      return;
    case 'testSecret': {
      const pending = await store.value(secretId, PENDING, version);
      if (pending === undefined) throw new RotationError(`version ${version} of ${secretId} has no value`);
      const next = parseSigningKeysDocument(pending);
      const current = parseOrUndefined(await store.value(secretId, CURRENT));
      if (current && next.current.kid === current.current.kid) {
        throw new RotationError(`the pending signing key of ${secretId} is the current one: nothing would rotate`);
      }
      return;
    }
    case 'finishSecret': {
      const from = Object.entries(versions).find(([, labels]) => labels.includes(CURRENT))?.[0];
      await store.makeCurrent(secretId, version, from);
      return;
    }
    default:
      throw new RotationError(`unknown rotation step ${String(step)}`);
  }
}

/** The SecretStore of the real Secrets Manager. */
export class SecretsManagerStore implements SecretStore {
  constructor(private readonly client: SecretsManagerClient) {}

  async describe(secretId: string) {
    const out = await this.client.send(new DescribeSecretCommand({ SecretId: secretId }));
    return { rotationEnabled: out.RotationEnabled === true, versions: out.VersionIdsToStages ?? {} };
  }

  async value(secretId: string, stage: string, versionId?: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage, VersionId: versionId }),
      );
      return out.SecretString;
    } catch (err) {
      if (err instanceof ResourceNotFoundException) return undefined;
      throw err;
    }
  }

  async putPending(secretId: string, versionId: string, value: string): Promise<void> {
    await this.client.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        ClientRequestToken: versionId,
        SecretString: value,
        VersionStages: [PENDING],
      }),
    );
  }

  async makeCurrent(secretId: string, to: string, from: string | undefined): Promise<void> {
    await this.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: CURRENT,
        MoveToVersionId: to,
        RemoveFromVersionId: from,
      }),
    );
  }
}
