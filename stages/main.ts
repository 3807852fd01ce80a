import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { addComplianceChecks } from './compliance';
import { ENVIRONMENTS } from './config';
import { RELEASE_DIR, releaseAssets, ServiceStage } from './service-stage';
import { runMain } from '../pipeline/kit/cli';

/** What the `bundle` task records about the release it built. */
interface ReleaseManifest {
  readonly commit: string;
  readonly builtAt: string;
}

function readRelease(dir: string): ReleaseManifest {
  const manifest = path.join(dir, 'release.json');
  const missing = [manifest, ...Object.values(releaseAssets(dir))].filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(
      `the release is not built (${missing.map((p) => path.relative(process.cwd(), p)).join(', ')} missing): run \`npx projen bundle\``,
    );
  }
  return JSON.parse(readFileSync(manifest, 'utf8')) as ReleaseManifest;
}

/**
 * The CDK app (`cdk synth`): one stage per environment, in promotion order, all checked by cdk-nag.
 * It deploys the release in `B2_RELEASE_DIR`, by default the `bundle` task's `dist/release`.
 */
function main(): number {
  const releaseDir = process.env.B2_RELEASE_DIR ? path.resolve(process.env.B2_RELEASE_DIR) : RELEASE_DIR;
  const release = readRelease(releaseDir);
  const app = new App();
  for (const environment of ENVIRONMENTS) {
    new ServiceStage(app, environment.name, {
      environment,
      commit: release.commit,
      assets: releaseAssets(releaseDir),
    });
  }
  addComplianceChecks(app);
  app.synth();
  // A failed validation may be reported through the exit code instead of an exception.
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

runMain(main);
