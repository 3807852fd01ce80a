import { baselineOf } from './baseline';
import { GATE_SCENARIOS, GateScenario, gateScenario, planLoad } from './plan';
import { referenceOf } from './reference';
import {
  describeBaseline,
  describeEndpoints,
  describeRun,
  newUserPool,
  RUNS_ON_A_STARVED_HOST,
  runLoad,
  untilJudged,
} from './run';
import { loadSettings } from './settings';
import { trendOf } from './trend';
import { runMain } from '../pipeline/kit/cli';
import { reportDir } from '../pipeline/kit/reports';

/**
 * The load gates: `load:current` and `load:tenfold` run this with their scenario. Exit 0 when
 * every threshold held, 99 (k6's own code) when one was crossed (the session's p95 or an
 * endpoint's, errors, checks, dropped sessions), 90 when only a comparison failed (with the last
 * promoted release or the reference baseline, blended or per endpoint), 2 when the run could
 * not happen (no k6, no target) or could not judge (the host starved every run).
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
  // The runs share their users: a run taken again registers none.
  const users = newUserPool();
  const { summary, exitCode } = await untilJudged(
    () =>
      runLoad({
        plan,
        target: settings.target,
        reportDir: dir,
        baseline,
        tolerance: settings.tolerance,
        reference,
        referenceTolerance: settings.referenceTolerance,
        trend,
        users,
        notJudgedOnStarvedHost: true,
      }),
    (line) => console.log(`${gate}: ${line}`),
  );
  console.log(describeRun(summary));
  console.log(describeEndpoints(summary));
  console.log(describeBaseline(summary));
  console.log(`reports: ${dir}/report.html`);
  if (summary.host?.judged === false) {
    console.log(
      `${gate} NOT JUDGED: the host starved all ${RUNS_ON_A_STARVED_HOST} runs, so their latencies measured the host, ` +
        `not the release; deliver again when the machine is quieter`,
    );
  } else {
    console.log(exitCode === 0 ? `${gate} passed` : `${gate} FAILED: ${summary.failures.join('; ')}`);
  }
  return exitCode;
}

runMain(main);
