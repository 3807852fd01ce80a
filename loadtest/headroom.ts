import { rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { HeadroomResult, HeadroomStep } from './headroom-result';
import { headroomScenario, planLoad } from './plan';
import { renderHeadroomHtml } from './report';
import { describeRun, newUserPool, runLoad } from './run';
import { loadSettings, parseSeconds } from './settings';
import { runMain } from '../pipeline/kit/cli';
import { reportDir } from '../pipeline/kit/reports';

/**
 * `load:headroom`: raises the arrival rate step by step (multiples of the current load) until a
 * step breaks the budget (p95 at or over the limit, errors over budget, or the load not
 * delivered), narrows the gap between the last step that held and the one that broke, and
 * reports the highest multiple that held. A measurement, not a gate; bounded by the list of
 * steps (the highest rate), the refinements and a time budget.
 */

export const HEADROOM_ENV = {
  steps: 'B2_HEADROOM_STEPS',
  stepDuration: 'B2_HEADROOM_STEP_DURATION',
  maxSeconds: 'B2_HEADROOM_MAX_SECONDS',
  refinements: 'B2_HEADROOM_REFINEMENTS',
} as const;

export const DEFAULT_STEPS = [1, 2, 5, 10, 15, 20, 25, 30, 40, 50, 60, 80];
const DEFAULT_STEP_SECONDS = 20;
const STEP_WARMUP_SECONDS = 3;
/** Registering the step's users and k6's start and stop, on top of the step's own time. */
const STEP_OVERHEAD_SECONDS = 15;
const DEFAULT_MAX_SECONDS = 420;
/**
 * Once a step breaks, this many more steps halve the gap between the highest that held and the
 * lowest that broke: the coarse steps (10x, 15x) alone would understate the headroom by up to a third.
 */
const DEFAULT_REFINEMENTS = 2;
/** Refinement stops when the gap is this narrow (in multiples): finer is within one run's noise. */
const REFINEMENT_RESOLUTION = 1;

/** The steps to try: ascending, each a positive multiple. */
export function parseSteps(text: string | undefined): number[] {
  if (!text) return DEFAULT_STEPS;
  const steps = text.split(',').map((s) => Number(s.trim()));
  if (steps.length === 0 || steps.some((s) => !(s > 0))) {
    throw new Error(`${HEADROOM_ENV.steps}=${text} is not a list of positive multiples`);
  }
  return [...new Set(steps)].sort((a, b) => a - b);
}

/** The highest multiple that held below the lowest one that broke (a lucky step above a failure does not count). */
export function headroomOf(steps: readonly HeadroomStep[]): number {
  const lowestBroken = Math.min(...steps.filter((s) => !s.held).map((s) => s.multiplier));
  return Math.max(0, ...steps.filter((s) => s.held && s.multiplier < lowestBroken).map((s) => s.multiplier));
}

/**
 * The next multiple to try between the highest that held and the lowest that broke: their
 * midpoint to the nearest half, or undefined when the gap is already within the resolution.
 */
export function refinementBetween(held: number, broke: number): number | undefined {
  if (broke - held <= REFINEMENT_RESOLUTION) return undefined;
  const mid = Math.round(held + broke) / 2;
  return mid > held && mid < broke ? mid : undefined;
}

function count(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name}=${text} is not a whole number of steps`);
  return value;
}

async function main(): Promise<number> {
  const settings = loadSettings(process.env);
  const multiples = parseSteps(process.env[HEADROOM_ENV.steps]);
  const stepDuration = process.env[HEADROOM_ENV.stepDuration];
  const maxSeconds = process.env[HEADROOM_ENV.maxSeconds];
  const stepSeconds = stepDuration ? parseSeconds(stepDuration, HEADROOM_ENV.stepDuration) : DEFAULT_STEP_SECONDS;
  const budgetSeconds = maxSeconds ? parseSeconds(maxSeconds, HEADROOM_ENV.maxSeconds) : DEFAULT_MAX_SECONDS;
  const refinements = count(process.env[HEADROOM_ENV.refinements], HEADROOM_ENV.refinements, DEFAULT_REFINEMENTS);
  const dir = reportDir('load-headroom');
  // The steps' folders of an earlier search would sit beside this one's and be mistaken for it.
  rmSync(dir, { recursive: true, force: true });
  reportDir('load-headroom');
  const started = Date.now();
  const steps: HeadroomStep[] = [];
  // One pool for every step: each step registers only the users the steps before it did not.
  const users = newUserPool();

  const timeLeft = (): boolean => {
    const elapsed = (Date.now() - started) / 1000;
    return elapsed + stepSeconds + STEP_WARMUP_SECONDS + STEP_OVERHEAD_SECONDS <= budgetSeconds;
  };

  /** Runs one step and records it; a step whose run did not complete counts as broken. */
  async function tryStep(multiplier: number): Promise<HeadroomStep> {
    const plan = planLoad(settings.profile, headroomScenario(multiplier), {
      warmupSeconds: STEP_WARMUP_SECONDS,
      holdSeconds: stepSeconds,
    });
    console.log(`load-headroom: ${multiplier}x = ${plan.targetRate} req/s for ${stepSeconds} s`);
    let step: HeadroomStep;
    try {
      const { summary } = await runLoad({
        plan,
        target: settings.target,
        reportDir: reportDir(path.join('load-headroom', plan.scenario)),
        baseline: { note: 'a headroom step is not compared with a baseline' },
        tolerance: settings.tolerance,
        dashboard: false,
        users,
      });
      console.log(`  ${describeRun(summary)}: ${summary.passed ? 'held' : 'broke'}`);
      step = {
        scenario: plan.scenario,
        multiplier,
        targetRate: plan.targetRate,
        achievedRate: summary.achievedRate,
        p95: summary.latencyMs.p95,
        errorRate: summary.errorRate,
        held: summary.passed,
        failures: summary.failures,
      };
    } catch (err) {
      // No k6 or no target shows at the first step: that is no measurement at all.
      if (steps.length === 0) throw err;
      const cause = `${multiplier}x did not complete: ${(err as Error).message}`;
      console.log(`  ${cause}`);
      step = { scenario: plan.scenario, multiplier, targetRate: plan.targetRate, held: false, failures: [cause] };
    }
    steps.push(step);
    return step;
  }

  let stoppedBecause = `every step up to ${multiples[multiples.length - 1]}x held`;
  let broke = false;
  for (const multiplier of multiples) {
    if (!timeLeft()) {
      stoppedBecause = `the time budget of ${budgetSeconds} s ran out before ${multiplier}x`;
      break;
    }
    const step = await tryStep(multiplier);
    if (!step.held) {
      broke = true;
      break;
    }
  }

  for (let i = 0; broke && i < refinements; i++) {
    const lowestBroken = Math.min(...steps.filter((s) => !s.held).map((s) => s.multiplier));
    const next = refinementBetween(headroomOf(steps), lowestBroken);
    if (next === undefined || !timeLeft()) break;
    await tryStep(next);
  }
  const lowestBroken = steps.filter((s) => !s.held).sort((a, b) => a.multiplier - b.multiplier)[0];
  if (lowestBroken) {
    stoppedBecause = `${lowestBroken.multiplier}x broke the budget: ${lowestBroken.failures.join('; ')}`;
  }

  const headroomMultiple = headroomOf(steps);
  const result: HeadroomResult = {
    profileVersion: settings.profile.version,
    currentRate: settings.profile.requestsPerSecond,
    target: settings.target,
    measuredAt: new Date(started).toISOString(),
    stepSeconds,
    steps,
    headroomMultiple,
    headroomRate: headroomMultiple * settings.profile.requestsPerSecond,
    stoppedBecause,
  };
  writeFileSync(path.join(dir, 'headroom.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(path.join(dir, 'report.html'), renderHeadroomHtml(result));
  console.log(`reports: ${dir}/report.html, ${dir}/headroom.json`);
  if (headroomMultiple === 0) {
    console.log(`load-headroom: not even the current load held (${stoppedBecause})`);
    return 1;
  }
  console.log(
    `load-headroom: ${headroomMultiple}x the current load held (${result.headroomRate} req/s); ${stoppedBecause}`,
  );
  return 0;
}

if (require.main === module) runMain(main);
