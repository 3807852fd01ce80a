import { Component, Task } from 'projen';
import { TypeScriptProject } from 'projen/lib/typescript';
import { Toolchain } from './toolchain';
import { GATES } from '../pipeline/model/gates';

/**
 * The test runner is vitest (native ESM and TypeScript, which the service's libraries need)
 * with v8 coverage. `test` runs every tier that needs no deployed environment, with its reports
 * in `reports/test/`; the gate tests among them run the real tools, so it installs them first (a
 * no-op when present). `test:unit` is the unit gate, with its reports in the gate's folder.
 */
export class Tests extends Component {
  readonly unitTask: Task;

  constructor(project: TypeScriptProject, toolchain: Toolchain) {
    super(project);
    project.testTask.reset();
    project.testTask.spawn(toolchain.installTask);
    project.testTask.exec('vitest run --coverage', { receiveArgs: true });
    this.unitTask = project.addTask(GATES.unit.task, {
      description:
        'Gate: the unit tier (Node and DynamoDB Local: the service, CDK assertions, cdk-nag, the model), with coverage',
      // A script, not a vitest command line: the report paths follow B2_REPORTS_DIR, and projen's
      // task shell does not expand `${B2_REPORTS_DIR:-reports}`.
      exec: 'tsx test/unit/gate.ts',
      receiveArgs: true,
    });
    project.addTask('test:watch', { description: 'Re-run tests on change', exec: 'vitest' });
  }
}
