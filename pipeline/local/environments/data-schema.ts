import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { readRelease } from '../../../service/build/release';
import { workspace } from '../../kit/workspace';
import type { DataSchema } from '../rollback/rollback-plan';

/**
 * The shape of each environment's data, as the releases that went live there wrote it: kept
 * beside the environment and only ever raised, so a rollback can tell whether an older release
 * still reads it.
 */

const dataSchemaFile = (environment: string): string =>
  path.join(workspace.environment(environment), 'data-schema.json');

/** What a release declares in its manifest (releases built before it was recorded are version 1). */
export function releaseDataSchema(releaseDir: string): DataSchema {
  try {
    return readRelease(releaseDir, []).dataSchema;
  } catch {
    return { version: 1, readableFrom: 1 };
  }
}

/** The environment's data: the highest version and `readableFrom` of any release that went live there. */
export function liveDataSchema(environment: string): DataSchema | undefined {
  const file = dataSchemaFile(environment);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DataSchema) : undefined;
}

/** A release went live in the environment: its data schema is the data's from now on, never lowered. */
export function recordLiveDataSchema(environment: string, schema: DataSchema): DataSchema {
  const before = liveDataSchema(environment);
  const after = {
    version: Math.max(before?.version ?? 0, schema.version),
    readableFrom: Math.max(before?.readableFrom ?? 0, schema.readableFrom),
  };
  mkdirSync(path.dirname(dataSchemaFile(environment)), { recursive: true });
  writeFileSync(dataSchemaFile(environment), `${JSON.stringify(after, null, 2)}\n`);
  return after;
}
