import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bakeMinutes,
  GATES,
  gateStepsOf,
  installToolsCommand,
  PIPELINE,
  PipelineModel,
  planFor,
  PolicyError,
  policyProblems,
  PROMOTION_ORDER,
  PROMOTION_POLICY,
  PromotionPolicy,
  runTaskCommand,
  stageOf,
  taskOfCommand,
} from '../../../pipeline/model';
import { ENVIRONMENTS, environment } from '../../../stages/config';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..');

/** The tasks projen generated from `.projenrc.ts`: what `npx projen <task>` can run. */
function projectTasks(): Set<string> {
  const file = path.join(PROJECT_ROOT, '.projen', 'tasks.json');
  return new Set(Object.keys((JSON.parse(readFileSync(file, 'utf8')) as { tasks: object }).tasks));
}

/** A copy of the policy with one environment's promotion changed. */
function withPromotion(name: string, change: object): PromotionPolicy {
  return {
    ...PROMOTION_POLICY,
    promotions: PROMOTION_POLICY.promotions.map((p) => (p.environment.name === name ? { ...p, ...change } : p)),
  };
}

describe('the pipeline model', () => {
  it('promotes through the environments of the stages config, in their order', () => {
    expect(PROMOTION_ORDER).toBe(ENVIRONMENTS);
    expect(PROMOTION_POLICY.promotions.map((p) => p.environment)).toEqual([...ENVIRONMENTS]);
    expect(PROMOTION_POLICY.promotions.map((p) => p.environment.name)).toEqual(['dev', 'staging', 'prod']);
  });

  it('satisfies every rule of its own policy', () => {
    expect(policyProblems(PROMOTION_POLICY)).toEqual([]);
  });

  it('names, for every gate and build step, a projen task that exists', () => {
    const tasks = projectTasks();
    const named = [
      ...Object.values(PIPELINE.gates).map((gate) => gate.task),
      PIPELINE.build.release,
      PIPELINE.build.cloudAssembly,
      PIPELINE.build.templates,
    ];
    expect(named.filter((task) => !tasks.has(task))).toEqual([]);
  });

  it('keeps each gate under its own name and every report inside the gate’s own folder', () => {
    for (const [key, gate] of Object.entries(GATES)) {
      expect(gate.name).toBe(key);
      for (const report of gate.reports) expect(report.path.startsWith(`${gate.name}/`)).toBe(true);
    }
  });

  it('always requires an approval before prod', () => {
    const prod = PROMOTION_POLICY.promotions.find((p) => p.environment.name === 'prod');
    expect(prod?.approval).toBe(true);
    expect(stageOf(planFor(), 'prod').steps[0]).toMatchObject({ kind: 'approval', id: 'prod/approval' });
  });

  it('takes the approval from the environment config rather than restating it', () => {
    for (const promotion of PROMOTION_POLICY.promotions) {
      expect(promotion.approval).toBe(promotion.environment.approvalRequired);
    }
  });

  it('has a verify gate after every deploy after dev', () => {
    for (const promotion of PROMOTION_POLICY.promotions.slice(1)) {
      expect(promotion.verify.flat()).toContain('smoke');
    }
  });

  it('takes the rollback latency threshold from the environment’s alarm and the bake from its traffic shift', () => {
    for (const promotion of PROMOTION_POLICY.promotions) {
      expect(promotion.rollback.p99LatencyMs).toBe(promotion.environment.alarms.apiP99LatencyMs);
      expect(promotion.bakeMinutes).toBe(bakeMinutes(promotion.environment.trafficShift));
    }
    expect(PROMOTION_POLICY.promotions.find((p) => p.environment.name === 'prod')?.bakeMinutes).toBe(5);
  });
});

describe('the policy rules', () => {
  it('refuse a prod deployed without an approval', () => {
    const policy = withPromotion('prod', { approval: false });
    expect(policyProblems(policy)).toContain('prod is deployed without an approval');
    expect(() => planFor({ ...PIPELINE, policy })).toThrow(PolicyError);
  });

  it('refuse a prod whose config does not require an approval', () => {
    const unapproved = { ...environment('prod'), approvalRequired: false };
    const policy = withPromotion('prod', { environment: unapproved, approval: unapproved.approvalRequired });
    expect(() => planFor({ ...PIPELINE, policy })).toThrow(/prod is deployed without an approval/);
  });

  it('refuse an environment after dev without a verify gate', () => {
    const policy = withPromotion('staging', { verify: [['load-tenfold']] });
    expect(policyProblems(policy)).toEqual([expect.stringMatching(/^staging has no verify gate/)]);
  });

  it('refuse a post-deploy gate before the first deploy and a pre-deploy gate after one', () => {
    expect(policyProblems({ ...PROMOTION_POLICY, preDeploy: ['lint', 'e2e'] })).toEqual([
      expect.stringMatching(/^e2e checks a deployed environment/),
    ]);
    expect(policyProblems(withPromotion('dev', { verify: [['integration', 'unit']] }))).toEqual([
      expect.stringMatching(/^unit cannot verify dev/),
    ]);
  });

  it('refuse promotion that skips, repeats or reorders the ends', () => {
    const [dev, staging, prod] = PROMOTION_POLICY.promotions;
    expect(policyProblems({ ...PROMOTION_POLICY, promotions: [staging, dev, prod] })).toContain(
      'promotion must start in dev, not staging',
    );
    expect(policyProblems({ ...PROMOTION_POLICY, promotions: [dev, staging] })).toContain('promotion must end in prod');
    expect(policyProblems({ ...PROMOTION_POLICY, promotions: [dev, staging, staging, prod] })).toEqual([
      expect.stringMatching(/^an environment is promoted to twice/),
    ]);
  });

  it('refuse rollback thresholds that could never fire and a bake of nothing outside dev', () => {
    expect(policyProblems(withPromotion('prod', { rollback: { maxErrorRate: 1, p99LatencyMs: 0 } }))).toEqual([
      'prod: the rollback error rate must be between 0 and 1',
      'prod: the rollback p99 latency must be positive',
    ]);
    expect(policyProblems(withPromotion('staging', { bakeMinutes: 0 }))).toEqual([
      'staging takes traffic without a bake',
    ]);
  });

  it('refuse a plan that names a gate the model does not define', () => {
    const gates = Object.fromEntries(Object.entries(GATES).filter(([name]) => name !== 'smoke'));
    expect(() => planFor({ ...PIPELINE, gates: gates as PipelineModel['gates'] })).toThrow(
      'the policy names gates the model does not define: smoke, smoke',
    );
  });
});

describe('the plan', () => {
  const plan = planFor();

  it('builds, checks the change, then promotes dev → staging → prod', () => {
    expect(plan.stages.map((stage) => stage.name)).toEqual(['build', 'pre-deploy', 'dev', 'staging', 'prod']);
    expect(stageOf(plan, 'build').steps).toEqual([
      {
        kind: 'build',
        id: 'build/build',
        after: [],
        tasks: { release: 'bundle', cloudAssembly: 'synth:pipeline', templates: 'synth' },
      },
    ]);
  });

  it('runs the pre-deploy gates side by side', () => {
    const gates = gateStepsOf(stageOf(plan, 'pre-deploy'));
    expect(gates.map((step) => step.gate.name)).toEqual([
      'lint',
      'typecheck',
      'sast',
      'secrets',
      'deps',
      'unit',
      'infra',
      'api-compat',
    ]);
    for (const step of gates) expect(step.after).toEqual([]);
  });

  it('deploys each environment before its gates, and loads dev only after its API, browser and DAST tests', () => {
    const dev = stageOf(plan, 'dev');
    expect(dev.steps.map((step) => [step.id, step.after])).toEqual([
      ['dev/deploy', []],
      ['dev/integration', ['dev/deploy']],
      ['dev/e2e', ['dev/deploy']],
      ['dev/dast', ['dev/integration', 'dev/e2e']],
      ['dev/load-current', ['dev/dast']],
    ]);
    expect(stageOf(plan, 'staging').steps.map((step) => [step.id, step.after])).toEqual([
      ['staging/deploy', []],
      ['staging/smoke', ['staging/deploy']],
      ['staging/load-tenfold', ['staging/smoke']],
    ]);
    for (const step of gateStepsOf(dev)) expect(step.environment?.name).toBe('dev');
  });

  it('asks for prod’s approval first, showing every gate that ran before it, and deploys after it', () => {
    const prod = stageOf(plan, 'prod');
    expect(prod.steps.map((step) => [step.id, step.after])).toEqual([
      ['prod/approval', []],
      ['prod/deploy', ['prod/approval']],
      ['prod/smoke', ['prod/deploy']],
    ]);
    const approval = prod.steps[0];
    expect(approval.kind === 'approval' && approval.evidence).toEqual([
      'pre-deploy/lint',
      'pre-deploy/typecheck',
      'pre-deploy/sast',
      'pre-deploy/secrets',
      'pre-deploy/deps',
      'pre-deploy/unit',
      'pre-deploy/infra',
      'pre-deploy/api-compat',
      'dev/integration',
      'dev/e2e',
      'dev/dast',
      'dev/load-current',
      'staging/smoke',
      'staging/load-tenfold',
    ]);
  });

  it('carries each environment’s traffic shift, bake and rollback triggers into its deploy', () => {
    const deploy = stageOf(plan, 'prod').steps.find((step) => step.kind === 'deploy');
    expect(deploy?.kind === 'deploy' && deploy.promotion).toMatchObject({
      environment: { name: 'prod', trafficShift: { kind: 'canary', percent: 10, bakeMinutes: 5 } },
      bakeMinutes: 5,
      rollback: { maxErrorRate: 0.001, p99LatencyMs: 500 },
    });
  });
});

describe('the commands engines run', () => {
  it('are projen tasks and the project’s tool installer', () => {
    expect(runTaskCommand('test:unit')).toBe('npx projen test:unit');
    expect(installToolsCommand(['semgrep', 'k6'])).toBe('npx projen tools:install semgrep k6');
  });

  it('read back to the task they run, and to nothing for any other command', () => {
    expect(taskOfCommand(runTaskCommand('load:current'))).toBe('load:current');
    expect(taskOfCommand(installToolsCommand(['k6']))).toBeUndefined();
    expect(taskOfCommand('npm ci')).toBeUndefined();
  });
});

describe('the bake of a traffic shift', () => {
  it('is the canary’s bake, the whole linear shift, or nothing for all at once', () => {
    expect(bakeMinutes({ kind: 'canary', percent: 10, bakeMinutes: 5 })).toBe(5);
    expect(bakeMinutes({ kind: 'linear', percent: 10, intervalMinutes: 1 })).toBe(10);
    expect(bakeMinutes({ kind: 'linear', percent: 30, intervalMinutes: 2 })).toBe(8);
    expect(bakeMinutes({ kind: 'all-at-once' })).toBe(0);
  });
});
