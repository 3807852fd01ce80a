import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  decisionsOf,
  Decision,
  Evidence,
  evidenceDigest,
  recordDecision,
  renderEvidence,
  requireAcknowledgement,
} from './approvals';
import { askForDecision } from './prompt';
import { workspace } from '../../kit/workspace';
import { evidenceFor } from '../report/run-results';
import { EnvironmentStage } from '../run/local-plan';
import { RunContext } from '../run/run-context';
import { evidenceFile } from '../run/run-record';

function evidenceFileOf(runId: string, environment: string): string {
  return evidenceFile(runId).replace(/\.json$/, `-${environment}.json`);
}

/**
 * The evidence shown for an approval, kept in the run folder so that the decision is taken on
 * exactly it: computed once, and refused when the environment changed since (a decision on
 * "what changes since the live release" means nothing once another release went live there).
 */
export async function approvalEvidence(context: RunContext, environment: string): Promise<Evidence> {
  const { run } = context;
  const file = evidenceFileOf(run.runId, environment);
  const client = context.environments.client(environment);
  const live = (await client.isUp()) ? (await client.state()).live : client.lastKnownState()?.live;
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Evidence;
    if (saved.liveCommit !== live?.commit) {
      throw new Error(
        `${environment} has changed since run ${run.runId} stopped for its approval (live then: ${saved.liveCommit ?? 'nothing'}, now: ${live?.commit ?? 'nothing'}): start a new run`,
      );
    }
    return saved;
  }
  const evidence = evidenceFor(run, environment, live);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(evidence, null, 2)}\n`);
  return evidence;
}

/** Why an approval is not taken (a red mark its comment does not name); undefined when it is. */
function acknowledgementRefusal(
  evidence: Evidence,
  verdict: Decision['decision'],
  comment: string,
  retry: string,
): string | undefined {
  try {
    requireAcknowledgement(evidence, verdict, comment, retry);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** A decision on this run's evidence, as the audit log records it. */
function decisionOn(
  context: RunContext,
  environment: string,
  evidence: Evidence,
  verdict: Decision['decision'],
  by: string,
  comment: string,
  via: Decision['via'],
): Decision {
  return {
    runId: context.run.runId,
    commit: context.run.version,
    environment,
    decision: verdict,
    by,
    at: new Date().toISOString(),
    comment,
    evidenceDigest: evidenceDigest(evidence),
    via,
  };
}

/**
 * The approval before an environment: a decision already recorded for this run (by command),
 * the one given up front, or the answer of the person at the terminal; `awaiting` when there is
 * none yet. Every new decision is appended to the audit log.
 */
export async function decideApproval(
  context: RunContext,
  stage: EnvironmentStage,
): Promise<'approved' | 'rejected' | 'awaiting'> {
  const { run, options, journal } = context;
  const startedAt = new Date();
  const environment = stage.name;
  const evidence = await approvalEvidence(context, environment);
  const digest = evidenceDigest(evidence);
  let decision = decisionsOf(workspace.approvals(), run.runId)
    .filter((d) => d.environment === environment)
    .pop();
  if (decision && decision.evidenceDigest !== digest) {
    throw new Error(`the evidence of run ${run.runId} changed after ${decision.by} decided on it: start a new run`);
  }
  if (!decision) {
    if (options.approve) {
      const refusal = acknowledgementRefusal(evidence, 'approved', options.approve.comment, `approve run ${run.runId}`);
      if (refusal) {
        context.log(`✖ ${environment}: the approval given up front is not taken: ${refusal}`);
      } else {
        decision = decisionOn(
          context,
          environment,
          evidence,
          'approved',
          options.approve.by,
          options.approve.comment,
          'flag',
        );
      }
    } else if (options.interactive) {
      context.log(`\n${renderEvidence(evidence)}\n`);
      const answer = await askForDecision(environment);
      const refusal = answer && acknowledgementRefusal(evidence, answer.decision, answer.comment, 'decide again');
      if (refusal) {
        context.log(`✖ ${refusal}`);
      } else if (answer) {
        decision = decisionOn(context, environment, evidence, answer.decision, answer.by, answer.comment, 'terminal');
      }
    }
    if (decision) recordDecision(workspace.approvals(), decision);
  }
  if (!decision) return 'awaiting';
  run.awaiting = undefined;
  run.approvals.push(decision);
  journal.step({
    id: stage.approval?.id ?? `${environment}/approval`,
    stage: environment,
    kind: 'approval',
    status: decision.decision,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    summary: `${decision.decision} by ${decision.by} (${decision.via}): ${decision.comment}`,
  });
  context.log(
    `${decision.decision === 'approved' ? '✔' : '✖'} ${environment}: ${decision.decision} by ${decision.by} — ${decision.comment}`,
  );
  return decision.decision === 'approved' ? 'approved' : 'rejected';
}

/** What a run stopped at an approval prints: the evidence, and exactly how to approve or reject and resume. */
export function awaitingApprovalLines(context: RunContext, stage: EnvironmentStage): string {
  const id = context.run.runId;
  const evidence = JSON.parse(readFileSync(evidenceFileOf(id, stage.name), 'utf8')) as Evidence;
  return [
    '',
    renderEvidence(evidence),
    '',
    `Run ${id} is waiting for an approval to deploy ${context.run.release.id} to ${stage.name}.`,
    `  approve: npx projen pipeline:approve --run ${id} --by "<your name>" --comment "<why>"`,
    `  reject:  npx projen pipeline:reject --run ${id} --by "<your name>" --comment "<why>"`,
    `  then:    npx projen pipeline:resume --run ${id}`,
  ].join('\n');
}

/**
 * A decision given by command (`pipeline:approve` / `pipeline:reject`) on a run waiting for an
 * approval: shown the evidence, appended to the audit log. A rejection is also recorded as the
 * run's approval step, since the run ends there.
 */
export async function recordCommandDecision(
  context: RunContext,
  environment: string,
  verdict: Decision['decision'],
  by: string,
  comment: string,
): Promise<Decision> {
  const { run } = context;
  const evidence = await approvalEvidence(context, environment);
  if (decisionsOf(workspace.approvals(), run.runId).some((d) => d.environment === environment)) {
    throw new Error(
      `run ${run.runId} already has a decision for ${environment}: resume it with \`npx projen pipeline:resume --run ${run.runId}\``,
    );
  }
  requireAcknowledgement(
    evidence,
    verdict,
    comment,
    `see the evidence in ${evidenceFileOf(run.runId, environment)} and run \`npx projen pipeline:approve --run ${run.runId}\` again`,
  );
  context.log(`${renderEvidence(evidence)}\n`);
  const decision = decisionOn(context, environment, evidence, verdict, by, comment, 'command');
  recordDecision(workspace.approvals(), decision);
  if (verdict === 'rejected') {
    run.approvals.push(decision);
    context.journal.step({
      id: `${environment}/approval`,
      stage: environment,
      kind: 'approval',
      status: 'rejected',
      startedAt: decision.at,
      durationMs: 0,
      summary: `rejected by ${by} (command): ${comment}`,
    });
  }
  return decision;
}
