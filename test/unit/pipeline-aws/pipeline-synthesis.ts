import { App } from 'aws-cdk-lib';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { pinnedCdkCliVersion } from '../../../pipeline/aws/app-inputs';
import { PIPELINE_CONFIG } from '../../../pipeline/aws/config';
import { PipelineStack, PipelineStackProps } from '../../../pipeline/aws/pipeline-stack';
import { releaseAssets } from '../../../stages/service-stage';
import { FIXTURE_COMMIT, FIXTURE_RELEASE, testApp } from '../stages/stage-synthesis';

/** Synthesizing the pipeline with its three stages takes seconds alone, and much longer beside other test files. */
export const SYNTHESIS_TIMEOUT_MS = 180_000;

/** The pipeline stack as `synth:pipeline` builds it, from the fixture release, synthesized once. */
export interface SynthesizedPipeline {
  readonly app: App;
  readonly stack: PipelineStack;
  readonly assembly: CloudAssembly;
  /** The pipeline stack's template, as plain JSON. */
  readonly template: CfnTemplate;
}

/** A CloudFormation template as JSON, for checks that read it the way CloudFormation does. */
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResourceJson>;
}

export interface CfnResourceJson {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

export function synthesizePipeline(props: Partial<PipelineStackProps> = {}): SynthesizedPipeline {
  const app = testApp();
  const stack = new PipelineStack(app, 'B2Pipeline', {
    config: PIPELINE_CONFIG,
    commit: FIXTURE_COMMIT,
    assets: releaseAssets(FIXTURE_RELEASE),
    cdkCliVersion: pinnedCdkCliVersion(),
    ...props,
  });
  const assembly = app.synth();
  const template = assembly.getStackByName(stack.stackName).template as CfnTemplate;
  return { app, stack, assembly, template };
}
