import { bakeMinutes, EnvironmentConfig, PROMOTION_ORDER } from './environments';
import { GateName, GATES } from './gates';

/**
 * Gates that run together: every gate of a group may run at the same time; a group starts
 * when the group before it has passed.
 */
export type GateGroup = readonly GateName[];

/**
 * What sends a release's traffic back to the previous release while it bakes. On AWS the
 * environment's CloudWatch alarms drive CodeDeploy's rollback; the local engine watches its
 * front's live numbers against these thresholds.
 */
export interface RollbackTriggers {
  /** Share of requests (0–1) answered with a 5xx or not at all, above which the release is rolled back. */
  readonly maxErrorRate: number;
  /** p99 latency of the live traffic, in milliseconds, at or above which the release is rolled back. */
  readonly p99LatencyMs: number;
}

/** How a release enters one environment and what must hold before it goes further. */
export interface Promotion {
  readonly environment: EnvironmentConfig;
  /** A person approves the release, seeing the evidence, before it is deployed here. */
  readonly approval: boolean;
  /** The gates run against the environment after the deploy, group after group. */
  readonly verify: readonly GateGroup[];
  /** Minutes the new release is watched by the rollback triggers before it counts as live. */
  readonly bakeMinutes: number;
  readonly rollback: RollbackTriggers;
}

/** The promotion policy: what checks a change before any deploy, then each environment in order. */
export interface PromotionPolicy {
  /** Gates on the change itself, before the first deploy; all run at the same time. */
  readonly preDeploy: GateGroup;
  /** The environments in promotion order. */
  readonly promotions: readonly Promotion[];
}

/**
 * Error-rate thresholds of the bake. Prod's is the 99.9% availability target itself: a canary
 * failing more than one request in a thousand spends the whole error budget. Dev and staging
 * tolerate more because their traffic is the gates' own and a few failures there are the gates'
 * job to explain, not a reason to pull the release mid-test.
 */
const MAX_ERROR_RATE: Record<EnvironmentConfig['name'], number> = { dev: 0.05, staging: 0.01, prod: 0.001 };

/**
 * The gates after each deploy. In dev the API and browser tests run side by side, then DAST (its
 * fuzzing would crowd their sign-ups), and the load test only after them, so that its numbers are
 * not skewed by their traffic; in staging the
 * smoke test proves the release answers before it is put under 10x load.
 */
const VERIFY: Record<EnvironmentConfig['name'], readonly GateGroup[]> = {
  dev: [['integration', 'e2e'], ['dast'], ['load-current']],
  staging: [['smoke'], ['load-tenfold']],
  prod: [['smoke']],
};

function promotion(environment: EnvironmentConfig): Promotion {
  return {
    environment,
    approval: environment.approvalRequired,
    verify: VERIFY[environment.name],
    bakeMinutes: bakeMinutes(environment.trafficShift),
    rollback: {
      maxErrorRate: MAX_ERROR_RATE[environment.name],
      // The same threshold as the environment's latency alarm on AWS, read from its config.
      p99LatencyMs: environment.alarms.apiP99LatencyMs,
    },
  };
}

/** The one promotion policy every engine renders. */
export const PROMOTION_POLICY: PromotionPolicy = {
  preDeploy: ['lint', 'typecheck', 'sast', 'secrets', 'deps', 'unit', 'infra', 'api-compat'],
  promotions: PROMOTION_ORDER.map(promotion),
};

/** The gates that prove a release answers after its deploy. */
const VERIFY_GATES: readonly GateName[] = ['smoke', 'integration', 'e2e'];

/**
 * Every rule the policy must satisfy, one line per broken rule. An empty list means the
 * policy may be rendered.
 */
export function policyProblems(policy: PromotionPolicy): string[] {
  const problems: string[] = [];

  if (policy.preDeploy.length === 0) problems.push('no gate checks a change before the first deploy');
  for (const name of policy.preDeploy) {
    if (GATES[name]?.phase !== 'pre-deploy') {
      problems.push(`${name} checks a deployed environment: it cannot run before the first deploy`);
    }
  }

  const names = policy.promotions.map((p) => p.environment.name);
  if (new Set(names).size !== names.length) problems.push(`an environment is promoted to twice: ${names.join(' → ')}`);
  if (names[0] !== 'dev') problems.push(`promotion must start in dev, not ${names[0] ?? 'nowhere'}`);
  if (names[names.length - 1] !== 'prod') problems.push('promotion must end in prod');

  policy.promotions.forEach((p, index) => {
    const name = p.environment.name;
    const gates = p.verify.flat();
    for (const gate of gates) {
      if (GATES[gate]?.phase !== 'post-deploy') {
        problems.push(`${gate} cannot verify ${name}: it checks the change, not an environment`);
      }
    }
    if (new Set(gates).size !== gates.length) problems.push(`${name} runs a gate twice`);
    if (p.verify.some((group) => group.length === 0)) problems.push(`${name} has an empty gate group`);
    if (index > 0 && !gates.some((gate) => VERIFY_GATES.includes(gate))) {
      problems.push(`${name} has no verify gate (${VERIFY_GATES.join(', ')}) after its deploy`);
    }
    if (name === 'prod' && !p.approval) problems.push('prod is deployed without an approval');
    if (p.approval && index === 0) {
      problems.push(`${name} waits for an approval before any environment has produced evidence`);
    }
    if (!(p.rollback.maxErrorRate > 0 && p.rollback.maxErrorRate < 1)) {
      problems.push(`${name}: the rollback error rate must be between 0 and 1`);
    }
    if (!(p.rollback.p99LatencyMs > 0)) problems.push(`${name}: the rollback p99 latency must be positive`);
    if (name !== 'dev' && !(p.bakeMinutes > 0)) problems.push(`${name} takes traffic without a bake`);
  });
  return problems;
}

/** Thrown when a policy breaks a rule: names every broken rule at once. */
export class PolicyError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the promotion policy is invalid: ${problems.join('; ')}`);
    this.name = 'PolicyError';
  }
}

/** Checks a policy and returns it unchanged, or throws with every problem found. */
export function definePolicy(policy: PromotionPolicy): PromotionPolicy {
  const problems = policyProblems(policy);
  if (problems.length > 0) throw new PolicyError(problems);
  return policy;
}
