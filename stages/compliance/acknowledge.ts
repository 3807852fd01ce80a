import { CfnResource, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Acknowledges one cdk-nag finding on exactly one CloudFormation resource: `construct` is that
 * resource, or a higher-level construct whose default child it is. An acknowledgement on a
 * scope (a stack, a construct with many resources) would also silence the finding on whatever
 * is added there later, so it is refused.
 */
export function acknowledge(construct: IConstruct, id: string, reason: string): void {
  const resource = CfnResource.isCfnResource(construct) ? construct : construct.node.defaultChild;
  if (!resource || !CfnResource.isCfnResource(resource)) {
    throw new Error(
      `${construct.node.path} is not one CloudFormation resource: acknowledge ${id} on the resource it concerns`,
    );
  }
  Validations.of(resource).acknowledge({ id, reason });
}
