/**
 * Where the AWS pipeline itself lives and what it watches. Like the environments' config, a
 * typed module passed down as props: nothing deeper reads context or the process environment.
 */
export interface PipelineConfig {
  /** The tooling account that runs the pipeline; it deploys into each environment's own account. */
  readonly account: string;
  readonly region: string;
  /** The CodePipeline name; the approval's review link points into its executions. */
  readonly pipelineName: string;
  /** The GitHub repository, `owner/name`. */
  readonly repository: string;
  /** A push to this branch starts the pipeline. */
  readonly branch: string;
  /**
   * The CodeConnections connection to GitHub, created once by hand and authorised in the
   * console (a connection cannot be authorised from CloudFormation).
   */
  readonly connectionArn: string;
}

/** Where `synth:pipeline` writes the pipeline's cloud assembly, apart from the stages' `cdk.out`. */
export const PIPELINE_ASSEMBLY_DIR = 'cdk.out/pipeline';

/**
 * The placeholder ids are reserved for documentation, like the environments' accounts: nothing
 * here talks to AWS, and a real deployment replaces them with the tooling account and the
 * connection it created.
 */
export const PIPELINE_CONFIG: PipelineConfig = {
  account: '444444444444',
  region: 'eu-west-1',
  pipelineName: 'b2-delivery',
  repository: 'b2-example/b2-delivery-pipeline',
  branch: 'main',
  connectionArn: 'arn:aws:codeconnections:eu-west-1:444444444444:connection/00000000-0000-4000-8000-000000000004',
};

/** One line per problem, so a bad config names everything wrong with it at once. */
export function pipelineConfigProblems(config: PipelineConfig): string[] {
  const problems: string[] = [];
  if (!/^\d{12}$/.test(config.account)) problems.push(`account ${config.account} is not a 12-digit AWS account id`);
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(config.region)) problems.push(`region ${config.region} is not an AWS region`);
  if (!/^[\w.-]+\/[\w.-]+$/.test(config.repository)) problems.push(`repository ${config.repository} is not owner/name`);
  if (
    !/^arn:aws[\w-]*:(codeconnections|codestar-connections):[\w-]+:\d{12}:connection\/[\w-]+$/.test(
      config.connectionArn,
    )
  ) {
    problems.push(`${config.connectionArn} is not a CodeConnections connection ARN`);
  }
  if (!/^[A-Za-z0-9.@_-]{1,100}$/.test(config.pipelineName)) {
    problems.push(`${config.pipelineName} is not a pipeline name`);
  }
  return problems;
}
