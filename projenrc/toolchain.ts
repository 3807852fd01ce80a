import { Component, Task } from 'projen';
import { TypeScriptProject } from 'projen/lib/typescript';

/**
 * The external tools the gates run (semgrep, k6, DynamoDB Local, Chromium, gitleaks, actionlint,
 * cfn-lint), installed pinned into the git-ignored `.tools/` folder by the project itself.
 * Versions live in `pipeline/toolchain/versions.ts`.
 */
export class Toolchain extends Component {
  /** Installs every missing or wrong tool; a no-op when all are present. */
  readonly installTask: Task;
  readonly doctorTask: Task;

  constructor(project: TypeScriptProject) {
    super(project);
    this.installTask = project.addTask('tools:install', {
      description: 'Install the pinned gate tools into .tools/ (idempotent)',
      exec: 'tsx pipeline/toolchain/install.ts',
      receiveArgs: true,
    });
    this.doctorTask = project.addTask('doctor', {
      description: 'Show each gate tool: pinned version, found version, path; fails on any missing or wrong tool',
      exec: 'tsx pipeline/toolchain/doctor.ts',
    });
  }
}
