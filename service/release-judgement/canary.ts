import { JUDGEMENT_SETTING, requiredSetting } from './settings';
import { walkLines } from './walk-lines';
import { Fetch, walkSession } from '../../test/smoke/smoke';

/**
 * The CloudWatch Synthetics canary of an environment (handler `index.handler` in the release's
 * `canary` bundle): every minute it walks the smoke path, every endpoint of the load profile's
 * session, through the environment's API as a user would. A failed step throws, which fails the
 * run; the failed run (or no run at all) is what the canary's alarm rolls a release back on.
 *
 * It checks the environment but not the version: during a bake both releases answer, and each
 * walk may meet either. The pre-traffic hook checks the new version by itself.
 */
export async function walkEnvironment(fetch: Fetch, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const result = await walkSession(requiredSetting(JUDGEMENT_SETTING.apiUrl, env), fetch, {
    environment: requiredSetting(JUDGEMENT_SETTING.expectedEnvironment, env),
  });
  for (const line of walkLines(result)) console.log(line);
  const failed = result.steps.find((s) => s.status === 'failed');
  if (failed) throw new Error(`the session failed at "${failed.name}": ${failed.message}`);
}

export async function handler(): Promise<void> {
  await walkEnvironment(fetch);
}
