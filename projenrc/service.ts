import { Component, Task } from 'projen';
import { TypeScriptProject } from 'projen/lib/typescript';
import { CodeQuality } from './code-quality';
import { WebFrontEnd } from './web';

export interface ServiceReleaseProps {
  /**
   * Builds the web front end into the release; `bundle` runs it first.
   * @default the project's WebFrontEnd `bundle:web` task, when it has one
   */
  readonly webBundleTask?: Task;
}

/**
 * The B2 service as a release and as a local run. `bundle` writes `dist/release`: the Lambda,
 * rotation and plain-Node bundles (esbuild, `service/build/bundle.ts`), the web front end and
 * `release.json` with the commit — what the stages deploy and the local engine starts.
 * `serve` runs one environment on this machine from that release, on DynamoDB Local.
 */
export class ServiceRelease extends Component {
  readonly bundleTask: Task;
  readonly serveTask: Task;

  constructor(project: TypeScriptProject, props: ServiceReleaseProps = {}) {
    super(project);
    const webBundleTask =
      props.webBundleTask ?? project.components.find((c): c is WebFrontEnd => c instanceof WebFrontEnd)?.bundleTask;

    this.bundleTask = project.addTask('bundle', {
      description:
        'Build the release into dist/release: Lambda, rotation and plain-Node bundles, web front end, release.json',
    });
    if (webBundleTask) this.bundleTask.spawn(webBundleTask);
    this.bundleTask.exec('tsx service/build/bundle.ts');

    this.serveTask = project.addTask('serve', {
      description:
        'Run one environment on this machine (DynamoDB Local, API and web front end): npx projen serve -- --environment dev --port 8080',
    });
    this.serveTask.spawn(this.bundleTask);
    this.serveTask.exec('tsx pipeline/local/cli/serve.ts', { receiveArgs: true });

    // The build script is a development tool: it may use esbuild and the pipeline's kit.
    CodeQuality.of(project)?.eslintConfig.allowDevDeps('**/service/build/**');
  }
}
