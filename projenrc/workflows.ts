import { Component, github, Task } from 'projen';
import { TypeScriptProject } from 'projen/lib/typescript';
import {
  Gate,
  gateEnvironment,
  readsOnlyTheCheckout,
  gateStepsOf,
  INSTALL_DEPENDENCIES_COMMAND,
  PIPELINE,
  PipelineModel,
  planFor,
  REPORTS_FOLDER,
  runTaskCommand,
  stageOf,
} from '../pipeline/model';

/**
 * Every action pinned to a full commit SHA: a tag can be moved to other code, a commit cannot.
 * The comment names the release the commit is; each release's `action.yml` runs on `node24`, the
 * Actions runtime GitHub's runners run by default (the Node 20 runtime is no longer).
 */
export const ACTIONS = {
  checkout: 'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1', // v7.0.1
  setupNode: 'actions/setup-node@820762786026740c76f36085b0efc47a31fe5020', // v7.0.0
  uploadArtifact: 'actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f', // v7.0.0
  uploadSarif: 'github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e', // v4.36.2
} as const;

/** A fixed runner image, so that a check does not change under the project when GitHub moves `latest`. */
const RUNNER = ['ubuntu-24.04'];

export interface PullRequestChecksProps {
  /** The Node version the jobs run: the service's pinned Node, the Lambda runtime's major. */
  readonly nodeVersion: string;
  /** The generated-file drift check. */
  readonly driftTask: Task;
  /** The tool installer (`tools:install`), given the tools a gate needs. */
  readonly toolsInstallTask: Task;
  /**
   * The pipeline whose pre-deploy gates and build the checks run.
   * @default PIPELINE
   */
  readonly model?: PipelineModel;
  /**
   * The branch pull requests target.
   * @default 'main'
   */
  readonly branch?: string;
}

/**
 * The pull-request checks, generated from the pipeline model: one job per pre-deploy gate (the
 * gate's task, after installing its tools), one that runs the build (release and cloud
 * assembly), and the generated-file drift check. SARIF goes to code scanning, every gate's
 * report folder is attached to the run.
 */
export class PullRequestChecks extends Component {
  readonly workflow: github.GithubWorkflow;
  private readonly props: PullRequestChecksProps;

  constructor(project: TypeScriptProject, props: PullRequestChecksProps) {
    super(project);
    if (!project.github) throw new Error('the pull-request checks need GitHub enabled on the project');
    this.props = props;
    this.workflow = new github.GithubWorkflow(project.github, 'pull-request', {
      limitConcurrency: true,
      // A new push to the pull request makes the checks of the previous one moot.
      concurrencyOptions: { group: '${{ github.workflow }}-${{ github.ref }}', cancelInProgress: true },
    });
    this.workflow.on({ pullRequest: { branches: [props.branch ?? 'main'] } });
    // Jobs widen this per job; the default token can only read.
    this.workflow.file?.addOverride('permissions', { contents: 'read' });
  }

  /** Tasks are looked up once every component has added its own. */
  preSynthesize(): void {
    const model = this.props.model ?? PIPELINE;
    const plan = planFor(model);
    // A pull request has only its checkout: a gate that reads what a pipeline keeps (api-compat reads
    // production's contract from the baseline store) runs in the pipelines, not here.
    const preDeploy = gateStepsOf(stageOf(plan, 'pre-deploy')).filter((step) => readsOnlyTheCheckout(step.gate));
    const jobIds = new Map(preDeploy.map((step) => [step.id, step.gate.name]));
    for (const step of preDeploy) {
      this.workflow.addJob(step.gate.name, {
        ...this.gateJob(step.gate),
        ...(step.after.length > 0 ? { needs: step.after.map((id) => jobIds.get(id)!) } : {}),
      });
    }
    this.workflow.addJob('synth', {
      name: 'synth: release and cloud assembly',
      runsOn: RUNNER,
      permissions: { contents: github.workflows.JobPermission.READ },
      timeoutMinutes: 30,
      steps: [...this.setup(false), ...[model.build.release, model.build.cloudAssembly].map((t) => this.run(t))],
    });
    this.workflow.addJob('drift', {
      name: 'drift: generated files match .projenrc.ts',
      runsOn: RUNNER,
      permissions: { contents: github.workflows.JobPermission.READ },
      timeoutMinutes: 15,
      steps: [...this.setup(false), { run: this.project.runTaskCommand(this.props.driftTask) }],
    });
  }

  private gateJob(gate: Gate): github.workflows.Job {
    const sarif = gate.reports.filter((report) => report.format === 'sarif');
    const reportsDir = `${REPORTS_FOLDER}/${gate.name}`;
    const install =
      gate.tools.length > 0
        ? [{ run: `${this.project.runTaskCommand(this.props.toolsInstallTask)} ${gate.tools.join(' ')}` }]
        : [];
    return {
      name: `${gate.name}: ${gate.title}`,
      runsOn: RUNNER,
      permissions: {
        contents: github.workflows.JobPermission.READ,
        ...(sarif.length > 0 ? { securityEvents: github.workflows.JobPermission.WRITE } : {}),
      },
      timeoutMinutes: gate.timeoutMinutes,
      // From the gate contract: a pull request has only the checkout, so a pre-deploy gate that
      // declared any other input would stop the synthesis here instead of failing in the job.
      env: gateEnvironment(gate, { reportsDir: REPORTS_FOLDER }),
      steps: [
        ...this.setup(gate.gitHistory ?? false),
        ...install,
        this.run(gate.task),
        ...sarif.map((report) => ({
          name: `Upload ${report.path} to code scanning`,
          // A gate that stopped before writing its SARIF has nothing to upload; its failure says why.
          if: `\${{ !cancelled() && hashFiles('${REPORTS_FOLDER}/${report.path}') != '' }}`,
          uses: ACTIONS.uploadSarif,
          with: { sarif_file: `${REPORTS_FOLDER}/${report.path}`, category: gate.name },
        })),
        ...(gate.reports.length > 0
          ? [
              {
                name: `Attach the ${gate.name} reports`,
                if: '${{ !cancelled() }}',
                uses: ACTIONS.uploadArtifact,
                with: { name: `reports-${gate.name}`, path: `${reportsDir}/`, 'if-no-files-found': 'warn' },
              },
            ]
          : []),
      ],
    };
  }

  /** Checkout (the whole history when the gate reads it), Node, and the locked dependencies. */
  private setup(history: boolean): github.workflows.JobStep[] {
    return [
      { uses: ACTIONS.checkout, ...(history ? { with: { 'fetch-depth': 0 } } : {}) },
      { uses: ACTIONS.setupNode, with: { 'node-version': this.props.nodeVersion, cache: 'npm' } },
      { run: INSTALL_DEPENDENCIES_COMMAND },
    ];
  }

  /** `npx projen <task>` through the task object; a task no component defines is named and reported. */
  private run(name: string): github.workflows.JobStep {
    const task = this.project.tasks.tryFind(name);
    if (!task) {
      this.project.logger.warn(`pull-request checks: no task named ${name} yet; the job will fail until it exists`);
    }
    return { run: task ? this.project.runTaskCommand(task) : runTaskCommand(name) };
  }
}
