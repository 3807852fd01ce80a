import { planLoad } from './plan';
import { describeRun, runLoad } from './run';
import { LOAD_ENV, loadSettings } from './settings';
import { runMain } from '../pipeline/kit/cli';
import { reportDir } from '../pipeline/kit/reports';

/**
 * Synthetic users, the traffic of a deploy's bake (`npx projen load:synthetic`): the load
 * profile's session, the same k6 script the load gates run, at `B2_LOAD_MULTIPLIER` times the
 * current load for `B2_LOAD_DURATION`, against `B2_API_URL`. Sessions alternate between the
 * release being deployed and the live one (`B2_LOAD_PIN_SPLIT`), so that the canary judge has
 * equal samples of both. It judges nothing itself: the engine's alarms and canary judge read the
 * front's numbers, and this run's own report says what its users saw. Exit 0 once k6 ran, 2 when
 * it could not.
 */
export const SYNTHETIC_ENV = { multiplier: 'B2_LOAD_MULTIPLIER', pinSplit: 'B2_LOAD_PIN_SPLIT' } as const;

async function main(): Promise<number> {
  const settings = loadSettings(process.env);
  const multiplier = Number(process.env[SYNTHETIC_ENV.multiplier] ?? '1');
  if (!(multiplier > 0)) throw new Error(`${SYNTHETIC_ENV.multiplier} must be a positive number`);
  const plan = planLoad(
    settings.profile,
    { name: 'synthetic', multiplier },
    { warmupSeconds: 0, holdSeconds: settings.timing.holdSeconds },
  );
  process.env[SYNTHETIC_ENV.pinSplit] ??= '1';
  console.log(
    `synthetic users: ${plan.targetRate} req/s (${multiplier}x the current load) against ${settings.target} for ` +
      `${plan.holdSeconds} s (${LOAD_ENV.duration}), sessions split between the new and the live release`,
  );
  const { summary } = await runLoad({
    plan,
    target: settings.target,
    reportDir: reportDir('synthetic'),
    baseline: { note: 'synthetic users are not compared with a baseline: the canary judge compares releases' },
    tolerance: settings.tolerance,
    dashboard: false,
  });
  console.log(describeRun(summary));
  return 0;
}

if (require.main === module) runMain(main);
