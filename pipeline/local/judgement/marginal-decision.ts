import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CanaryJudgement } from './canary-judge';
import { workspace } from '../../kit/workspace';
import { decisionsOf, Decision, recordDecision } from '../approval/approvals';
import { askForDecision, PROMPT_TIMEOUT_MS } from '../approval/prompt';
import { RunContext } from '../run/run-context';
import { runFolder, RunSummary } from '../run/run-record';

/** The audit log's name for the decision on an environment's marginal canary. */
export const judgementKey = (environment: string): string => `${environment}:canary`;

/** How often a run waiting for a decision by command looks for it in the audit log. */
const POLL_MS = 500;

const ms = (value: number): string => `${value.toFixed(1)} ms`;

/** The judgement as a person reads it: one line per endpoint with both releases' numbers. */
export function renderJudgement(judgement: CanaryJudgement): string {
  return [
    `Canary judgement: ${judgement.outcome.toUpperCase()}`,
    ...judgement.endpoints.map(
      (e) =>
        `  ${e.outcome.padEnd(8)} ${e.endpoint.padEnd(7)} canary median ${ms(e.canary.p50Ms)} p95 ${ms(e.canary.p95Ms)} ` +
        `${e.canary.errors}/${e.canary.requests} failed · previous median ${ms(e.previous.p50Ms)} p95 ${ms(e.previous.p95Ms)} ` +
        `${e.previous.errors}/${e.previous.requests} failed · rank test p ${e.latencyPValue.toPrecision(2)}`,
    ),
  ].join('\n');
}

const judgementFile = (runId: string, environment: string): string =>
  path.join(runFolder(runId), `judgement-${environment}.json`);

const digestOf = (judgement: CanaryJudgement): string =>
  `sha256:${createHash('sha256').update(JSON.stringify(judgement)).digest('hex')}`;

/**
 * A person decides a marginal canary: at a terminal, asked with the numbers; otherwise the run
 * waits, the canary live at its share, until `pipeline:approve` or `pipeline:reject` records a
 * decision for it (or the wait runs out, which rolls back: nobody vouched for the release).
 */
export async function decideMarginal(
  context: RunContext,
  environment: string,
  judgement: CanaryJudgement,
  signal: AbortSignal,
): Promise<'promote' | 'rollback'> {
  const { run, journal } = context;
  const key = judgementKey(environment);
  const startedAt = new Date();
  context.log(`\n${renderJudgement(judgement)}\n`);
  let decision: Decision | undefined;
  if (context.options.interactive) {
    const answer = await askForDecision(
      environment,
      PROMPT_TIMEOUT_MS,
      `The canary of ${run.release.id} in ${environment} is marginal. Promote it?`,
    );
    if (answer) {
      decision = judgementDecision(run, environment, answer.decision, answer.by, answer.comment, 'terminal', judgement);
      recordDecision(workspace.approvals(), decision);
    }
  }
  if (!decision) {
    // The decision by command is taken on exactly these numbers: kept beside the run.
    writeFileSync(judgementFile(run.runId, environment), `${JSON.stringify(judgement, null, 2)}\n`);
    run.awaitingJudgement = environment;
    journal.save();
    context.log(
      [
        `Run ${run.runId} is waiting for a decision on the marginal canary of ${run.release.id} in ${environment} (it stays at its share meanwhile).`,
        `  promote:   npx projen pipeline:approve --run ${run.runId} --by "<your name>" --comment "<why>"`,
        `  roll back: npx projen pipeline:reject --run ${run.runId} --by "<your name>" --comment "<why>"`,
      ].join('\n'),
    );
    const deadline = Date.now() + PROMPT_TIMEOUT_MS;
    while (!decision && !signal.aborted && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      decision = decisionsOf(workspace.approvals(), run.runId)
        .filter((d) => d.environment === key)
        .pop();
    }
    run.awaitingJudgement = undefined;
  }
  journal.step({
    id: `${environment}/canary-judgement`,
    stage: environment,
    kind: 'approval',
    status: decision?.decision ?? 'rejected',
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    summary: decision
      ? `marginal canary ${decision.decision === 'approved' ? 'promoted' : 'rolled back'} by ${decision.by} (${decision.via}): ${decision.comment}`
      : 'marginal canary rolled back: nobody decided in time',
  });
  if (decision) run.approvals.push(decision);
  return decision?.decision === 'approved' ? 'promote' : 'rollback';
}

function judgementDecision(
  run: RunSummary,
  environment: string,
  verdict: Decision['decision'],
  by: string,
  comment: string,
  via: Decision['via'],
  judgement: CanaryJudgement,
): Decision {
  return {
    runId: run.runId,
    commit: run.version,
    environment: judgementKey(environment),
    decision: verdict,
    by,
    at: new Date().toISOString(),
    comment,
    evidenceDigest: digestOf(judgement),
    via,
  };
}

/**
 * A decision by command on a run waiting at a marginal canary: appended to the audit log, where
 * the waiting run finds it. Refused when the environment already has one.
 */
export function recordJudgementDecision(
  run: RunSummary,
  verdict: Decision['decision'],
  by: string,
  comment: string,
): { decision: Decision; shown: string } {
  const environment = run.awaitingJudgement as string;
  const judgement = JSON.parse(readFileSync(judgementFile(run.runId, environment), 'utf8')) as CanaryJudgement;
  const key = judgementKey(environment);
  if (decisionsOf(workspace.approvals(), run.runId).some((d) => d.environment === key)) {
    throw new Error(`the marginal canary of run ${run.runId} in ${environment} is already decided`);
  }
  const decision: Decision = {
    runId: run.runId,
    commit: run.version,
    environment: key,
    decision: verdict,
    by,
    at: new Date().toISOString(),
    comment,
    evidenceDigest: digestOf(judgement),
    via: 'command',
  };
  recordDecision(workspace.approvals(), decision);
  return { decision, shown: renderJudgement(judgement) };
}
