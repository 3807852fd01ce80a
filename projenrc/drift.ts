import { Component, Task } from 'projen';
import { TypeScriptProject } from 'projen/lib/typescript';

/** Fails when `npx projen` would change a committed generated file (someone edited one by hand). */
export class GeneratedFileDrift extends Component {
  readonly checkTask: Task;

  constructor(project: TypeScriptProject) {
    super(project);
    this.checkTask = project.addTask('check:drift', {
      description: 'Gate: fail when a generated file differs from what .projenrc.ts produces',
      exec: 'tsx pipeline/checks/generated-drift.ts',
    });
  }
}
