import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, NagPack } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { B2Checks } from '../../../stages/compliance';
import { environment, EnvironmentConfig, EnvironmentName } from '../../../stages/config';
import { releaseAssets, ServiceStage } from '../../../stages/service-stage';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..');

/** A release as the `bundle` task lays it out, small enough to synthesize without a build. */
export const FIXTURE_RELEASE = path.join(__dirname, 'fixtures', 'release');
export const FIXTURE_COMMIT = (
  JSON.parse(readFileSync(path.join(FIXTURE_RELEASE, 'release.json'), 'utf8')) as { commit: string }
).commit;

/** The context `cdk synth` runs with (cdk.json), so a test synthesizes what the CLI does. */
export function cdkContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

/** The cloud assemblies written so far; each holds a copy of every asset (about 20 MB). */
const assemblies: string[] = [];

/** An app with the project's context that writes its cloud assembly to a temporary folder. */
export function testApp(): App {
  const outdir = mkdtempSync(path.join(tmpdir(), 'b2-cdk-'));
  assemblies.push(outdir);
  return new App({ outdir, context: cdkContext() });
}

/** Removes the cloud assemblies of every test app: each test file calls it after all its tests. */
export function removeTestAssemblies(): void {
  for (const outdir of assemblies.splice(0)) rmSync(outdir, { recursive: true, force: true });
}

/** One environment's stage built from the fixture release, in an app of its own. */
export function fixtureStage(config: EnvironmentConfig): ServiceStage {
  return new ServiceStage(testApp(), config.name, {
    environment: config,
    commit: FIXTURE_COMMIT,
    assets: releaseAssets(FIXTURE_RELEASE),
  });
}

/** One violation per finding and resource: `<rule id> <construct path>`. */
export function findings(pack: NagPack, scope: IConstruct): string[] {
  const report = pack.validateScope(scope);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => `${violation.ruleName} ${resource.constructPath ?? ''}`),
  );
}

/** What every stage is checked with: cdk-nag's AwsSolutions and the B2 rules. */
export function complianceFindings(scope: IConstruct): string[] {
  return [...findings(new AwsSolutionsChecks(), scope), ...findings(new B2Checks(), scope)];
}

/** A stage synthesized once, with the template of each of its stacks. */
export interface SynthesizedStage {
  readonly stage: ServiceStage;
  readonly template: (stack: Stack) => Template;
  /** Every stack of the stage with its template. */
  readonly templates: () => { stack: Stack; template: Template }[];
}

/** Synthesizes one environment's stage (once: the templates come from one cloud assembly). */
export function synthesizeStage(name: EnvironmentName): SynthesizedStage {
  const stage = fixtureStage(environment(name));
  const cache = new Map<Stack, Template>();
  const template = (stack: Stack): Template => {
    const found = cache.get(stack) ?? Template.fromStack(stack);
    cache.set(stack, found);
    return found;
  };
  const stacks = stage.node.children.filter((child): child is Stack => Stack.isStack(child));
  return { stage, template, templates: () => stacks.map((stack) => ({ stack, template: template(stack) })) };
}
