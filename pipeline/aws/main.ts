import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { pinnedCdkCliVersion, releaseCommit } from './app-inputs';
import { PIPELINE_CONFIG } from './config';
import { PipelineStack } from './pipeline-stack';
import { addComplianceChecks } from '../../stages/compliance';
import { RELEASE_DIR, releaseAssets } from '../../stages/service-stage';
import { runMain } from '../kit/cli';

/**
 * The pipeline's CDK app (`npx projen synth:pipeline`): the pipeline stack with the stages it
 * deploys, all checked by cdk-nag. It deploys the release in `B2_RELEASE_DIR`, by default the
 * `bundle` task's `dist/release`.
 */
function main(): number {
  const releaseDir = process.env.B2_RELEASE_DIR ? path.resolve(process.env.B2_RELEASE_DIR) : RELEASE_DIR;
  const app = new App();
  new PipelineStack(app, 'B2Pipeline', {
    config: PIPELINE_CONFIG,
    commit: releaseCommit(releaseDir),
    assets: releaseAssets(releaseDir),
    cdkCliVersion: pinnedCdkCliVersion(),
    description: 'B2 delivery pipeline: gates, promotion dev → staging → prod, approvals',
    terminationProtection: true,
  });
  addComplianceChecks(app);
  app.synth();
  // A failed validation may be reported through the exit code instead of an exception.
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

runMain(main);
