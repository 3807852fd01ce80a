import { Component, Task } from 'projen';
import { TypeScriptProject } from 'projen/lib/typescript';
import { GATES } from '../pipeline/model/gates';

export interface SecurityGatesProps {
  /** The folders semgrep scans (semgrep's default ignores still skip tests and git-ignored files). */
  readonly sastTargets: string[];
  /**
   * The lowest semgrep severity that fails `sast` (INFO, WARNING or ERROR).
   * @default 'WARNING'
   */
  readonly sastBlockingSeverity?: string;
  /**
   * The lowest npm advisory severity that fails `deps` when no decision covers it.
   * @default 'high'
   */
  readonly auditLevel?: string;
}

/**
 * The security gates, each a task named in the pipeline model: `sast` (semgrep with the
 * project's rules in security/semgrep), `secrets` (gitleaks over the working tree and the git
 * history) and `deps` (npm audit with the decisions in security/audit-resolve.json, and the
 * production SBOM). Each runs offline except `deps`, which needs the registry's advisory service
 * and fails, never passes, without it.
 */
export class SecurityGates extends Component {
  readonly sastTask: Task;
  readonly secretsTask: Task;
  readonly depsTask: Task;

  constructor(project: TypeScriptProject, props: SecurityGatesProps) {
    super(project);
    this.sastTask = project.addTask(GATES.sast.task, {
      description: `Gate: semgrep with the rules in security/semgrep/rules; fails on any finding at ${props.sastBlockingSeverity ?? 'WARNING'} or above`,
      exec: ['tsx security/sast.ts', '--severity', props.sastBlockingSeverity ?? 'WARNING', ...props.sastTargets].join(
        ' ',
      ),
      receiveArgs: true,
    });
    this.secretsTask = project.addTask(GATES.secrets.task, {
      description:
        'Gate: gitleaks over the working tree and the git history (--log-opts <range> to limit it); fails on any secret',
      exec: 'tsx security/secrets.ts',
      receiveArgs: true,
    });
    this.depsTask = project.addTask(GATES.deps.task, {
      description: `Gate: npm audit with the decisions in security/audit-resolve.json, and the SBOM; fails on an unresolved ${props.auditLevel ?? 'high'}+ advisory, an expired decision, or an unreachable advisory service (exit ${GATES.deps.unavailableExitCode})`,
      exec: `tsx security/deps.ts --audit-level ${props.auditLevel ?? 'high'}`,
      receiveArgs: true,
    });
  }
}
