import { EnvironmentName, resourceNames } from '../config';

/**
 * The longest canary name whose function keeps the name Synthetics documents,
 * `cwsyn-<canary>-<id>`, within Lambda's 64 characters: the canary's log permissions rely on it.
 */
const CANARY_NAME_MAX = 21;

/**
 * The physical names of what judges a release on AWS, built on the environment's names: the
 * monitoring stack finds the canary's metrics by its name, as it finds the API's.
 */
export function judgementNames(environment: EnvironmentName) {
  const names = resourceNames(environment);
  /** The Synthetics canary that walks the smoke path through the API (lowercase, digits, hyphens). */
  const canary = `${names.apiFunction}-smoke`;
  if (canary.length > CANARY_NAME_MAX) {
    throw new Error(`the canary name ${canary} is longer than ${CANARY_NAME_MAX} characters`);
  }
  return {
    canary,
    /** The log groups of the canary's function. */
    canaryLogGroups: `/aws/lambda/cwsyn-${canary}-*`,
    /** The CodeDeploy `BeforeAllowTraffic` hook of the API's deployment group. */
    preTrafficHook: `${names.apiFunction}-pre-traffic`,
    canaryAlarm: names.alarm('smoke-canary'),
    /** The error rate of the API function version a deployment is moving traffic to. */
    releaseErrorRateAlarm: names.alarm('release-error-rate'),
  };
}

export type JudgementNames = ReturnType<typeof judgementNames>;
