import { Component, Task } from 'projen';
import { TypeScriptProject } from 'projen/lib/typescript';
import { GATES } from '../pipeline/model/gates';
import { PROMOTE_BASELINE_TASK, SYNTHETIC_TRAFFIC_TASK } from '../pipeline/model/load';

/**
 * The gates that verify a running environment from the outside: the integration tests over
 * HTTP, Playwright end to end, k6 at the current load and at 10x, and the smoke test after each
 * deploy; plus the headroom search (a measurement rather than a gate) and the promotion of a
 * load baseline. Each reads its target from `B2_API_URL` / `B2_WEB_URL` and writes into its own
 * reports folder. The gate task names are the pipeline model's.
 */
export class Verification extends Component {
  readonly integrationTask: Task;
  readonly e2eTask: Task;
  readonly loadCurrentTask: Task;
  readonly loadTenfoldTask: Task;
  readonly loadHeadroomTask: Task;
  readonly smokeTask: Task;
  readonly promoteBaselineTask: Task;
  readonly setReferenceTask: Task;

  constructor(project: TypeScriptProject) {
    super(project);
    this.integrationTask = project.addTask(GATES.integration.task, {
      description: 'Gate: the integration tests over HTTP against the environment at B2_API_URL',
      exec: 'tsx test/integration/gate.ts',
      receiveArgs: true,
    });
    this.e2eTask = project.addTask(GATES.e2e.task, {
      description: 'Gate: Playwright in Chromium against the environment at B2_WEB_URL',
      // An argument list, not a shell line: a --grep pattern with spaces reaches Playwright whole.
      execArgs: ['tsx', 'e2e/gate.ts'],
      receiveArgs: true,
    });
    this.loadCurrentTask = project.addTask(GATES['load-current'].task, {
      description: 'Gate: k6 at the current load (load profile in loadtest/) against B2_API_URL',
      exec: 'tsx loadtest/gate.ts current',
    });
    this.loadTenfoldTask = project.addTask(GATES['load-tenfold'].task, {
      description: 'Gate: k6 at 10x the current load against B2_API_URL',
      exec: 'tsx loadtest/gate.ts tenfold',
    });
    this.loadHeadroomTask = project.addTask('load:headroom', {
      description:
        'Raise the arrival rate step by step until the budget breaks; reports the highest multiple that held',
      exec: 'tsx loadtest/headroom.ts',
    });
    this.smokeTask = project.addTask(GATES.smoke.task, {
      description: 'Gate: health (expected version and environment) and the critical path against B2_API_URL',
      exec: 'tsx test/smoke/gate.ts',
    });
    project.addTask(SYNTHETIC_TRAFFIC_TASK, {
      description:
        'Synthetic users through B2_API_URL while a release is shifted in and baked: the load profile’s session at B2_LOAD_MULTIPLIER x the current load for B2_LOAD_DURATION',
      exec: 'tsx loadtest/synthetic.ts',
    });
    this.promoteBaselineTask = project.addTask(PROMOTE_BASELINE_TASK, {
      description:
        'Make load summaries the baseline of an environment after a release was promoted there: -- --environment <name> [--to <folder|s3://bucket/prefix/>] [--release <id>] <summary.json>...',
      exec: 'tsx loadtest/baseline.ts',
      receiveArgs: true,
    });
    // A person's act, never an engine's: the reference baseline stands still between these.
    this.setReferenceTask = project.addTask('load:set-reference', {
      description:
        'Move the reference load baseline, recording who and why: -- --from <summary.json|environment> --by <name> --comment <why> [--to <folder|s3://bucket/prefix/>] [--environment <name>]',
      // An argument list, not a shell line: a --comment with spaces reaches the task whole.
      execArgs: ['tsx', 'loadtest/reference.ts'],
      receiveArgs: true,
    });
  }
}
