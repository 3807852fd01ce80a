import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance } from 'cdk-nag';

/**
 * A B2 compliance rule in the cdk-nag style: a pure check of one CloudFormation resource.
 * Findings read `B2-<id>` and are acknowledged like any cdk-nag finding.
 */
export interface B2Rule {
  readonly id: string;
  /** Why the rule was triggered. */
  readonly info: string;
  /** Why the rule exists. */
  readonly explanation: string;
  readonly level: NagMessageLevel;
  readonly check: (node: CfnResource) => NagRuleCompliance;
}
