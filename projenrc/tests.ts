import { Component, Task } from 'projen';
import { TypeScriptProject } from 'projen/lib/typescript';
import { Toolchain } from './toolchain';

/**
 * The test runner is vitest (native ESM and TypeScript, which the service's libraries need)
 * with v8 coverage. `test` runs every tier that needs no deployed environment; the gate tests
 * among them run the real tools, so it installs them first (a no-op when present).
 */
export class Tests extends Component {
  readonly unitTask: Task;

  constructor(project: TypeScriptProject, toolchain: Toolchain) {
    super(project);
    project.testTask.reset();
    project.testTask.spawn(toolchain.installTask);
    project.testTask.exec('vitest run --coverage', { receiveArgs: true });
    this.unitTask = project.addTask('test:unit', {
      description: 'Gate: the unit tier (no tools, no environment), with coverage',
      exec: 'vitest run --project unit --coverage',
      receiveArgs: true,
    });
    project.addTask('test:watch', { description: 'Re-run tests on change', exec: 'vitest' });
  }
}
