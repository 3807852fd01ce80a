import { CfnResource, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { NagMessageLevel, NagRuleCompliance } from 'cdk-nag';
import { B2Rule } from './rule';

/** The managed rule groups every B2 API web ACL runs. */
export const REQUIRED_MANAGED_RULE_GROUPS = ['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet'];

/** Whether an association's resource ARN names this REST API stage (by reference or by name). */
function associatesStage(association: wafv2.CfnWebACLAssociation, stage: apigateway.CfnStage): boolean {
  const stack = Stack.of(stage);
  const arn = JSON.stringify(stack.resolve(association.resourceArn));
  const api = JSON.stringify(stack.resolve(stage.restApiId));
  const stageRef = JSON.stringify(stack.resolve(stage.ref));
  const stageName = stack.resolve(stage.stageName);
  return (
    arn.includes(api) &&
    (arn.includes(stageRef) || (typeof stageName === 'string' && arn.includes(`/stages/${stageName}`)))
  );
}

/** The web ACL of this stack an association points at, if it is one. */
function associatedWebAcl(association: wafv2.CfnWebACLAssociation): wafv2.CfnWebACL | undefined {
  const stack = Stack.of(association);
  const target = JSON.stringify(stack.resolve(association.webAclArn));
  return stack.node
    .findAll()
    .filter((c): c is wafv2.CfnWebACL => c instanceof wafv2.CfnWebACL)
    .find((acl) => target === JSON.stringify(stack.resolve(acl.attrArn)));
}

/** The web ACL blocks by IP rate and runs every required managed rule group. */
function protects(acl: wafv2.CfnWebACL): boolean {
  const rules = (Stack.of(acl).resolve(acl.rules) ?? []) as wafv2.CfnWebACL.RuleProperty[];
  const statements = rules.map((rule) => rule.statement as wafv2.CfnWebACL.StatementProperty);
  const groups = statements.map(
    (s) => (s.managedRuleGroupStatement as wafv2.CfnWebACL.ManagedRuleGroupStatementProperty)?.name,
  );
  const rateLimited = rules.some(
    (rule) =>
      (rule.statement as wafv2.CfnWebACL.StatementProperty).rateBasedStatement !== undefined &&
      (rule.action as wafv2.CfnWebACL.RuleActionProperty | undefined)?.block !== undefined,
  );
  return rateLimited && REQUIRED_MANAGED_RULE_GROUPS.every((group) => groups.includes(group));
}

/**
 * Every REST API stage is associated with a web ACL of its own stack that runs the AWS managed
 * rule groups B2 requires and blocks clients over the per-IP rate limit. Stricter than
 * AwsSolutions-APIG3, which accepts any association.
 */
export const ApiHasWaf: B2Rule = {
  id: 'ApiHasWaf',
  info: 'The REST API stage is not protected by a B2 web ACL (managed rule groups and a blocking rate-based rule).',
  explanation:
    'The API is public: AWS WAF drops common exploits, known bad inputs and floods from one client before they cost a Lambda invocation.',
  level: NagMessageLevel.ERROR,
  check: (node: CfnResource) => {
    if (!(node instanceof apigateway.CfnStage)) return NagRuleCompliance.NOT_APPLICABLE;
    const protectedByWaf = Stack.of(node)
      .node.findAll()
      .filter((c): c is wafv2.CfnWebACLAssociation => c instanceof wafv2.CfnWebACLAssociation)
      .filter((association) => associatesStage(association, node))
      .some((association) => {
        const acl = associatedWebAcl(association);
        return acl !== undefined && protects(acl);
      });
    return protectedByWaf ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  },
};
