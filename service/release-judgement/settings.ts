/**
 * The environment variables the release judgement's functions read (the Synthetics canary and
 * the CodeDeploy pre-traffic hook). The stages set them through these names, so neither side can
 * misspell one. The expectations carry the smoke gate's names: the same walk reads the same words.
 */
export const JUDGEMENT_SETTING = {
  /** The canary: the environment's API URL, as the verification gates get it. */
  apiUrl: 'B2_API_URL',
  /** Both: the environment `/health` must report. */
  expectedEnvironment: 'B2_EXPECTED_ENVIRONMENT',
  /** The hook: the release (commit) the new version's `/health` must report. */
  expectedVersion: 'B2_EXPECTED_VERSION',
  /** The hook: the qualified ARN of the API function version being deployed. */
  targetVersionArn: 'B2_TARGET_VERSION_ARN',
  /** The hook: the REST API stage its events say they came through. */
  apiStage: 'B2_API_STAGE',
} as const;

/** A setting the function cannot run without, or one line saying which is missing. */
export function requiredSetting(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`${name} is not set: the stage that deploys this function sets it`);
  return value;
}
