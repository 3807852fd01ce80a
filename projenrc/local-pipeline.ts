import { Component, Task } from 'projen';
import { TypeScriptProject } from 'projen/lib/typescript';

export interface LocalPipelineProps {
  /** Installs the pinned gate tools; the pipeline runs it first, a no-op when they are present. */
  readonly installTools: Task;
}

/** The local engine's command line; every task below is one of its commands. */
const ENGINE = 'tsx pipeline/local/cli/main.ts';
/** Projen splices the task's arguments here one by one, quoted: `--by "Ann Lee"` stays one value. */
const ARGS = '"$@"';

/**
 * `pipeline`: the project's main job on one machine — the whole pipeline model (build,
 * pre-deploy gates, dev → staging → approval → prod with traffic shifting, alarms and
 * rollback) against local environments. Plus the commands around it: approve, reject and
 * resume a run waiting for an approval, mark a prod release a failed change, roll an environment
 * back to an earlier release, show and stop the environments, install the push-to-main hook.
 */
export class LocalPipeline extends Component {
  readonly pipelineTask: Task;

  constructor(project: TypeScriptProject, props: LocalPipelineProps) {
    super(project);
    this.pipelineTask = project.addTask('pipeline', {
      description:
        'The main job: run the pipeline for the current commit on this machine, dev → staging → (approval) → prod ' +
        '(options: --allow-dirty, --approve --by <name> --comment <text>, --waive <gates> --by <name> --comment <reason>, ' +
        '--only-gates <gates|none>)',
    });
    this.pipelineTask.spawn(props.installTools);
    this.pipelineTask.exec(`${ENGINE} run ${ARGS}`, { receiveArgs: true });

    const command = (name: string, description: string, engineCommand: string): Task =>
      project.addTask(name, { description, exec: `${ENGINE} ${engineCommand} ${ARGS}`, receiveArgs: true });
    command(
      'pipeline:approve',
      'Approve the run waiting for an approval: --by <name> --comment <text> [--run <id>]',
      'approve',
    );
    command(
      'pipeline:reject',
      'Reject the run waiting for an approval (it ends there): --by <name> --comment <text> [--run <id>]',
      'reject',
    );
    command('pipeline:resume', 'Continue the run that waited for an approval, once decided [--run <id>]', 'resume');
    command(
      'pipeline:mark-failed',
      'Mark a release promoted to prod a failed change (rolled back or replaced for a failure), for the change failure ' +
        'rate and time to restore: --release <id> --by <name> --comment <why> [--restored-at <iso time>]',
      'mark-failed',
    );
    command(
      'pipeline:rollback',
      'Put an environment back on an earlier release that ran there, through its front, with no failed request; ' +
        'recorded for DORA and in the audit log: --environment <name> --by <name> --comment <why> [--to <release>] ' +
        '(default: the release live before the live one)',
      'rollback',
    );
    command(
      'pipeline:hook',
      'Install the git post-commit hook that starts a run for each commit on main (--remove to uninstall)',
      'hook',
    );
    command(
      'env:status',
      'Show the local environments and DynamoDB Local: ports, live release, candidate, crashes',
      'status',
    );
    command('env:stop', 'Stop the local environments and DynamoDB Local (their data stays in .pipeline/)', 'stop');

    // A benchmark, not a gate: it measures what a person waits for on this machine and fails on nothing it measures.
    const bench = project.addTask('bench', {
      description:
        'Measure, on this machine: the pre-deploy wall and each gate, a warm full run (a second release) and CI ' +
        '(npx projen test); printed beside their targets, written to reports/bench/bench.json ' +
        '(options: --without-ci, --allow-dirty)',
    });
    bench.spawn(props.installTools);
    bench.exec(`tsx pipeline/local/bench/bench.ts ${ARGS}`, { receiveArgs: true });
  }
}
