import { parseArgs } from 'node:util';
import { runMain } from '../../kit/cli';
import { PIPELINE, planFor } from '../../model';
import { LocalDatabase } from '../environments/database';
import { PipelineRun, RunOptions } from '../run/pipeline-run';
import { EnvironmentClient } from '../environments/environment-client';
import { installHook, removeHook } from './git-hook';
import { localConfig, parseDurationMs } from '../run/local-config';
import { environmentStages, parseOnlyGates } from '../run/local-plan';
import { duration } from '../report/run-report';
import { latestAwaitingRun } from '../run/run-record';

/**
 * The local engine's command line (the `pipeline*` and `env:*` projen tasks run it):
 *
 *   run      [--allow-dirty] [--approve --by <name> --comment <text>] [--only-gates <gates|none>]
 *            [--waive <gates that could not check> --by <name> --comment <reason>]
 *            [--release <dir>] [--trigger <name>] [--minute <duration>] [--gate-timeout <duration>]
 *   approve  --by <name> --comment <text> [--run <id>]
 *   reject   --by <name> --comment <text> [--run <id>]
 *   resume   [--run <id>] [--approve --by <name> --comment <text>]
 *   status | stop
 *   hook     [--remove]
 *
 * Exit codes: 0 promoted to prod, 1 failed or rolled back, 2 could not run, 3 rejected,
 * 75 waiting for an approval (`EXIT_CODE` in run-summary.ts).
 */

const USAGE = 'usage: main.ts <run|approve|reject|resume|status|stop|hook> [options] (see pipeline/local/main.ts)';

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
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function environmentNames(): string[] {
  return environmentStages(planFor(PIPELINE)).map((s) => s.name);
}

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

async function status(): Promise<number> {
  const config = localConfig(process.env, environmentNames());
  const db = new LocalDatabase(config.ports.database).state();
  console.log(
    db
      ? `DynamoDB Local  running  ${db.endpoint} (pid ${db.javaPid ?? db.hostPid}, since ${db.startedAt})`
      : `DynamoDB Local  stopped  (port ${config.ports.database})`,
  );
  for (const name of environmentNames()) {
    const client = new EnvironmentClient(name, config.ports.environments[name]);
    try {
      const up = await client.isUp();
      const state = up ? await client.state() : client.lastKnownState();
      const live = state?.live
        ? `live ${state.live.id} (${state.live.commit.slice(0, 12)}) since ${state.live.since}`
        : 'nothing live';
      const candidate = state?.candidate ? `; candidate ${state.candidate.id} at ${state.candidateShare}%` : '';
      const crashes = state?.crashes.length
        ? `; ${state.crashes.length} crash${state.crashes.length === 1 ? '' : 'es'}, last ${state.crashes[state.crashes.length - 1].releaseId}`
        : '';
      console.log(
        `${name.padEnd(15)} ${up ? 'running ' : 'stopped '} http://127.0.0.1:${state?.port ?? client.port}  ${up ? '' : 'last: '}${live}${candidate}${crashes}`,
      );
    } finally {
      await client.close();
    }
  }
  const waiting = latestAwaitingRun();
  if (waiting) {
    console.log(
      `run ${waiting.runId} is waiting for an approval to deploy to ${waiting.awaiting ?? 'the next environment'}`,
    );
  }
  return 0;
}

async function stop(): Promise<number> {
  const config = localConfig(process.env, environmentNames());
  for (const name of environmentNames()) {
    const client = new EnvironmentClient(name, config.ports.environments[name]);
    try {
      const up = await client.isUp();
      const started = Date.now();
      if (up) await client.shutdown();
      console.log(`${name}: ${up ? `stopped in ${duration(Date.now() - started)}` : 'was not running'}`);
    } finally {
      await client.close();
    }
  }
  const db = new LocalDatabase(config.ports.database);
  console.log(
    `DynamoDB Local: ${(await db.stop()) ? 'stopped (its tables stay in the workspace)' : 'was not running'}`,
  );
  return 0;
}

async function main(): Promise<number> {
  // `npx projen pipeline -- --approve …` hands over the `--` too: it separates projen's options, not ours.
  const args = process.argv.slice(2).filter((arg) => arg !== '--');
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true });
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
