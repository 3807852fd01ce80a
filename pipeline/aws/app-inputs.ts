import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CDK_CLI_VERSION } from './cdk-cli';
import { releaseAssets } from '../../stages/service-stage';

/** The aws-cdk CLI version the project pins: the self-mutation step installs the same one. */
export function pinnedCdkCliVersion(): string {
  return CDK_CLI_VERSION;
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
