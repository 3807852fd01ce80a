import { CURRENTLY_RECOMMENDED_FLAGS, NEW_PROJECT_DEFAULT_CONTEXT } from 'aws-cdk-lib/cx-api';
import { Component, JsonFile, Task } from 'projen';
import { TypeScriptProject } from 'projen/lib/typescript';

/** The task that builds the release (`dist/release`) the stages deploy. */
const BUNDLE_TASK = 'bundle';

export interface CdkAppProps {
  /**
   * Builds the release (`dist/release`) the stages deploy; `synth` runs it first.
   * @default - the project's `bundle` task when it has one; without it `synth` expects the
   * release to be built already and says so when it is not
   */
  readonly bundleTask?: Task;
}

/**
 * The CDK app of the environments (`stages/main.ts`): `cdk.json`, `synth` (cdk-nag runs inside
 * it and fails it on any unacknowledged finding) and the `check:infra` gate (cfn-lint over every
 * synthesized template).
 */
export class CdkApp extends Component {
  readonly synthTask: Task;
  readonly infraCheckTask: Task;
  private readonly bundleTask?: Task;

  constructor(project: TypeScriptProject, props: CdkAppProps = {}) {
    super(project);

    new JsonFile(project, 'cdk.json', {
      obj: {
        app: 'npx tsx stages/main.ts',
        output: 'cdk.out',
        // Nothing here may reach AWS or the internet: no notices fetch, no version reporting.
        notices: false,
        versionReporting: false,
        // What `cdk init` writes, frozen when projen runs: an aws-cdk-lib upgrade changes them
        // only through a reviewed `npx projen`, never silently at synth time.
        context: { ...NEW_PROJECT_DEFAULT_CONTEXT, ...CURRENTLY_RECOMMENDED_FLAGS, 'cli-telemetry': false },
      },
    });

    this.synthTask = project.addTask('synth', {
      description:
        'Synthesize the dev, staging and prod stages into cdk.out; fails on any unacknowledged cdk-nag finding',
    });
    this.bundleTask = props.bundleTask;
    this.synthTask.exec('cdk synth --quiet');

    this.infraCheckTask = project.addTask('check:infra', {
      description: 'Gate: synthesize, then cfn-lint every template in cdk.out; fails on any cfn-lint error',
    });
    this.infraCheckTask.spawn(this.synthTask);
    this.infraCheckTask.exec('tsx stages/checks/lint-templates.ts');
  }

  /**
   * The release is built by another component, which may be added after this one: its task is
   * looked up once every component exists.
   */
  preSynthesize(): void {
    const bundle = this.bundleTask ?? this.project.tasks.tryFind(BUNDLE_TASK);
    if (bundle && !this.synthTask.steps.some((step) => step.spawn === bundle.name)) {
      this.synthTask.prependSpawn(bundle);
    }
  }
}
