import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { readJsonFile } from '../../pipeline/kit/json-file';
import { PROJECT_ROOT } from '../../pipeline/toolchain/paths';

/**
 * A release: the folder the `bundle` task builds, which every engine deploys. This module is
 * the one place its layout and its manifest are defined; the CDK app, the AWS pipeline, the
 * local engine and `serve` read a release only through it.
 */

/** Where `npx projen bundle` writes the release. */
export const DEFAULT_RELEASE_DIR = path.join(PROJECT_ROOT, 'dist', 'release');

/** The parts of a release, relative to its folder. */
export const RELEASE_PARTS = {
  /** What the release records about itself. */
  manifest: 'release.json',
  /** The API on Lambda (`index.mjs`, handler `index.handler`). */
  lambda: 'lambda',
  /** The signing-key rotation function on Lambda. */
  rotation: 'rotation',
  /** The API and web front end on plain Node: what local environments and `serve` run. */
  server: path.join('server', 'index.mjs'),
  /** The built web front end. */
  web: 'web',
  /** The API contract this release serves at `/openapi.json`: what the api-compat gate compares. */
  contract: 'openapi.json',
  /** The Synthetics canary that walks the smoke path through each environment's API every minute. */
  canary: 'canary',
  /** The CodeDeploy pre-traffic hook that walks the smoke path against a new API version. */
  preTrafficHook: 'pre-traffic-hook',
} as const;

const manifestSchema = z.object({
  commit: z.string().min(1),
  builtAt: z.string().min(1),
  /** True when the working tree had uncommitted changes: the bundles are not exactly `commit`. */
  dirty: z.boolean().default(false),
  /**
   * The version of the data the release reads and writes, and the oldest version that can read
   * what it writes (`DATA_SCHEMA`); releases built before it was recorded are version 1.
   */
  dataSchema: z
    .object({ version: z.number().int().min(1), readableFrom: z.number().int().min(1) })
    .default({ version: 1, readableFrom: 1 }),
});

export type ReleaseManifest = z.infer<typeof manifestSchema>;

export function writeReleaseManifest(dir: string, manifest: ReleaseManifest): void {
  writeFileSync(path.join(dir, RELEASE_PARTS.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * The manifest of the release built in `dir`, once the parts a reader needs are there; one line
 * names what is missing and the task that builds it.
 */
export function readRelease(dir: string, needs: readonly (keyof typeof RELEASE_PARTS)[]): ReleaseManifest {
  const missing = ['manifest' as const, ...needs]
    .map((part) => path.join(dir, RELEASE_PARTS[part]))
    .filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new Error(
      `the release is not built (${missing.map((p) => path.relative(process.cwd(), p)).join(', ')} missing): run \`npx projen bundle\``,
    );
  }
  return readJsonFile(path.join(dir, RELEASE_PARTS.manifest), manifestSchema, 'a release manifest');
}
