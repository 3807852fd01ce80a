import { Duration, Stack, Stage } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CodeBuildStep, IFileSetProducer } from 'aws-cdk-lib/pipelines';
import {
  EVIDENCE_FOLDER,
  INFRASTRUCTURE_EVIDENCE_TASK,
  INSTALL_DEPENDENCIES_COMMAND,
  REPORTS_FOLDER,
  runTaskCommand,
} from '../model';

/** The bootstrap's read-only role in each environment account (`cdk bootstrap`'s default qualifier). */
export const LOOKUP_ROLE_QUALIFIER = 'hnb659fds';

export function lookupRoleArn(account: string, region: string): string {
  return `arn:aws:iam::${account}:role/cdk-${LOOKUP_ROLE_QUALIFIER}-lookup-role-${account}-${region}`;
}

/** Where the step finds the pipeline's cloud assembly, the synth step's output, in its checkout. */
export const ASSEMBLY_INPUT_DIR = 'cdk.out/pipeline';

export interface InfrastructureEvidenceStepProps {
  /** The checkout the task runs from. */
  readonly input: IFileSetProducer;
  /** The synth step: its output is the cloud assembly with the stage's templates. */
  readonly assembly: IFileSetProducer;
  /** The stage about to be approved. */
  readonly stage: Stage;
  readonly environment: string;
}

/**
 * Before an approval, writes what the release does to the environment's stacks as an artifact
 * the approver opens from the run: each stack's template deployed now (read through the
 * environment account's bootstrap lookup role, which may read CloudFormation templates) against
 * the candidate's from the cloud assembly, by the same task and differ as the local engine's
 * evidence. It is evidence, not a gate: it fails only when it cannot read what it compares.
 */
export class InfrastructureEvidenceStep extends CodeBuildStep {
  constructor(props: InfrastructureEvidenceStepProps) {
    const stacks = props.stage.node.children.filter((c): c is Stack => Stack.isStack(c));
    const roles = [...new Set(stacks.map((s) => lookupRoleArn(s.account, s.region)))];
    super('InfrastructureEvidence', {
      input: props.input,
      additionalInputs: { [ASSEMBLY_INPUT_DIR]: props.assembly },
      installCommands: [INSTALL_DEPENDENCIES_COMMAND],
      commands: [
        // One command, the model's task; its arguments say which stage of the assembly to compare.
        `${runTaskCommand(INFRASTRUCTURE_EVIDENCE_TASK)} -- --environment ${props.environment} --assembly ${ASSEMBLY_INPUT_DIR}/assembly-${props.stage.artifactId}`,
      ],
      primaryOutputDirectory: `${REPORTS_FOLDER}/${EVIDENCE_FOLDER}`,
      rolePolicyStatements: [
        new iam.PolicyStatement({
          sid: 'ReadDeployedTemplates',
          actions: ['sts:AssumeRole'],
          resources: roles,
        }),
      ],
      timeout: Duration.minutes(15),
    });
  }
}
