import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  codePipelineView,
  EngineView,
  inputProblems,
  localEngineView,
  parityProblems,
  planView,
  SAMPLE_LOCAL_CONTEXT,
  workflowView,
  WorkflowJson,
} from './engine-views';
import { CfnTemplate, SYNTHESIS_TIMEOUT_MS, synthesizePipeline } from './pipeline-synthesis';
import { codeBuildActions, projectOf, stageNamed } from './pipeline-template';
import { PipelineRun } from '../../../pipeline/local/run/pipeline-run';
import { GateName, GATES, planFor, readsOnlyTheCheckout, StageName } from '../../../pipeline/model';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..');
const ALL_STAGES: StageName[] = ['build', 'pre-deploy', 'dev', 'staging', 'prod'];

function pullRequestWorkflow(): WorkflowJson {
  return parse(
    readFileSync(path.join(PROJECT_ROOT, '.github', 'workflows', 'pull-request.yml'), 'utf8'),
  ) as WorkflowJson;
}

/** A deep copy to change in a test without touching the rendered original. */
function copy<T>(value: T): T {
  return structuredClone(value);
}

describe('the engines', () => {
  const model = planView(planFor());
  let template: CfnTemplate;

  beforeAll(() => {
    template = synthesizePipeline().template;
  }, SYNTHESIS_TIMEOUT_MS);

  /**
   * Every engine that renders the model, with the stages it renders: one line per engine, read
   * back from what that engine actually runs.
   */
  /** The model's view of the gates an engine renders: all of them, or only those that read nothing but the checkout. */
  const modelFor = (checkoutOnly: boolean): EngineView =>
    checkoutOnly
      ? { ...model, gates: model.gates.filter((gate) => readsOnlyTheCheckout(GATES[gate.gate as GateName])) }
      : model;

  const engines: { name: string; stages: readonly StageName[]; checkoutOnly: boolean; view: () => EngineView }[] = [
    {
      name: 'the CDK Pipeline (CodePipeline)',
      stages: ALL_STAGES,
      checkoutOnly: false,
      view: () => codePipelineView(template),
    },
    {
      name: 'the GitHub pull-request workflow',
      stages: ['pre-deploy'],
      // A pull request has its checkout only: gates that read a pipeline's store run in the pipelines.
      checkoutOnly: true,
      view: () => workflowView(pullRequestWorkflow()),
    },
    {
      name: 'the local engine',
      stages: ALL_STAGES,
      checkoutOnly: false,
      view: () => localEngineView(PipelineRun.planOf(undefined).plan),
    },
  ];

  it.each(engines)(
    '$name runs the model’s gates under the same names, with the same tasks, in the same order',
    (engine) => {
      expect(parityProblems(modelFor(engine.checkoutOnly), engine.view(), engine.stages)).toEqual([]);
    },
  );

  it('leaves out of the pull-request workflow only the gates that read what a pipeline keeps', () => {
    const left = model.gates.filter((gate) => gate.stage === 'pre-deploy' && !modelFor(true).gates.includes(gate));
    expect(left.map((gate) => gate.gate)).toEqual(['api-compat']);
  });

  it.each(engines)('$name fills every input each gate declares, through the gate contract', (engine) => {
    const actual = engine.view();
    const expected = modelFor(engine.checkoutOnly).gates.filter((gate) => engine.stages.includes(gate.stage));
    expect(expected.length).toBeGreaterThan(0);
    for (const want of expected) {
      const got = actual.gates.find((gate) => gate.stage === want.stage && gate.gate === want.gate);
      expect(got, `${want.stage}/${want.gate}`).toBeDefined();
      expect(inputProblems(want, got!)).toEqual([]);
    }
  });

  it('reads back what each engine gives a gate, not what the gate declares', () => {
    const smoke = (view: EngineView) => view.gates.find((g) => g.stage === 'staging' && g.gate === 'smoke')?.variables;
    const declared = ['B2_REPORTS_DIR', 'B2_API_URL', 'B2_EXPECTED_VERSION', 'B2_EXPECTED_ENVIRONMENT'];
    expect(smoke(model)).toEqual(declared);
    expect(smoke(codePipelineView(template))).toEqual(expect.arrayContaining(declared));
    expect(smoke(localEngineView(PipelineRun.planOf(undefined).plan))).toEqual(declared);
    const load = codePipelineView(template).gates.find((g) => g.gate === 'load-tenfold')?.variables;
    expect(load).toEqual(expect.arrayContaining(['B2_API_URL', 'B2_LOAD_BASELINE_LOCATION', 'B2_TOOL_VERSION_K6']));
  });

  it('reads every gate of the model back from the CodePipeline, stage by stage', () => {
    const stages = (view: EngineView) => view.gates.map((g) => `${g.stage}/${g.gate}:${g.task}`);
    expect(stages(codePipelineView(template))).toEqual(expect.arrayContaining(stages(model)));
    expect(codePipelineView(template).gates.find((g) => g.gate === 'load-current')?.after).toEqual([
      'dast',
      'e2e',
      'integration',
    ]);
  });

  describe('a difference in one engine only fails the parity check', () => {
    it('when a gate job is removed from the workflow', () => {
      const workflow = copy(pullRequestWorkflow()) as { jobs: Record<string, unknown> };
      delete workflow.jobs.sast;
      expect(parityProblems(modelFor(true), workflowView(workflow as WorkflowJson), ['pre-deploy'])).toEqual([
        'pre-deploy/sast (task sast) is missing',
      ]);
    });

    it('when a workflow job runs another task than the model’s', () => {
      const workflow = copy(pullRequestWorkflow());
      const job = workflow.jobs.unit as { steps: { run?: string }[] };
      job.steps = job.steps.map((step) => (step.run === 'npx projen test:unit' ? { run: 'npx projen test' } : step));
      expect(parityProblems(modelFor(true), workflowView(workflow), ['pre-deploy'])).toEqual([
        'pre-deploy/unit runs test, not test:unit',
      ]);
    });

    it('when the workflow orders gates the model runs side by side', () => {
      const workflow = copy(pullRequestWorkflow()) as { jobs: Record<string, { needs?: string[] }> };
      workflow.jobs.unit.needs = ['lint'];
      expect(parityProblems(modelFor(true), workflowView(workflow as unknown as WorkflowJson), ['pre-deploy'])).toEqual(
        ['pre-deploy/unit waits for [lint], not []'],
      );
    });

    it('when the workflow runs a gate the model runs after a deploy', () => {
      const workflow = copy(pullRequestWorkflow()) as { jobs: Record<string, unknown> };
      workflow.jobs.smoke = { steps: [{ run: 'npm ci' }, { run: 'npx projen smoke' }] };
      expect(parityProblems(modelFor(true), workflowView(workflow as WorkflowJson), ['pre-deploy'])).toEqual([
        'pre-deploy/smoke (task smoke) is not in the model',
      ]);
    });

    it('when a gate action is removed from the CodePipeline', () => {
      const mutated = copy(template);
      const staging = stageNamed(mutated, 'Staging') as unknown as { Actions: { Name: string }[] };
      staging.Actions = staging.Actions.filter((action) => action.Name !== 'smoke');
      expect(parityProblems(model, codePipelineView(mutated), ALL_STAGES)).toEqual([
        'staging/smoke (task smoke) is missing',
        'staging/load-tenfold waits for [], not [smoke]',
      ]);
    });

    it('when the CodePipeline runs the load test beside the tests the model runs before it', () => {
      const mutated = copy(template);
      const dev = stageNamed(mutated, 'Dev') as unknown as { Actions: { Name: string; RunOrder?: number }[] };
      const e2e = dev.Actions.find((action) => action.Name === 'e2e')!;
      dev.Actions = dev.Actions.map((action) =>
        action.Name === 'load-current' ? { ...action, RunOrder: e2e.RunOrder } : action,
      );
      expect(parityProblems(model, codePipelineView(mutated), ALL_STAGES)).toEqual([
        'dev/dast waits for [e2e, integration, load-current], not [e2e, integration]',
        'dev/load-current waits for [], not [dast, e2e, integration]',
      ]);
    });

    it('when B2_EXPECTED_VERSION is removed from the synthesized AWS staging smoke step', () => {
      const mutated = copy(template);
      const smoke = codeBuildActions(stageNamed(mutated, 'Staging')).find((action) => action.Name === 'smoke')!;
      const environment = mutated.Resources[projectOf(mutated, smoke).id].Properties!.Environment as {
        EnvironmentVariables: { Name: string }[];
      };
      environment.EnvironmentVariables = environment.EnvironmentVariables.filter(
        (variable) => variable.Name !== 'B2_EXPECTED_VERSION',
      );
      expect(parityProblems(model, codePipelineView(mutated), ALL_STAGES)).toEqual([
        'staging/smoke: B2_EXPECTED_VERSION is not set',
      ]);
    });

    it('when a CodePipeline action sets the URL its gate reads to nothing', () => {
      const mutated = copy(template);
      const e2e = codeBuildActions(stageNamed(mutated, 'Dev')).find((action) => action.Name === 'e2e') as unknown as {
        Configuration: { EnvironmentVariables: string };
      };
      e2e.Configuration.EnvironmentVariables = JSON.stringify([{ name: 'B2_WEB_URL', type: 'PLAINTEXT', value: '' }]);
      expect(parityProblems(model, codePipelineView(mutated), ALL_STAGES)).toEqual(['dev/e2e: B2_WEB_URL is not set']);
    });

    it('when a workflow job loses the reports folder the contract gives it', () => {
      const workflow = copy(pullRequestWorkflow()) as { jobs: Record<string, { env?: Record<string, string> }> };
      delete workflow.jobs.sast.env;
      expect(parityProblems(modelFor(true), workflowView(workflow as unknown as WorkflowJson), ['pre-deploy'])).toEqual(
        ['pre-deploy/sast: B2_REPORTS_DIR is not set'],
      );
    });

    it('when the local engine has no baseline location to give the load gates', () => {
      const view = localEngineView(PipelineRun.planOf(undefined).plan, {
        ...SAMPLE_LOCAL_CONTEXT,
        baselineLocation: '',
      });
      expect(parityProblems(model, view, ALL_STAGES)).toEqual([
        'pre-deploy/api-compat: B2_LOAD_BASELINE_LOCATION is not set',
        'dev/load-current: B2_LOAD_BASELINE_LOCATION is not set',
        'staging/load-tenfold: B2_LOAD_BASELINE_LOCATION is not set',
      ]);
    });

    it('when the local engine leaves a gate out', () => {
      const allBut = (Object.keys(GATES) as GateName[]).filter((name) => name !== 'e2e');
      expect(parityProblems(model, localEngineView(PipelineRun.planOf(allBut).plan), ALL_STAGES)).toEqual([
        'dev/e2e (task e2e) is missing',
        'dev/dast waits for [integration], not [e2e, integration]',
        'dev/load-current waits for [dast, integration], not [dast, e2e, integration]',
      ]);
    });

    it('when the model loses a gate the engines still run', () => {
      const plan = planFor();
      const trimmed = {
        stages: plan.stages.map((s) => ({ ...s, steps: s.steps.filter((step) => step.id !== 'pre-deploy/deps') })),
      };
      const checkoutOnly = planView(trimmed).gates.filter((gate) => readsOnlyTheCheckout(GATES[gate.gate as GateName]));
      expect(
        parityProblems({ ...planView(trimmed), gates: checkoutOnly }, workflowView(pullRequestWorkflow()), [
          'pre-deploy',
        ]),
      ).toEqual(['pre-deploy/deps (task deps) is not in the model']);
    });
  });
});
