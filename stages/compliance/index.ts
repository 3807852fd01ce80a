import { Stage, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { B2Checks } from './b2-checks';

export { B2_RULES, B2Checks } from './b2-checks';

/**
 * Runs cdk-nag's AwsSolutions pack and the B2 pack on every stack under `app` as CDK
 * validation plugins: synthesis fails on any finding not acknowledged, with a reason, on the
 * resource it concerns (`Validations.of(resource).acknowledge`).
 */
export function addComplianceChecks(app: Stage): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new B2Checks(app));
}
