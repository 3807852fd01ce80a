import { CfnDeletionPolicy, CfnResource, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { NagMessageLevel, NagRuleCompliance } from 'cdk-nag';
import { B2Rule } from './rule';
import { environmentOf } from '../../environment-scope';

/** Resources whose deletion loses data that cannot be rebuilt from the repository. */
export const STATEFUL_TYPES = [
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::S3::Bucket',
  'AWS::SecretsManager::Secret',
  'AWS::Backup::BackupVault',
];

/**
 * Outside dev, a stateful resource survives the deletion or replacement of its stack
 * (DeletionPolicy and UpdateReplacePolicy Retain), and a DynamoDB table also refuses a direct
 * delete (deletion protection).
 */
export const StatefulRetainOutsideDev: B2Rule = {
  id: 'StatefulRetainOutsideDev',
  info: 'A stateful resource outside dev can be deleted with its stack (not Retain, or a table without deletion protection).',
  explanation:
    'Staging and prod hold data nobody can rebuild: a mistaken stack deletion or a replacing change must leave it in place.',
  level: NagMessageLevel.ERROR,
  check: (node: CfnResource) => {
    const environment = environmentOf(node);
    if (!environment || environment.name === 'dev' || !STATEFUL_TYPES.includes(node.cfnResourceType)) {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    const retained =
      node.cfnOptions.deletionPolicy === CfnDeletionPolicy.RETAIN &&
      node.cfnOptions.updateReplacePolicy === CfnDeletionPolicy.RETAIN;
    const protectedTable =
      !(node instanceof dynamodb.CfnTable) || Stack.of(node).resolve(node.deletionProtectionEnabled) === true;
    return retained && protectedTable ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  },
};
