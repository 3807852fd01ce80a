/**
 * The aws-cdk CLI version the project pins. One definition for both users: the project's own
 * devDependency (`projenrc/dependencies.ts`) and the pipeline's self-mutation step, which must
 * deploy the pipeline with the CLI the project synthesizes it with. It lives beside the engine
 * because the engine may not import the project definition; the project definition imports it.
 */
export const CDK_CLI_VERSION = '2.1148.1';
