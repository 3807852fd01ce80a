import { RemovalPolicy } from 'aws-cdk-lib';
import { EnvironmentConfig } from '../../pipeline/model/environments';

export * from '../../pipeline/model/environments';

/** What CloudFormation does with an environment's stateful resources on delete. */
export function removalPolicyOf(environment: EnvironmentConfig): RemovalPolicy {
  return environment.dataRetention === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
}
