import { execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline/promises';
import { Verdict } from './approvals';

/** What a person at the terminal decided; undefined when they left it for later. */
export interface TerminalDecision {
  readonly decision: Verdict;
  readonly by: string;
  readonly comment: string;
}

/** How long the question waits before the run stops in "awaiting approval" instead. */
export const PROMPT_TIMEOUT_MS = 30 * 60_000;

/** The name git knows the person by, offered as the default approver. */
export function gitUserName(): string | undefined {
  try {
    return (
      execFileSync('git', ['config', 'user.name'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() ||
      undefined
    );
  } catch {
    return undefined;
  }
}

/**
 * Asks for a decision at the terminal. Anything but `approve` or `reject`, Ctrl-C, or no answer
 * within the timeout leaves the decision for the approve/reject commands.
 */
export async function askForDecision(
  environment: string,
  timeoutMs = PROMPT_TIMEOUT_MS,
  question = `Deploy to ${environment}?`,
): Promise<TerminalDecision | undefined> {
  const interrupted = new AbortController();
  const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), interrupted.signal]);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  // Ctrl-C at the question means "not now", not "kill the run": the run stops awaiting approval.
  rl.on('SIGINT', () => interrupted.abort());
  const ask = (prompt: string): Promise<string | undefined> =>
    rl.question(prompt, { signal }).then(
      (answer) => answer.trim(),
      () => undefined,
    );
  let closed = false;
  rl.once('close', () => (closed = true));
  try {
    const answer = (await ask(`${question} Type approve, reject, or press Enter to decide later: `))?.toLowerCase();
    if (closed || (answer !== 'approve' && answer !== 'reject')) return undefined;
    const suggested = gitUserName();
    let by = '';
    while (!by) {
      const name = await ask(`Your name${suggested ? ` [${suggested}]` : ''}: `);
      if (name === undefined) return undefined;
      by = name || suggested || '';
    }
    let comment = '';
    while (!comment) {
      const text = await ask('Comment (required, it goes into the audit log): ');
      if (text === undefined) return undefined;
      comment = text;
    }
    return { decision: answer === 'approve' ? 'approved' : 'rejected', by, comment };
  } finally {
    rl.close();
  }
}
