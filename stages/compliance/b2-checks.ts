import { CfnResource } from 'aws-cdk-lib';
import { NagPack, NagPackProps } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { ApiHasWaf } from './rules/api-has-waf';
import { CorsNoWildcard } from './rules/cors-no-wildcard';
import { B2Rule } from './rules/rule';
import { StatefulRetainOutsideDev } from './rules/stateful-retain-outside-dev';

/** The rules B2 adds to AwsSolutions: what the product promises about every environment. */
export const B2_RULES: readonly B2Rule[] = [CorsNoWildcard, ApiHasWaf, StatefulRetainOutsideDev];

/** The B2 rule pack, run beside AwsSolutions on every stage. */
export class B2Checks extends NagPack {
  readonly name = 'B2';

  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.packName = 'B2';
  }

  protected checkResource(node: CfnResource): void {
    for (const rule of B2_RULES) {
      this.applyRule({
        ruleSuffixOverride: rule.id,
        info: rule.info,
        explanation: rule.explanation,
        level: rule.level,
        rule: rule.check,
        node,
      });
    }
  }
}
