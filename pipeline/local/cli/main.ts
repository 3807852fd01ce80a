import { environmentNames, status, stop } from './environment-commands';
import { installHook, removeHook } from './git-hook';
import { quietToolingNodeWarning } from './tooling-node';
import { runMain, parseCommandLine } from '../../kit/cli';
import { parseDurationMs } from '../../kit/durations';
import { workspace } from '../../kit/workspace';
import { PIPELINE, planFor } from '../../model';
import { failedChangeMark, readHistory, recordFailedChange } from '../report/history';
import { rollBack } from '../rollback/rollback-command';
import { localConfig } from '../run/local-config';
import { parseOnlyGates, productionOf } from '../run/local-plan';
import { PipelineRun, RunOptions } from '../run/pipeline-run';

/**
 * The local engine's command line (the `pipeline*` and `env:*` projen tasks run it):
 *
 *   run      [--allow-dirty] [--approve --by <name> --comment <text>] [--only-gates <gates|none>]
 *            [--waive <gates that could not check> --by <name> --comment <reason>]
 *            [--release <dir>] [--trigger <name>] [--minute <duration>] [--gate-timeout <duration>]
 *   approve  --by <name> --comment <text> [--run <id>]
 *   reject   --by <name> --comment <text> [--run <id>]
 *   resume   [--run <id>] [--approve --by <name> --comment <text>]
 *   mark-failed --release <id> --by <name> --comment <why> [--restored-at <iso time>]
 *   rollback --environment <name> --by <name> --comment <why> [--to <release>]
 *   status | stop
 *   hook     [--remove]
 *
 * Exit codes: 0 promoted to prod, 1 failed or rolled back, 2 could not run, 3 rejected,
 * 75 waiting for an approval (`EXIT_CODE` in run-summary.ts).
 */

const USAGE =
  'usage: main.ts <run|approve|reject|resume|mark-failed|rollback|status|stop|hook> [options] (see pipeline/local/cli/main.ts)';

const OPTIONS = {
  'allow-dirty': { type: 'boolean' },
  approve: { type: 'boolean' },
  by: { type: 'string' },
  comment: { type: 'string' },
  'only-gates': { type: 'string' },
  waive: { type: 'string' },
  release: { type: 'string' },
  trigger: { type: 'string' },
  minute: { type: 'string' },
  'gate-timeout': { type: 'string' },
  'output-file': { type: 'string' },
  run: { type: 'string' },
  remove: { type: 'boolean' },
  'restored-at': { type: 'string' },
  environment: { type: 'string' },
  to: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseCommandLine<typeof OPTIONS>>['values'];

function runOptions(values: Values): RunOptions {
  const config = localConfig(process.env, environmentNames());
  if ((values.approve || values.waive) && (!values.by || !values.comment)) {
    throw new Error(
      `--${values.approve ? 'approve' : 'waive'} needs --by <name> and --comment <text>: it names who decided and why`,
    );
  }
  const waived = parseOnlyGates(values.waive, '--waive');
  return {
    config: values.minute ? { ...config, minuteMs: parseDurationMs(values.minute, '--minute') } : config,
    trigger: values.trigger ?? 'manual',
    allowDirty: values['allow-dirty'] ?? false,
    onlyGates: parseOnlyGates(values['only-gates']),
    releaseDir: values.release,
    approve: values.approve ? { by: values.by as string, comment: values.comment as string } : undefined,
    waive: waived?.length ? { gates: waived, by: values.by as string, reason: values.comment as string } : undefined,
    // A person can answer only when both ends are a terminal; CI sets CI even when it fakes one.
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY && !process.env.CI),
    gateTimeoutMs: values['gate-timeout'] ? parseDurationMs(values['gate-timeout'], '--gate-timeout') : undefined,
    outputFile: values['output-file'],
  };
}

function decisionArgs(values: Values, verb: string): { by: string; comment: string } {
  if (!values.by || !values.comment) {
    throw new Error(`${verb} needs --by <your name> and --comment <why>: both go into the audit log`);
  }
  return { by: values.by, comment: values.comment };
}

/**
 * `mark-failed`: a release promoted to prod that had to be rolled back or replaced for a failure
 * counts as a failed change, with who said so and why, in the history and the audit log. A
 * refusal writes nothing.
 */
function markFailed(values: Values): number {
  if (!values.release || !values.by || !values.comment) {
    throw new Error(
      'mark-failed needs --release <id>, --by <your name> and --comment <why>: the mark goes into the history and the audit log',
    );
  }
  const mark = failedChangeMark(readHistory(workspace.history()), {
    releaseId: values.release,
    environment: productionOf(planFor(PIPELINE)),
    by: values.by,
    comment: values.comment,
    restoredAt: values['restored-at'],
  });
  recordFailedChange({ history: workspace.history(), audit: workspace.approvals() }, mark);
  console.log(
    `release ${mark.releaseId} (run ${mark.runId}) marked a failed change in ${mark.environment} by ${mark.by}; ` +
      `recorded in ${workspace.history()} and ${workspace.approvals()}`,
  );
  return 0;
}

async function main(): Promise<number> {
  quietToolingNodeWarning();
  // `npx projen pipeline -- --approve …` hands over the `--` too: it separates projen's options, not ours.
  const { values, positionals } = parseCommandLine(process.argv.slice(2), OPTIONS);
  const [command = 'run', ...rest] = positionals;
  if (rest.length > 0) throw new Error(`unexpected arguments: ${rest.join(' ')}; ${USAGE}`);
  switch (command) {
    case 'run':
      return PipelineRun.start(runOptions(values));
    case 'resume':
      return PipelineRun.resume(values.run, runOptions(values));
    case 'approve': {
      const { by, comment } = decisionArgs(values, 'approve');
      return PipelineRun.decideByCommand(
        values.run,
        'approved',
        by,
        comment,
        runOptions({ ...values, approve: false }),
      );
    }
    case 'reject': {
      const { by, comment } = decisionArgs(values, 'reject');
      return PipelineRun.decideByCommand(
        values.run,
        'rejected',
        by,
        comment,
        runOptions({ ...values, approve: false }),
      );
    }
    case 'mark-failed':
      return markFailed(values);
    case 'rollback':
      return rollBack({ environment: values.environment, to: values.to, by: values.by, comment: values.comment });
    case 'status':
      return status();
    case 'stop':
      return stop();
    case 'hook': {
      if (values.remove) {
        const removed = removeHook();
        console.log(removed ? `removed ${removed}` : 'no pipeline hook was installed');
        return 0;
      }
      const file = installHook();
      console.log(
        `installed ${file}: each commit on main now starts a pipeline run in the background (output under .pipeline/runs/)`,
      );
      return 0;
    }
    default:
      throw new Error(`unknown command ${command}; ${USAGE}`);
  }
}

runMain(main);
