import { CfnResource, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { CodePipeline } from 'aws-cdk-lib/pipelines';
import { rules } from 'cdk-nag';
import { acknowledge } from '../../stages/compliance/acknowledge';

/** cdk-nag's rule id for wildcard permissions; each wildcard is its own finding, `AwsSolutions-IAM5[<finding>]`. */
const WILDCARD_RULE = 'AwsSolutions-IAM5';

const ARTIFACT_ACTIONS =
  "CDK's read/write grant on the pipeline's artifact buckets and no other bucket (see the statement's " +
  'resources): the action groups are the multipart, versioned and tagged forms of the same reads and writes';
const ARTIFACT_OBJECTS =
  "objects of the pipeline's own artifact bucket: each execution writes its artifacts under new keys, " +
  'which cannot be named before the run';
const DATA_KEY_ACTIONS =
  'data-key operations on the one key the statement names (the artifact key, or the notifications key for ' +
  'the approval action): the wildcard covers the with/without-plaintext and re-encrypt to/from variants';

/** A GetAtt as cdk-nag writes it in a finding: `<LogicalId.Arn>`. */
function arnOf(construct: { node: { defaultChild?: unknown } }, stack: Stack): string {
  return `<${stack.getLogicalId(construct.node.defaultChild as CfnResource)}.Arn>`;
}

/** The wildcard findings of one IAM policy resource, as cdk-nag reports them. */
function wildcardFindings(policy: CfnResource): string[] {
  const result = rules.iam.IAMNoWildcardPermissions(policy);
  return Array.isArray(result) ? result : [];
}

interface PolicyStatementJson {
  readonly Action: string | readonly string[];
  readonly Resource: unknown;
}

/** Whether every statement of the policy that grants `action` grants it only on resources `allowed` accepts. */
function confined(policy: iam.CfnPolicy, action: string, allowed: (resource: unknown) => boolean): boolean {
  const document = Stack.of(policy).resolve(policy.policyDocument) as { Statement: PolicyStatementJson[] };
  return document.Statement.filter((statement) => ([] as string[]).concat(statement.Action).includes(action)).every(
    (statement) => ([] as unknown[]).concat(statement.Resource).every(allowed),
  );
}

/** Why a finding is acceptable, and the check that it is acceptable on this policy. */
interface Reason {
  readonly reason: string;
  readonly holds?: (policy: iam.CfnPolicy) => boolean;
}

/**
 * The wildcards CDK Pipelines writes into the policies it generates, each with why it is as
 * narrow as it can be. A finding not listed here, or whose check fails (an action group granted
 * on anything but the artifact buckets and keys), stays unacknowledged and fails synthesis.
 */
function reasonsFor(pipeline: CodePipeline): Map<string, Reason> {
  const stack = Stack.of(pipeline);
  const { region, account } = stack;
  const artifacts = pipeline.pipeline.artifactBucket;
  const supports = Object.values(pipeline.pipeline.crossRegionSupport);
  const replicaNames = supports.map((support) => stack.resolve(support.replicationBucket.bucketName) as string);
  const artifactBucketId = stack.getLogicalId(artifacts.node.defaultChild as CfnResource);
  const isArtifactBucket = (resource: unknown) => {
    const text = JSON.stringify(resource);
    return text.includes(`"${artifactBucketId}"`) || replicaNames.some((name) => text.includes(`:::${name}`));
  };
  const keyIds = new Set(
    stack.node
      .findAll()
      .filter((c): c is kms.CfnKey => c instanceof kms.CfnKey)
      .map((key) => stack.getLogicalId(key)),
  );
  const pipelineRolePolicy = [pipeline.node.path, 'Pipeline', 'Role', 'DefaultPolicy', 'Resource'].join('/');
  const isKey = (policy: iam.CfnPolicy) => (resource: unknown) => {
    const getAtt = (resource as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
    // The pipeline role's `*` is the replica's key, known only by its alias (see its own reason).
    return (
      (getAtt !== undefined && keyIds.has(getAtt[0])) || (resource === '*' && policy.node.path === pipelineRolePolicy)
    );
  };

  const reasons = new Map<string, Reason>([
    ...['s3:Abort*', 's3:DeleteObject*', 's3:GetBucket*', 's3:GetObject*', 's3:List*'].map(
      (action): [string, Reason] => [
        `Action::${action}`,
        { reason: ARTIFACT_ACTIONS, holds: (policy) => confined(policy, action, isArtifactBucket) },
      ],
    ),
    ...['kms:GenerateDataKey*', 'kms:ReEncrypt*'].map((action): [string, Reason] => [
      `Action::${action}`,
      { reason: DATA_KEY_ACTIONS, holds: (policy) => confined(policy, action, isKey(policy)) },
    ]),
    [`Resource::${arnOf(artifacts, stack)}/*`, { reason: ARTIFACT_OBJECTS }],
  ]);
  supports.forEach((support, index) => {
    reasons.set(`Resource::arn:aws:s3:::${replicaNames[index]}/*`, {
      reason: `${ARTIFACT_OBJECTS} (its replica in ${support.stack.region})`,
    });
  });
  for (const project of pipeline.node.findAll().filter((c): c is codebuild.Project => c instanceof codebuild.Project)) {
    const name = `<${stack.getLogicalId(project.node.defaultChild as CfnResource)}>`;
    reasons.set(`Resource::arn:aws:logs:${region}:${account}:log-group:/aws/codebuild/${name}:*`, {
      reason: "the log streams of this CodeBuild project's own log group, named by CodeBuild per build",
    });
    reasons.set(`Resource::arn:aws:codebuild:${region}:${account}:report-group/${name}-*`, {
      reason: "the report groups CodeBuild creates under this project's own name",
    });
  }
  return reasons;
}

/** Reasons that hold for one role only, by the construct path of its policy. */
function roleReasons(pipeline: CodePipeline): Map<string, Map<string, string>> {
  const { region, account } = Stack.of(pipeline);
  const path = (...parts: string[]) => [pipeline.node.path, ...parts, 'DefaultPolicy', 'Resource'].join('/');
  return new Map([
    [
      path('Pipeline', 'Role'),
      new Map([
        [
          'Resource::*',
          'KMS use of the replication bucket key in the second region, which CDK knows only by its alias, and ' +
            'an alias cannot be named in a policy',
        ],
      ]),
    ],
    [
      path('UpdatePipeline', 'SelfMutation', 'Role'),
      new Map([
        [
          'Resource::*',
          '`cdk deploy` of the pipeline stack reads stack status (cloudformation:DescribeStacks) and lists the ' +
            'bootstrap bucket (s3:ListBucket); nothing else is granted on any resource',
        ],
        [
          `Resource::arn:*:iam::${account}:role/*`,
          'assumes only the CDK bootstrap roles: the statement is conditioned on their aws-cdk:bootstrap-role tag',
        ],
      ]),
    ],
    [
      path('Assets', 'FileRole'),
      new Map([
        [
          'Resource::*',
          'CodePipeline starts the asset publishing builds as this role; naming those projects would make the ' +
            'role depend on the projects it creates',
        ],
        [
          `Resource::arn:aws:logs:${region}:${account}:log-group:/aws/codebuild/*`,
          'one role for every asset publishing project, whose names are generated: only CodeBuild logs, only in ' +
            'this account and region',
        ],
        [
          `Resource::arn:aws:codebuild:${region}:${account}:report-group/*`,
          'one role for every asset publishing project, whose names are generated: only CodeBuild reports, only ' +
            'in this account and region',
        ],
      ]),
    ],
  ]);
}

/**
 * Acknowledges, on each policy CDK Pipelines generated, exactly the wildcard findings that are
 * the pipeline's own plumbing (artifact access, CodeBuild logs and reports, bootstrap roles),
 * each with its reason; and the access-log finding on the artifact buckets. Call it once the
 * pipeline is built.
 */
export function acknowledgeGeneratedPermissions(pipeline: CodePipeline): void {
  const common = reasonsFor(pipeline);
  const byRole = roleReasons(pipeline);
  const policies = pipeline.node.findAll().filter((c): c is iam.CfnPolicy => c instanceof iam.CfnPolicy);
  for (const policy of policies) {
    const own = byRole.get(policy.node.path);
    for (const finding of wildcardFindings(policy)) {
      const reason = own?.get(finding) ?? common.get(finding)?.reason;
      const holds = own?.has(finding) || (common.get(finding)?.holds?.(policy) ?? true);
      if (reason && holds) acknowledge(policy, `${WILDCARD_RULE}[${finding}]`, reason);
    }
  }

  const accessLogs =
    "holds only pipeline artifacts, read and written by the pipeline's own roles over TLS (the bucket policy " +
    "denies anything else); each artifact's producer is in the execution history";
  acknowledge(pipeline.pipeline.artifactBucket, 'AwsSolutions-S1', accessLogs);
  for (const support of Object.values(pipeline.pipeline.crossRegionSupport)) {
    acknowledge(support.replicationBucket, 'AwsSolutions-S1', `${accessLogs} (the replica in ${support.stack.region})`);
  }
}
