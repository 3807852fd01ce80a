import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEV_DEPENDENCIES } from '../../projenrc/dependencies';
import { releaseAssets } from '../../stages/service-stage';

/** The aws-cdk CLI version the project pins: the self-mutation step installs the same one. */
export function pinnedCdkCliVersion(): string {
  const pin = DEV_DEPENDENCIES.find((dependency) => dependency.startsWith('aws-cdk@'));
  if (!pin) throw new Error('projenrc/dependencies.ts pins no aws-cdk CLI');
  return pin.slice('aws-cdk@'.length);
}

/** The commit the `bundle` task recorded in the release it built in `dir`. */
export function releaseCommit(dir: string): string {
  const manifest = path.join(dir, 'release.json');
  const missing = [manifest, ...Object.values(releaseAssets(dir))].filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(
      `the release is not built (${missing.map((p) => path.relative(process.cwd(), p)).join(', ')} missing): run \`npx projen bundle\``,
    );
  }
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { commit: string }).commit;
}
