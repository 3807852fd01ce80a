import { EnvironmentName } from './environments';
import { tableName } from '../../service/src/data/table-design';

/**
 * Every physical name of an environment, in one place: each carries the environment, and the
 * monitoring stack finds the API's metrics by these names instead of by cross-stack references.
 */
export function resourceNames(environment: EnvironmentName) {
  const prefix = `${environment}-b2`;
  return {
    stack: (part: string) => `${prefix}-${part}`,
    table: tableName(environment),
    apiFunction: `${prefix}-api`,
    rotationFunction: `${prefix}-signing-key-rotation`,
    /** The alias API Gateway invokes and CodeDeploy shifts: the release that is live. */
    liveAlias: 'live',
    restApi: `${prefix}-api`,
    /** The REST API stage is named after the environment, so its URL says which one it is. */
    apiStage: environment,
    webAcl: `${prefix}-api`,
    /** AWS WAF only delivers logs to log groups whose name starts with `aws-waf-logs-`. */
    webAclLogGroup: `aws-waf-logs-${prefix}-api`,
    apiAccessLogGroup: `/b2/${environment}/api-access`,
    functionLogGroup: (functionName: string) => `/aws/lambda/${functionName}`,
    signingKeysSecret: `${prefix}-signing-keys`,
    alarmTopic: `${prefix}-alarms`,
    alarm: (what: string) => `${prefix}-${what}`,
    dashboard: prefix,
    codeDeployApplication: prefix,
    deploymentGroup: `${prefix}-api`,
    backupVault: `${prefix}-backup`,
    backupCopyVault: `${prefix}-backup-copy`,
    backupPlan: `${prefix}-backup`,
    parameter: (what: string) => `/b2/${environment}/${what}`,
  };
}

export type ResourceNames = ReturnType<typeof resourceNames>;
