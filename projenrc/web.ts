import { Component, Task } from 'projen';
import { TypeScriptProject } from 'projen/lib/typescript';

export interface WebFrontEndProps {
  /**
   * The front end's folder, Vite's root (its `vite.config.ts` says where the build goes).
   * @default 'service/web'
   */
  readonly root?: string;
}

/**
 * The B2 web front end: a Vite build of `service/web` into `dist/release/web` (index.html and
 * hashed assets), the folder the web stack deploys to S3 and the local run serves. Its
 * `config.json` is not part of the build: each environment writes its own.
 */
export class WebFrontEnd extends Component {
  readonly bundleTask: Task;

  constructor(project: TypeScriptProject, props: WebFrontEndProps = {}) {
    super(project);
    const root = props.root ?? 'service/web';
    this.bundleTask = project.addTask('bundle:web', {
      description: 'Build the web front end with Vite into dist/release/web',
      // The runner loader evaluates the TypeScript config as the ES module it is.
      exec: `vite build ${root} --configLoader runner`,
    });
  }
}
