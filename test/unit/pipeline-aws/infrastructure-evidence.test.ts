import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudFormationClient, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import * as iam from 'aws-cdk-lib/aws-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { stacksOf, writeInfrastructureEvidence } from '../../../pipeline/aws/infrastructure-evidence';
import { InfrastructureChange } from '../../../pipeline/kit/infrastructure-change';
import { environment } from '../../../stages/config';
import { fixtureStage, removeTestAssemblies } from '../stages/stage-synthesis';

/**
 * The AWS side of the approval's infrastructure evidence: the prod stage's templates in a real
 * cloud assembly against "deployed" templates served by the AWS SDK's own client mock, as the
 * CloudFormation API in prod's account would, through the lookup role.
 */

const sts = mockClient(STSClient);
const cloudformation = mockClient(CloudFormationClient);
const out = mkdtempSync(path.join(tmpdir(), 'b2-evidence-'));

afterAll(() => {
  removeTestAssemblies();
  rmSync(out, { recursive: true, force: true });
});

/** Prod's stage, synthesized; `widen` adds an IAM statement to the API function's role. */
function prodAssembly(widen: boolean): string {
  const stage = fixtureStage(environment('prod'));
  if (widen) {
    stage.api.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] }));
  }
  return stage.synth().directory;
}

const deployed = prodAssembly(false);

beforeEach(() => {
  sts.reset();
  cloudformation.reset();
  sts.on(AssumeRoleCommand).resolves({
    Credentials: { AccessKeyId: 'AKIA', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date() },
  });
  // Every stack is deployed as the unchanged stage has it.
  const templates = new Map(stacksOf(deployed).map((s) => [s.stackName, readFileSync(s.templateFile, 'utf8')]));
  cloudformation.on(GetTemplateCommand).callsFake((input: { StackName: string }) => {
    const body = templates.get(input.StackName);
    if (!body) throw new Error(`Stack with id ${input.StackName} does not exist`);
    return { TemplateBody: body };
  });
});

const written = (): InfrastructureChange =>
  JSON.parse(readFileSync(path.join(out, 'infrastructure-prod.json'), 'utf8')) as InfrastructureChange;

describe("the AWS step's infrastructure evidence", () => {
  it('reads each stack of the stage with where it is deployed, from the cloud assembly', () => {
    const stacks = stacksOf(deployed);
    const prod = environment('prod');
    expect(stacks.map((s) => s.name).sort()).toEqual(['Api', 'BackupCopy', 'Data', 'Monitoring', 'Web']);
    expect(stacks.find((s) => s.name === 'Api')).toMatchObject({
      stackName: 'prod-b2-api',
      account: prod.account,
      region: prod.region,
    });
  });

  it('says "no infrastructure change" when the candidate is what is deployed, reading each template through the lookup role', async () => {
    const text = await writeInfrastructureEvidence({
      environment: 'prod',
      assembly: prodAssembly(false),
      outDir: out,
      release: 'abc1234',
    });
    expect(text).toContain('no infrastructure change');
    expect(written()).toMatchObject({ status: 'compared', liveRelease: 'the deployed stacks', marked: [] });
    const roles = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn);
    expect(new Set(roles)).toEqual(
      new Set([
        `arn:aws:iam::${environment('prod').account}:role/cdk-hnb659fds-lookup-role-${environment('prod').account}-eu-west-1`,
        `arn:aws:iam::${environment('prod').account}:role/cdk-hnb659fds-lookup-role-${environment('prod').account}-eu-central-1`,
      ]),
    );
  });

  it('marks an IAM widening against the deployed stacks, in the JSON and the text the approval points to', async () => {
    const text = await writeInfrastructureEvidence({
      environment: 'prod',
      assembly: prodAssembly(true),
      outDir: out,
      release: 'abc1234',
    });
    expect(written().marked).toEqual([expect.objectContaining({ token: 'iam-widening' })]);
    expect(text).toMatch(/✖ IAM access widens: .*\[acknowledge: iam-widening\]/);
    expect(readFileSync(path.join(out, 'infrastructure-prod.txt'), 'utf8')).toBe(`${text}\n`);
  });

  it('lists a stack that is not deployed yet as added, and fails when a template cannot be read', async () => {
    cloudformation
      .on(GetTemplateCommand, { StackName: 'prod-b2-web' })
      .rejects(new Error('Stack with id prod-b2-web does not exist'));
    await writeInfrastructureEvidence({ environment: 'prod', assembly: deployed, outDir: out });
    expect(written().stacksAdded).toEqual(['Web']);

    cloudformation
      .on(GetTemplateCommand, { StackName: 'prod-b2-api' })
      .rejects(new Error('AccessDenied: not authorized'));
    await expect(writeInfrastructureEvidence({ environment: 'prod', assembly: deployed, outDir: out })).rejects.toThrow(
      /AccessDenied/,
    );
  });
});
