import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ApiContractChange, renderApiContractChange } from '../../kit/api-contract-change';
import { InfrastructureChange, MarkedChange, renderInfrastructureChange } from '../../kit/infrastructure-change';

/** What a release approver sees before deciding: the same object is hashed into the audit log. */
export interface Evidence {
  readonly runId: string;
  readonly commit: string;
  readonly environment: string;
  readonly gates: readonly { gate: string; scope: string; status: string; durationMs: number; summary: string }[];
  readonly load: readonly {
    scenario: string;
    environment: string;
    p95Ms: number;
    p99Ms: number;
    achievedRate: number;
    targetRate: number;
    errorRate: number;
    /** Change of p95 against the last promoted release's summary, when there is one. */
    p95ChangePercent?: number;
    baselineP95Ms?: number;
  }[];
  /** The release live in the environment now, if any. */
  readonly liveCommit?: string;
  readonly commitsSinceLive: readonly { sha: string; subject: string; author: string; date: string }[];
  /** Gates that could not check and were accepted as such, with who accepted it. */
  readonly waivers: readonly { gate: string; by: string; reason: string }[];
  /** What the release does to the environment's stacks, against the release live there. */
  readonly infrastructure?: InfrastructureChange;
  /** The API contract change the api-compat gate found, when it ran. */
  readonly apiContract?: ApiContractChange;
}

/** Everything in the evidence marked in red: each needs its token in the approver's comment. */
export function markedChanges(evidence: Evidence): MarkedChange[] {
  return [...(evidence.infrastructure?.marked ?? []), ...(evidence.apiContract?.marked ?? [])];
}

/** The red marks an approval's comment does not name (case does not matter). */
export function unacknowledged(evidence: Evidence, comment: string): MarkedChange[] {
  const said = comment.toLowerCase();
  return markedChanges(evidence).filter((m) => !said.includes(m.token.toLowerCase()));
}

/**
 * Refuses an approval whose comment does not acknowledge every red mark, in one line with what
 * to do; a rejection needs none.
 */
export function requireAcknowledgement(evidence: Evidence, verdict: Verdict, comment: string, retry: string): void {
  if (verdict !== 'approved') return;
  const missing = unacknowledged(evidence, comment);
  if (missing.length === 0) return;
  const tokens = missing.map((m) => m.token).join(', ');
  throw new Error(
    `the evidence marks ${missing.length === 1 ? 'a change' : `${missing.length} changes`} in red that the comment does not acknowledge ` +
      `(${missing.map((m) => m.text).join('; ')}): ${retry} with each named in --comment, e.g. --comment "<why>; acknowledged: ${tokens}"`,
  );
}

export type Verdict = 'approved' | 'rejected';

/** One line of the audit log. */
export interface Decision {
  readonly runId: string;
  readonly commit: string;
  readonly environment: string;
  readonly decision: Verdict;
  readonly by: string;
  readonly at: string;
  readonly comment: string;
  /** sha256 of the evidence shown: proves what the decision was taken on. */
  readonly evidenceDigest: string;
  readonly via: 'terminal' | 'flag' | 'command';
}

/** Key order must not change the digest, so the evidence is serialized with sorted keys. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function evidenceDigest(evidence: Evidence): string {
  return `sha256:${createHash('sha256').update(canonical(evidence)).digest('hex')}`;
}

/** The audit log is append-only: a decision is never edited or removed. */
export function recordDecision(file: string, decision: Decision): void {
  appendAuditLine(file, decision);
}

/** Appends a line of another kind (a rollback on demand) to the audit log, as append-only as the decisions. */
export function appendAuditLine(file: string, line: object): void {
  mkdirSync(path.dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(line)}\n`);
}

export function decisionsOf(file: string, runId?: string): Decision[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Decision)
    .filter((d) => runId === undefined || d.runId === runId);
}

function ms(value: number): string {
  return value >= 10_000
    ? `${(value / 1000).toFixed(0)} s`
    : value >= 1000
      ? `${(value / 1000).toFixed(1)} s`
      : `${value.toFixed(0)} ms`;
}

/** The evidence as a person reads it at the terminal or in the awaiting-approval message. */
export function renderEvidence(evidence: Evidence): string {
  const lines = [
    `Promote ${evidence.commit.slice(0, 12)} to ${evidence.environment} (run ${evidence.runId})`,
    '',
    'Gates:',
  ];
  for (const g of evidence.gates) {
    lines.push(
      `  ${g.status.padEnd(11)} ${`${g.scope}/${g.gate}`.padEnd(26)} ${ms(g.durationMs).padStart(7)}  ${g.summary}`,
    );
  }
  for (const w of evidence.waivers) lines.push(`  waived      ${w.gate} by ${w.by}: ${w.reason}`);
  lines.push('', `Load (against the last promoted release):`);
  if (evidence.load.length === 0) lines.push('  no load results');
  for (const l of evidence.load) {
    const change =
      l.p95ChangePercent === undefined
        ? 'no baseline yet'
        : `${l.p95ChangePercent >= 0 ? '+' : ''}${l.p95ChangePercent.toFixed(1)}% vs ${l.baselineP95Ms?.toFixed(1)} ms`;
    lines.push(
      `  ${l.scenario.padEnd(8)} in ${l.environment.padEnd(8)} p95 ${l.p95Ms.toFixed(1)} ms (${change}), p99 ${l.p99Ms.toFixed(1)} ms, ` +
        `${l.achievedRate.toFixed(1)}/${l.targetRate.toFixed(1)} req/s, errors ${(l.errorRate * 100).toFixed(2)}%`,
    );
  }
  lines.push(
    '',
    evidence.liveCommit
      ? `Changes since ${evidence.liveCommit.slice(0, 12)} (live in ${evidence.environment}):`
      : `Changes (nothing is live in ${evidence.environment} yet):`,
  );
  if (evidence.commitsSinceLive.length === 0) lines.push('  none');
  for (const c of evidence.commitsSinceLive.slice(0, 30)) {
    lines.push(`  ${c.sha.slice(0, 10)} ${c.subject} (${c.author}, ${c.date})`);
  }
  if (evidence.commitsSinceLive.length > 30) lines.push(`  … and ${evidence.commitsSinceLive.length - 30} more`);
  lines.push('');
  lines.push(
    ...(evidence.infrastructure
      ? renderInfrastructureChange(evidence.infrastructure)
      : ['Infrastructure:', '  not compared (no templates kept for this run)']),
  );
  lines.push('', ...renderApiContractChange(evidence.apiContract));
  const marked = markedChanges(evidence);
  if (marked.length) {
    lines.push(
      '',
      `To approve, name in the comment: ${marked.map((m) => m.token).join(', ')} (each change marked ✖ above).`,
    );
  }
  return lines.join('\n');
}
