import { describe, expect, it } from 'vitest';
import {
  environmentStages,
  parseOnlyGates,
  preDeployWaves,
  skippedGates,
  wavesOf,
  withOnlyGates,
} from '../../../pipeline/local/run/local-plan';
import { planFor } from '../../../pipeline/model';

const plan = planFor();
const names = (waves: ReturnType<typeof wavesOf>): string[][] => waves.map((w) => w.map((s) => s.gate.name).sort());

describe("the local engine's reading of the model's plan", () => {
  it('runs every pre-deploy gate of the model in one wave, side by side', () => {
    expect(names(preDeployWaves(plan))).toEqual([
      ['api-compat', 'deps', 'infra', 'lint', 'sast', 'secrets', 'typecheck', 'unit'],
    ]);
  });

  it('promotes through the model environments in order, with the approval where the model puts it', () => {
    const stages = environmentStages(plan);
    expect(stages.map((s) => s.name)).toEqual(['dev', 'staging', 'prod']);
    expect(stages.map((s) => Boolean(s.approval))).toEqual([false, false, true]);
  });

  it("verifies each environment in the model's gate groups, one group after the other", () => {
    const [dev, staging, prod] = environmentStages(plan);
    expect(names(dev.verify)).toEqual([['e2e', 'integration'], ['dast'], ['load-current']]);
    expect(names(staging.verify)).toEqual([['smoke'], ['load-tenfold']]);
    expect(names(prod.verify)).toEqual([['smoke']]);
  });

  it('keeps only the named gates for a partial run, in the model order, and says which were left out', () => {
    const partial = withOnlyGates(plan, ['smoke', 'load-tenfold']);
    const [dev, staging] = environmentStages(partial);
    expect(dev.verify).toEqual([]);
    expect(names(staging.verify)).toEqual([['smoke'], ['load-tenfold']]);
    expect(preDeployWaves(partial)).toEqual([]);
    expect(skippedGates(plan, partial)).toEqual(
      expect.arrayContaining(['pre-deploy/lint', 'dev/e2e', 'dev/integration', 'dev/load-current']),
    );
    expect(skippedGates(plan, partial)).not.toContain('staging/smoke');
  });

  it('lets a kept gate wait on what a dropped gate waited on', () => {
    const partial = withOnlyGates(plan, ['load-current']);
    const [dev] = environmentStages(partial);
    expect(dev.verify[0].map((s) => s.after)).toEqual([['dev/deploy']]);
  });

  it('shows an approver only the evidence of gates that ran', () => {
    const prod = environmentStages(withOnlyGates(plan, ['smoke']))[2];
    expect(prod.approval?.evidence).toEqual(['staging/smoke']);
  });

  it('reads --only-gates as gate names or none, and refuses a name that is not a gate', () => {
    expect(parseOnlyGates(undefined)).toBeUndefined();
    expect(parseOnlyGates('none')).toEqual([]);
    expect(parseOnlyGates('smoke, e2e')).toEqual(['smoke', 'e2e']);
    expect(() => parseOnlyGates('smoke,typo')).toThrow(/typo is not a gate/);
  });

  it('refuses gates that wait on each other', () => {
    const [a] = environmentStages(plan)[0].verify[0];
    expect(() =>
      wavesOf([
        { ...a, id: 'x/a', after: ['x/b'] },
        { ...a, id: 'x/b', after: ['x/a'] },
      ]),
    ).toThrow(/wait on each other/);
  });
});
