import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { RotationEvent, rotateSigningKeysSecret, SecretsManagerStore } from './auth/signing-key-rotation';
import { logger, tracer } from './observability';

/**
 * The Secrets Manager rotation function of the signing keys (handler `index.handler` in the
 * `rotation` bundle). Secrets Manager calls it once per step; each call is logged with the step
 * and the version, never with a key.
 */
const store = new SecretsManagerStore(tracer.captureAWSv3Client(new SecretsManagerClient({})));

export async function handler(event: RotationEvent, context: Context): Promise<void> {
  logger.addContext(context);
  logger.info('signing-key rotation step', { step: event.Step, version: event.ClientRequestToken });
  try {
    await rotateSigningKeysSecret(store, event);
  } catch (err) {
    logger.error('signing-key rotation step failed', { step: event.Step, error: err as Error });
    throw err;
  }
}
