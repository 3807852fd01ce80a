import * as path from 'node:path';
import * as iam from 'aws-cdk-lib/aws-iam';
import { afterAll, describe, expect, it } from 'vitest';
import {
  compareStacks,
  InfrastructureChange,
  isNoChange,
  readStageTemplates,
  renderInfrastructureChange,
  StackTemplate,
} from '../../../pipeline/kit/infrastructure-change';
import { Evidence, evidenceDigest, renderEvidence, unacknowledged } from '../../../pipeline/local/approval/approvals';
import { environment } from '../../../stages/config';
import { ServiceStage } from '../../../stages/service-stage';
import { fixtureStage, removeTestAssemblies } from '../stages/stage-synthesis';

/**
 * The approval's infrastructure change, computed by cdk diff's own differ over real synthesized
 * prod stages (built from the fixture release) and over small templates for the cases the
 * stages do not have.
 */

afterAll(removeTestAssemblies);

/** Prod's stage synthesized, after `change` (if any) altered it; its stacks as the engine keeps them. */
function synthesizedProd(change?: (stage: ServiceStage) => void): StackTemplate[] {
  const stage = fixtureStage(environment('prod'));
  change?.(stage);
  const assembly = stage.synth();
  const stacks = readStageTemplates(path.join(assembly.directory));
  if (!stacks) throw new Error(`no stacks in ${assembly.directory}`);
  return stacks;
}

const compare = (live: StackTemplate[], candidate: StackTemplate[]): InfrastructureChange =>
  compareStacks({ environment: 'prod', liveRelease: 'r1', candidateRelease: 'r2', live, candidate });

const evidenceWith = (infrastructure: InfrastructureChange): Evidence => ({
  runId: '20260101T000000Z-abc1234',
  commit: 'abc1234def5678',
  environment: 'prod',
  gates: [],
  load: [],
  liveCommit: '0123456789ab',
  commitsSinceLive: [],
  waivers: [],
  infrastructure,
});

const template = (resources: Record<string, unknown>): StackTemplate['template'] => ({ Resources: resources });
const stack = (resources: Record<string, unknown>, extra: Partial<StackTemplate> = {}): StackTemplate => ({
  name: 'Data',
  template: template(resources),
  ...extra,
});

describe("the approval's infrastructure change", () => {
  const live = synthesizedProd();

  it('says "no infrastructure change" for a release whose templates are the live release\'s, with nothing to acknowledge', () => {
    const change = compare(live, synthesizedProd());
    expect(change.status).toBe('compared');
    expect(isNoChange(change)).toBe(true);
    expect(change.marked).toEqual([]);
    expect(renderInfrastructureChange(change)).toContain('  no infrastructure change');
    expect(renderEvidence(evidenceWith(change))).toContain('no infrastructure change');
    expect(unacknowledged(evidenceWith(change), 'fine')).toEqual([]);
  });

  it('shows a release whose only change is an IAM policy widening, marked in red, with the evidence digest changing', () => {
    const widened = synthesizedProd((stage) =>
      stage.api.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] })),
    );
    const change = compare(live, widened);
    expect(change.resources).toEqual([
      expect.objectContaining({ stack: 'Api', type: 'AWS::IAM::Policy', change: 'updated', stateful: false }),
    ]);
    // CDK merges the new statement into the role's existing one on `*`: the merged statement is what widens.
    expect(change.widenings).toEqual([
      {
        stack: 'Api',
        kind: 'iam-statement',
        text: expect.stringMatching(/^Allow \[dynamodb:\*, .*\] on \* for AWS:\$\{FunctionRole\w+\}$/),
      },
    ]);
    expect(change.marked).toEqual([expect.objectContaining({ token: 'iam-widening' })]);
    expect(renderInfrastructureChange(change).join('\n')).toMatch(
      /✖ IAM access widens: .*\[acknowledge: iam-widening\]/,
    );

    const unchanged = evidenceWith(compare(live, synthesizedProd()));
    expect(evidenceDigest(evidenceWith(change))).not.toBe(evidenceDigest(unchanged));
    expect(unacknowledged(evidenceWith(change), 'looks fine')).toEqual([
      expect.objectContaining({ token: 'iam-widening' }),
    ]);
    expect(unacknowledged(evidenceWith(change), 'needed for the export; acknowledged: IAM-widening')).toEqual([]);
  });

  it("marks nothing when new code only moves the pre-traffic hook's invoke grant to the function's next version", () => {
    // Any change to the function (its code, here its settings) makes a new version under a new id.
    const change = compare(
      live,
      synthesizedProd((stage) => stage.api.function.addEnvironment('B2_PLANTED_SETTING', 'on')),
    );
    expect(change.resources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ stack: 'Api', type: 'AWS::Lambda::Version', change: 'added' }),
        expect.objectContaining({ stack: 'Api', type: 'AWS::Lambda::Version', change: 'removed' }),
        expect.objectContaining({ stack: 'Api', type: 'AWS::IAM::Policy', change: 'updated' }),
      ]),
    );
    expect(change.widenings).toEqual([]);
    expect(change.marked).toEqual([]);

    // A grant that is new beside it is still a widening.
    const widened = compare(
      live,
      synthesizedProd((stage) => {
        stage.api.function.addEnvironment('B2_PLANTED_SETTING', 'on');
        stage.api.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
      }),
    );
    expect(widened.marked.map((m) => m.token)).toEqual(['iam-widening']);
  });

  it("marks the replacement of the table, a stateful resource, and leaves a stateless resource's in-place change unmarked", () => {
    const table = (name: string) => ({
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        TableName: name,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      },
    });
    const topic = (display: string) => ({ Type: 'AWS::SNS::Topic', Properties: { DisplayName: display } });
    const replaced = compare(
      [stack({ Table: table('prod-b2-data'), Alarms: topic('a') })],
      [stack({ Table: table('prod-b2-data-v2'), Alarms: topic('a') })],
    );
    expect(replaced.resources).toEqual([
      expect.objectContaining({ logicalId: 'Table', change: 'replaced', stateful: true, properties: ['TableName'] }),
    ]);
    expect(replaced.marked.map((m) => m.token)).toEqual(['replaces-Table']);

    const inPlace = compare(
      [stack({ Table: table('prod-b2-data'), Alarms: topic('a') })],
      [stack({ Table: table('prod-b2-data'), Alarms: topic('b') })],
    );
    expect(inPlace.resources).toEqual([expect.objectContaining({ logicalId: 'Alarms', change: 'updated' })]);
    expect(inPlace.marked).toEqual([]);
  });

  it('marks a security-group rule that opens access, and lists resources added and removed', () => {
    const group = (ingress: unknown[]) => ({
      Type: 'AWS::EC2::SecurityGroup',
      Properties: { GroupDescription: 'api', SecurityGroupIngress: ingress },
    });
    const change = compare(
      [stack({ Group: group([]), Old: { Type: 'AWS::SNS::Topic' } })],
      [
        stack({
          Group: group([{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '0.0.0.0/0' }]),
          New: { Type: 'AWS::SQS::Queue' },
        }),
      ],
    );
    expect(change.widenings).toEqual([expect.objectContaining({ kind: 'security-group-rule' })]);
    expect(change.widenings[0].text).toMatch(/ingress TCP 22 from Everyone \(IPv4\)/);
    expect(change.marked.map((m) => m.token)).toEqual(['network-widening']);
    expect(change.resources.map((r) => [r.logicalId, r.change])).toEqual(
      expect.arrayContaining([
        ['New', 'added'],
        ['Old', 'removed'],
      ]),
    );
  });

  it('lists a cdk-nag acknowledgement the release adds or drops, with its reason', () => {
    const acknowledged = (reason?: string) =>
      stack(
        { Role: { Type: 'AWS::IAM::Role' } },
        reason ? { acknowledgements: { '/Data/Role': { 'AwsSolutions-IAM5': reason } } } : {},
      );
    const change = compare([acknowledged()], [acknowledged('the table name is only known at deploy time')]);
    expect(change.acknowledgements).toEqual([
      {
        stack: 'Data',
        path: '/Data/Role',
        rule: 'AwsSolutions-IAM5',
        reason: 'the table name is only known at deploy time',
        change: 'added',
      },
    ]);
    expect(isNoChange(change)).toBe(false);
    expect(renderInfrastructureChange(change).join('\n')).toContain(
      'cdk-nag acknowledges AwsSolutions-IAM5 on /Data/Role',
    );
  });

  it('keeps the real acknowledgements of the synthesized stages, so the comparison sees them', () => {
    const data = live.find((s) => s.name === 'Data');
    expect(Object.values(data?.acknowledgements ?? {}).some((rules) => Object.keys(rules).length > 0)).toBe(true);
    expect(live.map((s) => s.name)).toEqual(expect.arrayContaining(['Api', 'Data', 'Monitoring', 'Web']));
  });

  it('lists every resource of the first release into an environment as added, and marks nothing: nothing live is replaced or widened', () => {
    const change = compareStacks({ environment: 'prod', candidateRelease: 'r1', live: [], candidate: live });
    expect(change.stacksAdded).toEqual(expect.arrayContaining(['Api', 'Data']));
    expect(change.resources.every((r) => r.change === 'added')).toBe(true);
    expect(change.resources.some((r) => r.type === 'AWS::DynamoDB::Table')).toBe(true);
    expect(change.marked).toEqual([]);
  });

  it('says the change is unknown, never "no change", when a side has no templates', () => {
    const change = compareStacks({
      environment: 'prod',
      liveRelease: 'r1',
      candidateRelease: 'r2',
      live: undefined,
      candidate: live,
      unknownReason: 'the live release r1 has no templates kept for prod',
    });
    expect(change.status).toBe('unknown');
    expect(isNoChange(change)).toBe(false);
    expect(renderInfrastructureChange(change)).toContain(
      '  unknown: the live release r1 has no templates kept for prod',
    );
  });
});
