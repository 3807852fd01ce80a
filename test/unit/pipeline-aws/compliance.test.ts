import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CfnResource, Stack, Stage, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CodePipeline, CodePipelineSource, ShellStep } from 'aws-cdk-lib/pipelines';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SYNTHESIS_TIMEOUT_MS, SynthesizedPipeline, synthesizePipeline } from './pipeline-synthesis';
import { PIPELINE_CONFIG } from '../../../pipeline/aws/config';
import { acknowledgeGeneratedPermissions } from '../../../pipeline/aws/generated-permissions';
import { requireTool } from '../../../pipeline/toolchain/probe';
import { complianceFindings, findings, testApp } from '../stages/stage-synthesis';

const run = promisify(execFile);

/**
 * CDK writes a DependsOn on the pipeline's role next to the GetAtt that already orders them:
 * redundant, harmless, and not ours to change (the stages' cfn-lint check ignores it too).
 */
const IGNORED_CHECKS = ['W3005'];

/** cfn-lint loads its whole schema set per run: seconds alone, far longer beside other test files. */
const CFN_LINT_TIMEOUT_MS = 120_000;

interface CfnLintFinding {
  readonly Level: string;
  readonly Rule: { readonly Id: string };
  readonly Message: string;
}

/** cfn-lint's findings on templates of one region; it exits non-zero whenever it finds anything. */
async function cfnLint(templates: string[], region: string): Promise<CfnLintFinding[]> {
  const cfnLintPath = await requireTool('cfn-lint');
  const args = ['--format', 'json', '--regions', region, '--ignore-checks', ...IGNORED_CHECKS, '--', ...templates];
  const { stdout } = await run(cfnLintPath, args, { maxBuffer: 64 * 1024 * 1024 }).catch(
    (err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }),
  );
  return JSON.parse(stdout) as CfnLintFinding[];
}

/** Every acknowledgement under `scope`, outside the stages (which hold their own): where, which rule, why. */
function acknowledgements(scope: IConstruct): { construct: IConstruct; id: string; reason: string }[] {
  if (Stage.isStage(scope) && scope.node.scope) return [];
  const own = scope.node.metadata
    .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((entry) =>
      Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ construct: scope, id, reason })),
    );
  return [...own, ...scope.node.children.flatMap(acknowledgements)];
}

/** A small CDK Pipeline in the pipeline account, with CDK's generated permissions acknowledged. */
function fixturePipeline(extraSynthPermission?: iam.PolicyStatement): Stack {
  const app = testApp();
  const stack = new Stack(app, 'Fixture', {
    env: { account: PIPELINE_CONFIG.account, region: PIPELINE_CONFIG.region },
  });
  const pipeline = new CodePipeline(stack, 'Pipeline', {
    synth: new ShellStep('Synth', {
      input: CodePipelineSource.connection(PIPELINE_CONFIG.repository, PIPELINE_CONFIG.branch, {
        connectionArn: PIPELINE_CONFIG.connectionArn,
      }),
      commands: ['npx projen synth:pipeline'],
    }),
    crossAccountKeys: true,
    enableKeyRotation: true,
  });
  pipeline.buildPipeline();
  if (extraSynthPermission) pipeline.synthProject.role!.addToPrincipalPolicy(extraSynthPermission);
  acknowledgeGeneratedPermissions(pipeline);
  return stack;
}

describe('the pipeline stack’s compliance', () => {
  let synthesized: SynthesizedPipeline;

  beforeAll(() => {
    synthesized = synthesizePipeline();
  }, SYNTHESIS_TIMEOUT_MS);

  it('has no cdk-nag finding left unacknowledged, in the pipeline, its support stack or its stages', () => {
    expect(complianceFindings(synthesized.app)).toEqual([]);
  });

  it('acknowledges each finding on one CloudFormation resource, with its own reason', () => {
    const found = acknowledgements(synthesized.app);
    expect(found.length).toBeGreaterThan(0);
    for (const { construct, id, reason } of found) {
      expect(CfnResource.isCfnResource(construct), `${id} on ${construct.node.path}`).toBe(true);
      expect(reason.length, `${id} on ${construct.node.path}`).toBeGreaterThan(60);
    }
  });

  it('still reports a wildcard permission that has no reason, next to the ones that do', () => {
    expect(findings(new AwsSolutionsChecks(), fixturePipeline())).toEqual([]);
    const widened = fixturePipeline(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    expect(findings(new AwsSolutionsChecks(), widened)).toEqual([
      'AwsSolutions-IAM5[Action::s3:*] Fixture/Pipeline/Pipeline/Build/Synth/CdkBuildProject/Role/DefaultPolicy/Resource',
      'AwsSolutions-IAM5[Resource::*] Fixture/Pipeline/Pipeline/Build/Synth/CdkBuildProject/Role/DefaultPolicy/Resource',
    ]);
  });

  it('does not excuse an artifact-style action group once it reaches another bucket', () => {
    const otherBucket = new iam.PolicyStatement({
      actions: ['s3:GetObject*'],
      resources: ['arn:aws:s3:::elsewhere/*'],
    });
    expect(findings(new AwsSolutionsChecks(), fixturePipeline(otherBucket))).toEqual([
      'AwsSolutions-IAM5[Action::s3:GetObject*] Fixture/Pipeline/Pipeline/Build/Synth/CdkBuildProject/Role/DefaultPolicy/Resource',
      'AwsSolutions-IAM5[Resource::arn:aws:s3:::elsewhere/*] Fixture/Pipeline/Pipeline/Build/Synth/CdkBuildProject/Role/DefaultPolicy/Resource',
    ]);
  });

  it(
    'passes cfn-lint with no finding, in each template’s own region',
    async () => {
      const stacks = synthesized.assembly.stacks;
      expect(stacks.map((s) => `${s.stackName} ${s.environment.region}`).sort()).toEqual([
        `B2Pipeline ${PIPELINE_CONFIG.region}`,
        'B2Pipeline-support-eu-central-1 eu-central-1',
      ]);
      const results = await Promise.all(stacks.map((s) => cfnLint([s.templateFullPath], s.environment.region)));
      expect(results.flat()).toEqual([]);
    },
    CFN_LINT_TIMEOUT_MS,
  );

  it('would fail cfn-lint on a template CloudFormation would reject', async () => {
    const pipeline = synthesized.assembly.getStackByName('B2Pipeline');
    const template = JSON.parse(readFileSync(pipeline.templateFullPath, 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const [id] = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::CodePipeline::Pipeline')!;
    template.Resources[id].Properties.PipelineType = 'V3';
    const planted = path.join(mkdtempSync(path.join(tmpdir(), 'b2-cfn-lint-')), 'planted.template.json');
    writeFileSync(planted, JSON.stringify(template));
    const found = await cfnLint([planted], PIPELINE_CONFIG.region);
    expect(found).toEqual([
      expect.objectContaining({ Level: 'Error', Rule: expect.objectContaining({ Id: 'E3030' }) }),
    ]);
  });
});
