import {
  CodeDeployClient,
  LifecycleEventStatus,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DIRECT_INVOKE_ORIGIN, directInvokeFetch } from './direct-invoke';
import { JUDGEMENT_SETTING, requiredSetting } from './settings';
import { walkLines } from './walk-lines';
import { SmokeResult, walkSession } from '../../test/smoke/smoke';

/**
 * The CodeDeploy `BeforeAllowTraffic` hook of the API's deployment group (handler
 * `index.handler` in the release's `pre-traffic-hook` bundle): before the live alias sends the new
 * version any traffic, it walks the smoke path (every endpoint of the load profile's session)
 * against that version, invoked directly, and tells CodeDeploy the verdict. `Failed` stops the
 * deployment and the alias stays on the previous release; no user ever reached the new one.
 */

/** What CodeDeploy invokes a lifecycle hook with. */
export interface LifecycleHookEvent {
  readonly DeploymentId: string;
  readonly LifecycleEventHookExecutionId: string;
}

export type HookVerdict = typeof LifecycleEventStatus.SUCCEEDED | typeof LifecycleEventStatus.FAILED;

export interface PreTrafficJudgement {
  /** Walks the session against the new version. */
  readonly walk: () => Promise<SmokeResult>;
  readonly codedeploy: Pick<CodeDeployClient, 'send'>;
  /** @default console.log */
  readonly log?: (line: string) => void;
}

/**
 * Walks, then reports the verdict to CodeDeploy, whatever happened: a walk that throws (a missing
 * setting, no permission to invoke) is `Failed`, never silence, since CodeDeploy would otherwise
 * wait an hour for a status before it fails the deployment.
 */
export async function judgeBeforeTraffic(
  event: LifecycleHookEvent,
  judgement: PreTrafficJudgement,
): Promise<HookVerdict> {
  const log = judgement.log ?? ((line: string) => console.log(line));
  let verdict: HookVerdict = LifecycleEventStatus.FAILED;
  try {
    const result = await judgement.walk();
    for (const line of walkLines(result)) log(line);
    if (result.passed) verdict = LifecycleEventStatus.SUCCEEDED;
  } catch (err) {
    log(`the session could not be walked against the new version: ${(err as Error).message}`);
  }
  log(`deployment ${event.DeploymentId}: BeforeAllowTraffic ${verdict}`);
  await judgement.codedeploy.send(
    new PutLifecycleEventHookExecutionStatusCommand({
      deploymentId: event.DeploymentId,
      lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId,
      status: verdict,
    }),
  );
  return verdict;
}

const lambda = new LambdaClient({});
const codedeploy = new CodeDeployClient({});

export async function handler(event: LifecycleHookEvent): Promise<HookVerdict> {
  return judgeBeforeTraffic(event, {
    codedeploy,
    walk: async () =>
      walkSession(
        DIRECT_INVOKE_ORIGIN,
        directInvokeFetch({
          lambda,
          functionArn: requiredSetting(JUDGEMENT_SETTING.targetVersionArn),
          stage: requiredSetting(JUDGEMENT_SETTING.apiStage),
        }),
        {
          // The version under test must be the release being deployed, in this environment.
          version: requiredSetting(JUDGEMENT_SETTING.expectedVersion),
          environment: requiredSetting(JUDGEMENT_SETTING.expectedEnvironment),
        },
      ),
  });
}
