import { baselineOf } from './baseline';
import { GATE_SCENARIOS, GateScenario, gateScenario, planLoad } from './plan';
import { referenceOf } from './reference';
import { describeBaseline, describeEndpoints, describeRun, runLoad } from './run';
import { loadSettings } from './settings';
import { trendOf } from './trend';
import { runMain } from '../pipeline/kit/cli';
import { reportDir } from '../pipeline/kit/reports';

/**
 * The load gates: `load:current` and `load:tenfold` run this with their scenario. Exit 0 when
 * every threshold held, 99 (k6's own code) when one was crossed (the session's p95 or an
 * endpoint's, errors, checks, dropped sessions), 90 when only a comparison failed (with the last
 * promoted release or the reference baseline, blended or per endpoint), 2 when the run could
 * not happen (no k6, no target).
 */
async function main(): Promise<number> {
  const scenario = process.argv[2];
  if (!scenario || !(scenario in GATE_SCENARIOS)) {
    throw new Error(`usage: gate.ts <${Object.keys(GATE_SCENARIOS).join('|')}>`);
  }
  const settings = loadSettings(process.env);
  const plan = planLoad(settings.profile, gateScenario(scenario as GateScenario), settings.timing);
  const gate = `load-${plan.scenario}`;
  const dir = reportDir(gate);
  const baseline = await baselineOf(settings, plan.scenario, plan.profileVersion);
  const reference = await referenceOf(settings, plan.scenario, plan.profileVersion);
  const trend = await trendOf(settings, plan.scenario, plan.profileVersion);
  console.log(
    `${gate}: load profile ${plan.profileVersion}, ${plan.multiplier}x the current load = ${plan.targetRate} req/s ` +
      `(${plan.sessionsPerSecond.toFixed(2)} sessions/s over ${plan.users} users) against ${settings.target}, ` +
      `${plan.warmupSeconds} s warm-up + ${plan.holdSeconds} s measured`,
  );
  const { summary, exitCode } = await runLoad({
    plan,
    target: settings.target,
    reportDir: dir,
    baseline,
    tolerance: settings.tolerance,
    reference,
    referenceTolerance: settings.referenceTolerance,
    trend,
  });
  console.log(describeRun(summary));
  console.log(describeEndpoints(summary));
  console.log(describeBaseline(summary));
  console.log(`reports: ${dir}/report.html`);
  console.log(exitCode === 0 ? `${gate} passed` : `${gate} FAILED: ${summary.failures.join('; ')}`);
  return exitCode;
}

runMain(main);
