import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { addComplianceChecks } from './compliance';
import { ENVIRONMENTS } from './config';
import { RELEASE_DIR, releaseAssets, ServiceStage } from './service-stage';
import { runMain } from '../pipeline/kit/cli';
import { readRelease } from '../service/build/release';

/**
 * The CDK app (`cdk synth`): one stage per environment, in promotion order, all checked by cdk-nag.
 * It deploys the release in `B2_RELEASE_DIR`, by default the `bundle` task's `dist/release`.
 */
function main(): number {
  const releaseDir = process.env.B2_RELEASE_DIR ? path.resolve(process.env.B2_RELEASE_DIR) : RELEASE_DIR;
  const release = readRelease(releaseDir, ['lambda', 'rotation', 'web']);
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
