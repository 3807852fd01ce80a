import { Component, Task } from 'projen';
import { TypeScriptProject } from 'projen/lib/typescript';
import { PIPELINE_ASSEMBLY_DIR } from '../pipeline/aws/config';
import { INFRASTRUCTURE_EVIDENCE_TASK } from '../pipeline/model/evidence';
import { PIPELINE } from '../pipeline/model/plan';

/**
 * The AWS pipeline's CDK app (`pipeline/aws/main.ts`): `synth:pipeline` synthesizes the pipeline
 * stack with the stages it deploys into its own cloud assembly folder, apart from the stages'
 * `cdk.out`, with the context of `cdk.json`. cdk-nag runs inside it and fails it on any
 * unacknowledged finding. The task name is the model's: the pipeline's synth step runs it.
 */
export class AwsPipeline extends Component {
  readonly synthTask: Task;

  constructor(project: TypeScriptProject) {
    super(project);
    this.synthTask = project.addTask(PIPELINE.build.cloudAssembly, {
      description: `Synthesize the AWS pipeline stack and its stages into ${PIPELINE_ASSEMBLY_DIR} (needs the release: \`npx projen ${PIPELINE.build.release}\`); fails on any unacknowledged cdk-nag finding`,
      exec: `cdk synth --app "npx tsx pipeline/aws/main.ts" --output ${PIPELINE_ASSEMBLY_DIR} --quiet`,
    });
    project.addTask(INFRASTRUCTURE_EVIDENCE_TASK, {
      description:
        'On AWS, before an approval: what the release does to the environment’s deployed stacks, written to reports/evidence/ ' +
        '(--environment <name> --assembly <the stage’s cloud assembly folder>)',
      exec: 'tsx pipeline/aws/infrastructure-evidence.ts',
      receiveArgs: true,
    });
  }
}
