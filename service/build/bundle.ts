import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import { DEFAULT_RELEASE_DIR, RELEASE_PARTS, ReleaseManifest, writeReleaseManifest } from './release';
import { runMain } from '../../pipeline/kit/cli';
import { PROJECT_ROOT } from '../../pipeline/toolchain/paths';
import { SERVICE_NODE_MAJOR } from '../../pipeline/toolchain/versions';
import { apiDocument } from '../src/contract/document';
import { DATA_SCHEMA } from '../src/data/table-design';

/** Each deployable of the release: its folder under the release, and the module it is built from. */
export const RELEASE_BUNDLES = {
  /** The API on Lambda, handler `index.handler`. */
  lambda: 'service/src/lambda.ts',
  /** The Secrets Manager rotation function of the signing keys, handler `index.handler`. */
  rotation: 'service/src/rotation.ts',
  /** The API and web front end on plain Node, for the local run and the local engine. */
  server: 'service/src/server.ts',
  /** The CloudWatch Synthetics canary that walks the smoke path every minute, handler `index.handler`. */
  canary: 'service/release-judgement/canary.ts',
  /** The CodeDeploy pre-traffic hook that walks the smoke path against a new version, handler `index.handler`. */
  'pre-traffic-hook': 'service/release-judgement/pre-traffic-hook.ts',
} as const;

export type ReleaseBundle = keyof typeof RELEASE_BUNDLES;

/**
 * The Node each bundle runs on: the service's pinned major (the Lambda functions and the local
 * releases), except the canary, which runs on CloudWatch Synthetics' runtime, on Lambda's Node.js 22
 * (`CANARY_RUNTIME` in stages/release-judgement/session-canary.ts).
 */
const NODE_TARGETS: Record<ReleaseBundle, string> = {
  lambda: `node${SERVICE_NODE_MAJOR}`,
  rotation: `node${SERVICE_NODE_MAJOR}`,
  server: `node${SERVICE_NODE_MAJOR}`,
  canary: 'node22',
  'pre-traffic-hook': `node${SERVICE_NODE_MAJOR}`,
};

/**
 * Bundled CommonJS dependencies still call `require` for Node's built-in modules and read
 * `__dirname`; an ES module has neither, so each bundle defines them first.
 */
const COMMONJS_SHIM = [
  "import { createRequire as __b2CreateRequire } from 'node:module';",
  "import { fileURLToPath as __b2FileUrlToPath } from 'node:url';",
  "import { dirname as __b2Dirname } from 'node:path';",
  'const require = __b2CreateRequire(import.meta.url);',
  'const __filename = __b2FileUrlToPath(import.meta.url);',
  'const __dirname = __b2Dirname(__filename);',
].join('\n');

export interface BundleProps {
  /** The release folder; each bundle's own folder in it is replaced, anything else (the web build) is left alone. */
  readonly outDir: string;
  readonly commit: string;
  readonly dirty: boolean;
}

/** Builds `<outDir>/<bundle>/index.mjs` for each of `RELEASE_BUNDLES`, and `<outDir>/release.json`. */
export async function bundleRelease(props: BundleProps): Promise<ReleaseManifest> {
  const names = Object.keys(RELEASE_BUNDLES) as ReleaseBundle[];
  for (const name of names) rmSync(path.join(props.outDir, name), { recursive: true, force: true });
  mkdirSync(props.outDir, { recursive: true });
  for (const target of new Set(names.map((name) => NODE_TARGETS[name]))) {
    await build({
      absWorkingDir: PROJECT_ROOT,
      entryPoints: names
        .filter((name) => NODE_TARGETS[name] === target)
        .map((name) => ({ in: RELEASE_BUNDLES[name], out: `${name}/index` })),
      outdir: props.outDir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target,
      // ES module builds first: they tree-shake, and the SDK's are the ones AWS tests on Lambda.
      mainFields: ['module', 'main'],
      banner: { js: COMMONJS_SHIM },
      // Readable stack traces in the logs matter more than a smaller asset.
      minify: false,
      legalComments: 'none',
      logLevel: 'warning',
    });
  }
  const manifest: ReleaseManifest = {
    commit: props.commit,
    builtAt: new Date().toISOString(),
    dirty: props.dirty,
    dataSchema: DATA_SCHEMA,
  };
  const version = props.dirty ? `${props.commit}-dirty` : props.commit;
  writeFileSync(path.join(props.outDir, RELEASE_PARTS.contract), `${JSON.stringify(apiDocument(version), null, 2)}\n`);
  writeReleaseManifest(props.outDir, manifest);
  return manifest;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(
      `git ${args.join(' ')} failed (${stderr || (err as Error).message}): a release is named after its commit, so build it in a git checkout with at least one commit`,
    );
  }
}

async function main(): Promise<number> {
  const commit = git(['rev-parse', 'HEAD']);
  const dirty = git(['status', '--porcelain']) !== '';
  const manifest = await bundleRelease({ outDir: DEFAULT_RELEASE_DIR, commit, dirty });
  const where = path.relative(process.cwd(), DEFAULT_RELEASE_DIR) || '.';
  console.log(
    `release ${manifest.commit.slice(0, 12)}${manifest.dirty ? ' (with uncommitted changes)' : ''} bundled into ${where}/{${Object.keys(RELEASE_BUNDLES).join(',')}}`,
  );
  return 0;
}

if (require.main === module) runMain(main);
