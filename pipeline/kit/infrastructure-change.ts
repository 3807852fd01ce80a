import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fullDiff, ResourceDifference, ResourceImpact, TemplateDiff } from '@aws-cdk/cloudformation-diff';

/**
 * What a release does to one environment's infrastructure, for the approver: each stack's
 * template live there against the candidate's, compared by `@aws-cdk/cloudformation-diff` (the
 * differ `cdk diff` runs), reduced to what a person decides on: resources added, changed (and
 * whether CloudFormation replaces them), removed; IAM statements and security-group rules that
 * widen access; cdk-nag acknowledgements added or removed. Both engines build it: the local one
 * from the templates kept beside each release, the AWS one from the templates deployed.
 */

/** A stack's template, and the cdk-nag acknowledgements its resources carry (construct path → rule → reason). */
export interface StackTemplate {
  /** The stack's name inside its stage, e.g. `Api`. */
  readonly name: string;
  readonly template: Record<string, unknown>;
  /** Construct path → logical id, from the cloud assembly's metadata. @default none known */
  readonly logicalIds?: Readonly<Record<string, string>>;
  /** Construct path → acknowledged rule → reason. @default none known */
  readonly acknowledgements?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export type ResourceChangeKind = 'added' | 'updated' | 'may-replace' | 'replaced' | 'removed' | 'orphaned';

export interface ResourceChange {
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  readonly change: ResourceChangeKind;
  /** A resource that holds data or keys: replacing or deleting it loses them. */
  readonly stateful: boolean;
  /** The properties whose change decides it, for an update or a replacement. */
  readonly properties?: readonly string[];
}

export interface AccessWidening {
  readonly stack: string;
  readonly kind: 'iam-statement' | 'iam-managed-policy' | 'security-group-rule';
  /** One line: effect, actions, resources, principal (or the rule's protocol and peer). */
  readonly text: string;
}

export interface AcknowledgementChange {
  readonly stack: string;
  /** The resource's construct path. */
  readonly path: string;
  readonly rule: string;
  readonly reason: string;
  readonly change: 'added' | 'removed';
}

/** Something in red: the approver must name it in the comment (`token`) to approve. */
export interface MarkedChange {
  /** What the approver writes in the comment, e.g. `iam-widening`, `replaces-DataTable1234`. */
  readonly token: string;
  readonly text: string;
}

export interface InfrastructureChange {
  readonly environment: string;
  /** The release whose templates are live in the environment; absent when nothing is live there yet. */
  readonly liveRelease?: string;
  readonly candidateRelease: string;
  /** `unknown` when a side's templates are not there to compare: the reason says which. */
  readonly status: 'compared' | 'unknown';
  readonly unknownReason?: string;
  /** Stacks the candidate adds or removes. */
  readonly stacksAdded: readonly string[];
  readonly stacksRemoved: readonly string[];
  readonly resources: readonly ResourceChange[];
  readonly widenings: readonly AccessWidening[];
  readonly acknowledgements: readonly AcknowledgementChange[];
  /** What needs the approver's acknowledgement. */
  readonly marked: readonly MarkedChange[];
}

/**
 * Resource types that hold what a release cannot rebuild: the data (DynamoDB), the keys that
 * encrypt it (KMS), secrets, buckets, backups. Replaced or deleted, they take it with them.
 */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::KMS::Key',
  'AWS::SecretsManager::Secret',
  'AWS::S3::Bucket',
  'AWS::Backup::BackupVault',
  'AWS::Logs::LogGroup',
]);

/** CDK's own bookkeeping resource: its analytics change with every synth. */
const IGNORED_TYPES: ReadonlySet<string> = new Set(['AWS::CDK::Metadata']);

function kindOf(diff: ResourceDifference): ResourceChangeKind {
  if (diff.isAddition) return 'added';
  const impact = diff.changeImpact;
  if (diff.isRemoval) return impact === ResourceImpact.WILL_ORPHAN ? 'orphaned' : 'removed';
  if (impact === ResourceImpact.WILL_REPLACE) return 'replaced';
  if (impact === ResourceImpact.MAY_REPLACE) return 'may-replace';
  return 'updated';
}

function resourceChanges(stack: string, diff: TemplateDiff): ResourceChange[] {
  const changes: ResourceChange[] = [];
  diff.resources.forEachDifference((logicalId, change) => {
    const type = change.resourceType ?? change.newResourceType ?? change.oldResourceType ?? 'unknown';
    if (IGNORED_TYPES.has(type) || !change.isDifferent) return;
    const kind = kindOf(change);
    const properties = Object.keys(change.propertyUpdates).sort();
    changes.push({
      stack,
      logicalId,
      type,
      change: kind,
      stateful: STATEFUL_TYPES.has(type),
      ...(kind !== 'added' && kind !== 'removed' && kind !== 'orphaned' && properties.length ? { properties } : {}),
    });
  });
  return changes;
}

const list = (values: readonly string[]): string => (values.length === 1 ? values[0] : `[${values.join(', ')}]`);

/** One IAM statement as the differ reads it. */
type Statement = TemplateDiff['iamChanges']['statements']['additions'][number];

/** CDK ends a logical id with a hash; a resource whose content is in its id (a Lambda version) gets a longer one. */
const HASH_SUFFIX = /[0-9A-Fa-f]{8,}$/;

/**
 * Resources the candidate replaces by a successor of the same kind under a new id: CDK names a
 * Lambda function's current version after a hash of its code, so every code change removes one
 * version and adds the next. Each id, old and new, maps to the name they share.
 */
function successors(diff: TemplateDiff): Map<string, string> {
  const byKind = new Map<string, { removed: string[]; added: string[] }>();
  diff.resources.forEachDifference((logicalId, change) => {
    if (!change.isAddition && !change.isRemoval) return;
    const stem = logicalId.replace(HASH_SUFFIX, '');
    const kind = `${change.newResourceType ?? change.oldResourceType}:${stem}`;
    const pair = byKind.get(kind) ?? { removed: [], added: [] };
    (change.isAddition ? pair.added : pair.removed).push(logicalId);
    byKind.set(kind, pair);
  });
  const names = new Map<string, string>();
  for (const [kind, { removed, added }] of byKind) {
    if (removed.length !== 1 || added.length !== 1) continue;
    const stem = kind.slice(kind.indexOf(':') + 1);
    names.set(removed[0], stem);
    names.set(added[0], stem);
  }
  return names;
}

/** A statement in words, e.g. `Allow lambda:InvokeFunction on ${FunctionCurrentVersion…} for AWS:${Role…}`. */
function statementText(s: Statement, removed = false): string {
  const r = s.render();
  return (
    `${removed ? 'removed ' : ''}${r.effect} ${list(s.actions.values)} on ${list(s.resources.values)}` +
    `${s.principals.values.length ? ` for ${list(s.principals.values)}` : ''}${r.condition ? ` if ${r.condition.replace(/\s+/g, ' ')}` : ''}`
  );
}

/**
 * Access the candidate grants that the live release did not: new Allow statements, removed Denys,
 * new managed policies, new rules. An Allow that only moves to a replaced resource's successor
 * (the pre-traffic hook's right to invoke the function's new version) grants nothing new.
 */
function wideningsOf(stack: string, diff: TemplateDiff): AccessWidening[] {
  const iam = diff.iamChanges;
  const renamed = successors(diff);
  const asSuccessor = (text: string): string =>
    text.replace(/\$\{([A-Za-z0-9]+)((?:\.[A-Za-z]+)?)\}/g, (reference: string, id: string, attribute: string) =>
      renamed.has(id) ? `\${${renamed.get(id)}<successor>${attribute}}` : reference,
    );
  const revoked = new Set(
    iam.statements.removals.filter((s) => !s.isNegativeStatement).map((s) => asSuccessor(statementText(s))),
  );
  const statements = [
    ...iam.statements.additions
      .filter((s) => !s.isNegativeStatement && !revoked.has(asSuccessor(statementText(s))))
      .map((s) => ({ s, removed: false })),
    ...iam.statements.removals.filter((s) => s.isNegativeStatement).map((s) => ({ s, removed: true })),
  ].map(({ s, removed }): AccessWidening => ({ stack, kind: 'iam-statement', text: statementText(s, removed) }));
  const policies = iam.managedPolicies.additions.map((p): AccessWidening => ({
    stack,
    kind: 'iam-managed-policy',
    text: `managed policy ${p.managedPolicyArn} attached to ${p.identityArn}`,
  }));
  const rules = [
    ...diff.securityGroupChanges.ingress.additions.map((r) => ({ r, direction: 'ingress' })),
    ...diff.securityGroupChanges.egress.additions.map((r) => ({ r, direction: 'egress' })),
  ].map(({ r, direction }): AccessWidening => ({
    stack,
    kind: 'security-group-rule',
    text: `${direction} ${r.describeProtocol()} ${direction === 'ingress' ? 'from' : 'to'} ${r.describePeer()} on ${r.groupId}`,
  }));
  return [...statements, ...policies, ...rules];
}

function acknowledgementChanges(
  stack: string,
  live?: StackTemplate,
  candidate?: StackTemplate,
): AcknowledgementChange[] {
  const before = live?.acknowledgements ?? {};
  const after = candidate?.acknowledgements ?? {};
  const changes: AcknowledgementChange[] = [];
  for (const resource of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const was = before[resource] ?? {};
    const is = after[resource] ?? {};
    for (const [rule, reason] of Object.entries(is)) {
      if (was[rule] === undefined) changes.push({ stack, path: resource, rule, reason, change: 'added' });
    }
    for (const [rule, reason] of Object.entries(was)) {
      if (is[rule] === undefined) changes.push({ stack, path: resource, rule, reason, change: 'removed' });
    }
  }
  return changes.sort((a, b) => `${a.path} ${a.rule}`.localeCompare(`${b.path} ${b.rule}`));
}

/** The red marks: stateful resources replaced or deleted, and access widened. */
function markedChanges(resources: readonly ResourceChange[], widenings: readonly AccessWidening[]): MarkedChange[] {
  const marked: MarkedChange[] = [];
  for (const r of resources.filter((c) => c.stateful)) {
    if (r.change === 'replaced' || r.change === 'may-replace') {
      marked.push({
        token: `replaces-${r.logicalId}`,
        text: `${r.stack}/${r.logicalId} (${r.type}) ${r.change === 'replaced' ? 'is replaced' : 'may be replaced'}: its data or keys do not move to the new one`,
      });
    } else if (r.change === 'removed') {
      marked.push({
        token: `removes-${r.logicalId}`,
        text: `${r.stack}/${r.logicalId} (${r.type}) is deleted with what it holds`,
      });
    }
  }
  const iam = widenings.filter((w) => w.kind !== 'security-group-rule');
  if (iam.length) {
    marked.push({
      token: 'iam-widening',
      text: `IAM access widens: ${iam.length} more grant${iam.length === 1 ? '' : 's'} (statements or managed policies)`,
    });
  }
  const rules = widenings.filter((w) => w.kind === 'security-group-rule');
  if (rules.length) {
    marked.push({
      token: 'network-widening',
      text: `network access widens: ${rules.length} security-group rule${rules.length === 1 ? '' : 's'} added`,
    });
  }
  return marked;
}

export interface CompareStacksProps {
  readonly environment: string;
  readonly candidateRelease: string;
  readonly liveRelease?: string;
  /** The live release's stacks; undefined when they are not known (the reason says why). */
  readonly live: readonly StackTemplate[] | undefined;
  readonly candidate: readonly StackTemplate[] | undefined;
  /** Why a side's stacks are not known. */
  readonly unknownReason?: string;
}

/** Compares the live release's stacks with the candidate's, stack by stack (matched by name). */
export function compareStacks(props: CompareStacksProps): InfrastructureChange {
  const base = {
    environment: props.environment,
    candidateRelease: props.candidateRelease,
    ...(props.liveRelease ? { liveRelease: props.liveRelease } : {}),
  };
  if (!props.live || !props.candidate) {
    return {
      ...base,
      status: 'unknown',
      unknownReason: props.unknownReason ?? 'the templates to compare are not there',
      stacksAdded: [],
      stacksRemoved: [],
      resources: [],
      widenings: [],
      acknowledgements: [],
      marked: [],
    };
  }
  const live = new Map(props.live.map((s) => [s.name, s]));
  const candidate = new Map(props.candidate.map((s) => [s.name, s]));
  const names = [...new Set([...live.keys(), ...candidate.keys()])].sort();
  const resources: ResourceChange[] = [];
  const widenings: AccessWidening[] = [];
  const acknowledgements: AcknowledgementChange[] = [];
  for (const name of names) {
    const before = live.get(name);
    const after = candidate.get(name);
    const diff = fullDiff(before?.template ?? {}, after?.template ?? {});
    resources.push(...resourceChanges(name, diff));
    widenings.push(...wideningsOf(name, diff));
    acknowledgements.push(...acknowledgementChanges(name, before, after));
  }
  return {
    ...base,
    status: 'compared',
    stacksAdded: names.filter((n) => !live.has(n)),
    stacksRemoved: names.filter((n) => !candidate.has(n)),
    resources,
    widenings,
    acknowledgements,
    // The first release into an environment creates its stacks: nothing live is replaced and no
    // access it had widens, so everything is listed as added and nothing is marked.
    marked: props.liveRelease ? markedChanges(resources, widenings) : [],
  };
}

/** Nothing the approver needs to look at: no resource, access or acknowledgement changes. */
export function isNoChange(change: InfrastructureChange): boolean {
  return (
    change.status === 'compared' &&
    change.stacksAdded.length === 0 &&
    change.stacksRemoved.length === 0 &&
    change.resources.length === 0 &&
    change.widenings.length === 0 &&
    change.acknowledgements.length === 0
  );
}

const CHANGE_WORDS: Record<ResourceChangeKind, string> = {
  added: 'added',
  updated: 'changed in place',
  'may-replace': 'changed, MAY BE REPLACED',
  replaced: 'changed, REPLACED',
  removed: 'removed',
  orphaned: 'removed from the stack (retained)',
};

/** The infrastructure change as the approver reads it in the terminal and the awaiting-approval message. */
export function renderInfrastructureChange(change: InfrastructureChange): string[] {
  const against = change.liveRelease ? `live ${change.liveRelease}` : `nothing live in ${change.environment}`;
  const lines = [`Infrastructure (${change.environment}: ${change.candidateRelease} against ${against}):`];
  if (change.status === 'unknown') return [...lines, `  unknown: ${change.unknownReason}`];
  if (isNoChange(change)) return [...lines, '  no infrastructure change'];
  for (const m of change.marked) lines.push(`  ✖ ${m.text} [acknowledge: ${m.token}]`);
  for (const s of change.stacksAdded) lines.push(`  stack ${s} added`);
  for (const s of change.stacksRemoved) lines.push(`  stack ${s} removed`);
  for (const r of change.resources) {
    lines.push(
      `  ${r.stateful ? '!' : ' '} ${r.stack}/${r.logicalId} (${r.type}) ${CHANGE_WORDS[r.change]}` +
        `${r.properties?.length ? `: ${r.properties.join(', ')}` : ''}`,
    );
  }
  for (const w of change.widenings) lines.push(`  widens ${w.stack}: ${w.text}`);
  for (const a of change.acknowledgements) {
    lines.push(
      `  cdk-nag ${a.change === 'added' ? 'acknowledges' : 'no longer acknowledges'} ${a.rule} on ${a.path}: ${a.reason}`,
    );
  }
  return lines;
}

interface AssemblyMetadataEntry {
  readonly type: string;
  readonly data?: unknown;
}

/**
 * The stacks of one stage's cloud assembly folder (`cdk.out/assembly-<stage>` or a copy of it):
 * each `<id>.template.json` with the logical ids and cdk-nag acknowledgements of its
 * `<id>.metadata.json`. Undefined when the folder is not there.
 */
export function readStageTemplates(dir: string): StackTemplate[] | undefined {
  if (!existsSync(dir)) return undefined;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.template.json'))
    .sort()
    .map((file) => {
      const id = file.slice(0, -'.template.json'.length);
      const template = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown>;
      const metadataFile = path.join(dir, `${id}.metadata.json`);
      const metadata = existsSync(metadataFile)
        ? (JSON.parse(readFileSync(metadataFile, 'utf8')) as Record<string, AssemblyMetadataEntry[]>)
        : {};
      const logicalIds: Record<string, string> = {};
      const acknowledgements: Record<string, Record<string, string>> = {};
      let stackPath: string | undefined;
      for (const [constructPath, entries] of Object.entries(metadata)) {
        for (const entry of entries) {
          if (entry.type === 'aws:cdk:templateFile') stackPath = constructPath;
          if (entry.type === 'aws:cdk:logicalId' && typeof entry.data === 'string') {
            logicalIds[constructPath] = entry.data;
          }
          if (entry.type === 'aws:cdk:acknowledged-rules' && entry.data && typeof entry.data === 'object') {
            acknowledgements[constructPath] = {
              ...acknowledgements[constructPath],
              ...(entry.data as Record<string, string>),
            };
          }
        }
      }
      // `/prod/Api` → `Api`: the stage's name is the environment's, the same for both sides.
      const name = stackPath ? stackPath.split('/').filter(Boolean).slice(1).join('/') || id : id;
      // Construct paths carry the stage's name too: strip it so the live and candidate sides match.
      const strip = (p: string): string => `/${p.split('/').filter(Boolean).slice(1).join('/')}`;
      return {
        name,
        template,
        logicalIds: Object.fromEntries(Object.entries(logicalIds).map(([p, l]) => [strip(p), l])),
        acknowledgements: Object.fromEntries(Object.entries(acknowledgements).map(([p, a]) => [strip(p), a])),
      };
    });
}
