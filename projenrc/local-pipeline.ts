import { Component, Task } from 'projen';
import { TypeScriptProject } from 'projen/lib/typescript';

export interface LocalPipelineProps {
  /** Tasks run in order, each a gate or a build step. */
  readonly steps: Task[];
}

/** `pipeline`: the project's main job on one machine. */
export class LocalPipeline extends Component {
  constructor(project: TypeScriptProject, props: LocalPipelineProps) {
    super(project);
    const pipeline = project.addTask('pipeline', {
      description: 'The main job: build, check and synthesize the current commit on this machine',
    });
    for (const step of props.steps) pipeline.spawn(step);
  }
}
