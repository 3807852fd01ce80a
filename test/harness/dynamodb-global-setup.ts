import type { TestProject } from 'vitest/node';
import { DYNAMODB_START_TIMEOUT_MS, SHARED_DYNAMODB_ENDPOINT } from './dynamodb-local';
import { DynamoDbLocal } from '../../pipeline/local/environments/dynamodb-local';

/**
 * One DynamoDB Local (in memory) for a whole test tier, started before its first file and stopped
 * when the run ends (vitest tears global setups down then, not when the tier is done): a JVM costs
 * seconds of CPU to start, and each file's tests make tables of their own (`newTable()`, a name no
 * other test uses) and delete them when done, so files share it without sharing data and leave
 * it idle. A file outside such a tier starts its own (`useDynamoDbLocal`).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const local = await DynamoDbLocal.start({ startTimeoutMs: DYNAMODB_START_TIMEOUT_MS });
  project.provide(SHARED_DYNAMODB_ENDPOINT, local.endpoint);
  return () => local.stop();
}
