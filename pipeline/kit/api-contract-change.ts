import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import type { MarkedChange } from './infrastructure-change';

/**
 * The API contract change the api-compat gate found between the contract live in production and
 * the candidate's, as the approver sees it. The gate writes `api-compat/changes.json` into its
 * reports folder; this module is the one reader of that file.
 */

/** Where, under a gate's reports folder, the api-compat gate writes its changes. */
export const API_CHANGES_REPORT = 'api-compat/changes.json';

const changeSchema = z.object({
  id: z.string().min(1),
  text: z.string(),
  operation: z.string().optional(),
  path: z.string().optional(),
});

const changesSchema = z.object({
  /** The release whose contract is live, compared against. */
  base: z.string(),
  breaking: z.array(changeSchema),
  nonBreaking: z.array(changeSchema),
});

export type ApiChange = z.infer<typeof changeSchema>;

export interface ApiContractChange {
  /** The release whose contract is live, compared against. */
  readonly base: string;
  readonly breaking: readonly ApiChange[];
  readonly nonBreaking: readonly ApiChange[];
  /** A breaking change needs the approver's acknowledgement, like an IAM widening. */
  readonly marked: readonly MarkedChange[];
}

/** The token an approver writes in the comment to accept the breaking changes. */
export const BREAKING_API_TOKEN = 'breaking-api';

/**
 * The contract change in `file`; undefined when the gate wrote none. A file that is there but
 * not what the gate writes is an error: the approver must never see "no change" for it.
 */
export function readApiContractChange(file: string): ApiContractChange | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: z.infer<typeof changesSchema>;
  try {
    parsed = changesSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    throw new Error(
      `${file} is not the api-compat gate's change list (${(err as Error).message.split('\n')[0]}): run the api-compat gate again`,
    );
  }
  const { base, breaking, nonBreaking } = parsed;
  return {
    base,
    breaking,
    nonBreaking,
    marked: breaking.length
      ? [
          {
            token: BREAKING_API_TOKEN,
            text: `the API contract breaks ${breaking.length} thing${breaking.length === 1 ? '' : 's'} clients of ${base} rely on`,
          },
        ]
      : [],
  };
}

const where = (c: ApiChange): string =>
  c.operation || c.path ? ` (${[c.operation, c.path].filter(Boolean).join(' ')})` : '';

/** The contract change as the approver reads it in the terminal. */
export function renderApiContractChange(change: ApiContractChange | undefined): string[] {
  if (!change) return ['API contract:', '  not compared (the api-compat gate did not run)'];
  const lines = [`API contract (against ${change.base}):`];
  if (!change.breaking.length && !change.nonBreaking.length) return [...lines, '  no API contract change'];
  for (const m of change.marked) lines.push(`  ✖ ${m.text} [acknowledge: ${m.token}]`);
  for (const c of change.breaking) lines.push(`  breaking ${c.id}${where(c)}: ${c.text}`);
  for (const c of change.nonBreaking) lines.push(`  compatible ${c.id}${where(c)}: ${c.text}`);
  return lines;
}
