import { PROMOTION_POLICY, RollbackTriggers } from '../../pipeline/model/policy';
import { EnvironmentConfig } from '../config';

/**
 * The model's rollback triggers of an environment: the error rate above which the local engine
 * sends a release's traffic back is the one the environment's rate alarms roll back on here.
 */
export function rollbackTriggersOf(environment: EnvironmentConfig): RollbackTriggers {
  const promotion = PROMOTION_POLICY.promotions.find((p) => p.environment.name === environment.name);
  if (!promotion) throw new Error(`the promotion policy does not promote to ${environment.name}`);
  return promotion.rollback;
}
