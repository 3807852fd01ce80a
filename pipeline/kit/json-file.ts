import { readFileSync } from 'node:fs';
import type { z } from 'zod';

/**
 * JSON text checked against a schema. The error names where it came from, what it should have
 * been, and the first wrong field: `load.json is not a load profile: session.1: Invalid option`.
 */
export function parseJson<S extends z.ZodType>(text: string, schema: S, source: string, what: string): z.infer<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`cannot read ${what} ${source}: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source} is not ${what}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}

/** A JSON file checked against a schema; a missing or unreadable file is named with its cause. */
export function readJsonFile<S extends z.ZodType>(file: string, schema: S, what: string): z.infer<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${what} ${file}: ${(err as Error).message}`);
  }
  return parseJson(text, schema, file, what);
}
