/**
 * The environments a release is promoted through, as plain data: the one typed config every
 * engine and the CDK stages read. Nothing here knows an engine or CDK; `stages/config` maps it
 * to CDK's types (a removal policy from `dataRetention`).
 */

/** The environments, in promotion order. */
export const ENVIRONMENT_NAMES = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/**
 * How CodeDeploy moves traffic from the live Lambda version to a new one. Data, not a CDK
 * object, so that the local engine can shift its own traffic the same way.
 */
export type TrafficShift =
  | { readonly kind: 'all-at-once' }
  /** `percent` more of the traffic every `intervalMinutes` until all of it has moved. */
  | { readonly kind: 'linear'; readonly percent: number; readonly intervalMinutes: number }
  /** `percent` of the traffic for `bakeMinutes`, watched by the alarms, then all of it. */
  | { readonly kind: 'canary'; readonly percent: number; readonly bakeMinutes: number };

/** The alarms that page and, during a deployment, roll it back. Each is evaluated per minute. */
export interface AlarmThresholds {
  /** API Gateway 5XX responses per minute at or above which the API is failing. */
  readonly api5xxPerMinute: number;
  /** API Gateway p99 latency, in milliseconds, at or above which the API is too slow. */
  readonly apiP99LatencyMs: number;
  /** Lambda invocation errors per minute on the live alias. */
  readonly lambdaErrorsPerMinute: number;
  /** Lambda throttles per minute on the function. */
  readonly lambdaThrottlesPerMinute: number;
  /** Consecutive breaching minutes before an alarm fires. */
  readonly evaluationMinutes: number;
}

/** API Gateway stage throttling (token bucket), per second across all clients. */
export interface StageThrottling {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** AWS Backup of the environment's data, with a copy in a second region. */
export interface BackupPolicy {
  /** The region that holds the copy of every backup, never the environment's own region. */
  readonly copyRegion: string;
  readonly retentionDays: number;
}

/** The web front end's public name: a CloudFront alternate domain with its certificate. */
export interface WebDomain {
  readonly domainName: string;
  /** An ACM certificate in us-east-1 (CloudFront reads certificates only there) covering `domainName`. */
  readonly certificateArn: string;
}

/** Whether an environment's data outlives its stacks. */
export type DataRetention = 'retain' | 'destroy';

/** CloudWatch Logs retention periods the environments use (a subset of what CloudWatch accepts). */
export type LogRetentionDays = 7 | 30 | 90 | 365;

export interface EnvironmentConfig {
  readonly name: EnvironmentName;
  /** The AWS account of the environment: each environment has its own. */
  readonly account: string;
  readonly region: string;
  /** Origins allowed to call the API from a browser. Full origins (`https://host[:port]`), never `*`. */
  readonly corsOrigins: readonly string[];
  readonly web: WebDomain;
  /**
   * What happens to stateful resources (table, buckets, secret) when the environment's stacks
   * are deleted: `retain` keeps them (every environment but dev), `destroy` deletes them.
   */
  readonly dataRetention: DataRetention;
  /** Only prod backs up to a second region; the others rely on point-in-time recovery. */
  readonly backup?: BackupPolicy;
  readonly trafficShift: TrafficShift;
  readonly alarms: AlarmThresholds;
  /** Whether promotion into this environment waits for a person to approve it. */
  readonly approvalRequired: boolean;
  readonly throttling: StageThrottling;
  /** Requests per client IP per 5 minutes above which AWS WAF blocks that IP. */
  readonly wafRateLimitPer5Minutes: number;
  readonly logRetentionDays: LogRetentionDays;
  /** How often the API's token signing key rotates (the previous key stays valid for one period). */
  readonly signingKeyRotationDays: number;
  /** The `iss` and `aud` the service writes into, and requires of, its access tokens. */
  readonly token: { readonly issuer: string; readonly audience: string };
}

/** One line per problem, so a bad config names everything wrong with it at once. */
export class EnvironmentConfigError extends Error {
  constructor(
    readonly environmentName: string,
    readonly problems: readonly string[],
  ) {
    super(`environment ${environmentName} is invalid: ${problems.join('; ')}`);
    this.name = 'EnvironmentConfigError';
  }
}

function originProblem(origin: string): string | undefined {
  if (origin.includes('*')) return `CORS origin ${origin} is a wildcard: list each allowed origin`;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return `CORS origin ${origin} is not a URL`;
  }
  if (url.protocol !== 'https:') return `CORS origin ${origin} is not https`;
  // Browsers send the bare origin; anything else (a path, a trailing slash) would never match.
  if (url.origin !== origin) return `CORS origin ${origin} is not a bare origin (expected ${url.origin})`;
  return undefined;
}

function trafficShiftProblem(shift: TrafficShift): string | undefined {
  switch (shift.kind) {
    case 'all-at-once':
      return undefined;
    case 'linear':
      return shift.percent > 0 && shift.percent < 100 && shift.intervalMinutes >= 1
        ? undefined
        : 'a linear shift needs 0 < percent < 100 and an interval of at least a minute';
    case 'canary':
      return shift.percent > 0 && shift.percent < 100 && shift.bakeMinutes >= 1
        ? undefined
        : 'a canary needs 0 < percent < 100 and a bake of at least a minute';
  }
}

/** Every rule an environment's config must satisfy before a stage is built from it. */
export function environmentProblems(config: EnvironmentConfig): string[] {
  const problems: string[] = [];
  const protectsData = config.name !== 'dev';
  if (!/^\d{12}$/.test(config.account)) problems.push(`account ${config.account} is not a 12-digit AWS account id`);
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(config.region)) problems.push(`region ${config.region} is not an AWS region`);
  if (config.corsOrigins.length === 0) {
    problems.push('no CORS origin is allowed: the web front end could not call the API');
  }
  for (const origin of config.corsOrigins) {
    const problem = originProblem(origin);
    if (problem) problems.push(problem);
  }
  const webOrigin = `https://${config.web.domainName}`;
  if (!config.corsOrigins.includes(webOrigin)) {
    problems.push(`CORS origins must include the web front end, ${webOrigin}`);
  }
  if (protectsData && config.dataRetention !== 'retain') {
    problems.push(
      `data retention ${config.dataRetention} would let a stack deletion destroy ${config.name} data: use retain`,
    );
  }
  if (config.name === 'prod' && !config.backup) problems.push('prod needs a backup policy with a copy region');
  if (config.backup && config.backup.copyRegion === config.region) {
    problems.push('the backup copy region must differ from the environment region');
  }
  const shiftProblem = trafficShiftProblem(config.trafficShift);
  if (shiftProblem) problems.push(shiftProblem);
  if (protectsData && config.trafficShift.kind === 'all-at-once') {
    problems.push(`${config.name} must shift traffic gradually so that the alarms can roll a bad release back`);
  }
  if (config.name === 'prod' && !config.approvalRequired) problems.push('promotion to prod must require an approval');
  if (config.throttling.rateLimit <= 0 || config.throttling.burstLimit < config.throttling.rateLimit) {
    problems.push('throttling needs a positive rate limit and a burst limit at least as high');
  }
  // AWS WAF accepts rate limits from 10 to 2,000,000,000 requests per evaluation window.
  if (config.wafRateLimitPer5Minutes < 10 || config.wafRateLimitPer5Minutes > 2_000_000_000) {
    problems.push('the WAF rate limit must be between 10 and 2,000,000,000 requests per 5 minutes');
  }
  const thresholds = Object.entries(config.alarms).filter(([, value]) => !(value > 0));
  for (const [key] of thresholds) problems.push(`alarm threshold ${key} must be positive`);
  // Secrets Manager schedules rotation between 4 hours and 1000 days; whole days keep it readable.
  if (!Number.isInteger(config.signingKeyRotationDays) || config.signingKeyRotationDays < 1) {
    problems.push('signing keys must rotate every whole number of days, at least 1');
  }
  return problems;
}

/** Checks one environment and returns it unchanged, or throws with every problem found. */
export function defineEnvironment(config: EnvironmentConfig): EnvironmentConfig {
  const problems = environmentProblems(config);
  if (problems.length > 0) throw new EnvironmentConfigError(config.name, problems);
  return config;
}

/**
 * The placeholder account ids are reserved for documentation: nothing here talks to AWS, and
 * a real deployment replaces them with the organisation's accounts.
 */
export const ENVIRONMENTS: readonly EnvironmentConfig[] = [
  defineEnvironment({
    name: 'dev',
    account: '111111111111',
    region: 'eu-west-1',
    corsOrigins: ['https://dev.b2.example.com'],
    web: {
      domainName: 'dev.b2.example.com',
      certificateArn: 'arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-4000-8000-000000000001',
    },
    // dev is rebuilt at will: deleting its stack deletes its data.
    dataRetention: 'destroy',
    trafficShift: { kind: 'all-at-once' },
    alarms: {
      api5xxPerMinute: 5,
      apiP99LatencyMs: 1000,
      lambdaErrorsPerMinute: 5,
      lambdaThrottlesPerMinute: 5,
      evaluationMinutes: 2,
    },
    approvalRequired: false,
    throttling: { rateLimit: 100, burstLimit: 200 },
    wafRateLimitPer5Minutes: 3000,
    logRetentionDays: 7,
    signingKeyRotationDays: 30,
    token: { issuer: 'b2:dev', audience: 'b2-api:dev' },
  }),
  defineEnvironment({
    name: 'staging',
    account: '222222222222',
    region: 'eu-west-1',
    corsOrigins: ['https://staging.b2.example.com'],
    web: {
      domainName: 'staging.b2.example.com',
      certificateArn: 'arn:aws:acm:us-east-1:222222222222:certificate/00000000-0000-4000-8000-000000000002',
    },
    dataRetention: 'retain',
    trafficShift: { kind: 'linear', percent: 10, intervalMinutes: 1 },
    alarms: {
      api5xxPerMinute: 5,
      apiP99LatencyMs: 600,
      lambdaErrorsPerMinute: 5,
      lambdaThrottlesPerMinute: 5,
      evaluationMinutes: 2,
    },
    approvalRequired: false,
    // staging takes the 10x load test, driven from one machine: stage throttling and the
    // per-IP WAF limit sit above that load so the test measures the service, not the guards.
    throttling: { rateLimit: 1000, burstLimit: 2000 },
    wafRateLimitPer5Minutes: 100_000,
    logRetentionDays: 30,
    signingKeyRotationDays: 30,
    token: { issuer: 'b2:staging', audience: 'b2-api:staging' },
  }),
  defineEnvironment({
    name: 'prod',
    account: '333333333333',
    region: 'eu-west-1',
    corsOrigins: ['https://b2.example.com'],
    web: {
      domainName: 'b2.example.com',
      certificateArn: 'arn:aws:acm:us-east-1:333333333333:certificate/00000000-0000-4000-8000-000000000003',
    },
    dataRetention: 'retain',
    backup: { copyRegion: 'eu-central-1', retentionDays: 35 },
    trafficShift: { kind: 'canary', percent: 10, bakeMinutes: 5 },
    // Tighter than the others: a canary carries 10% of real traffic, so a few errors a minute
    // already mean most canary requests fail.
    alarms: {
      api5xxPerMinute: 3,
      apiP99LatencyMs: 500,
      lambdaErrorsPerMinute: 3,
      lambdaThrottlesPerMinute: 1,
      evaluationMinutes: 1,
    },
    approvalRequired: true,
    throttling: { rateLimit: 1000, burstLimit: 2000 },
    wafRateLimitPer5Minutes: 2000,
    logRetentionDays: 365,
    signingKeyRotationDays: 30,
    token: { issuer: 'b2:prod', audience: 'b2-api:prod' },
  }),
];

/** The config of one environment by name. */
export function environment(name: EnvironmentName): EnvironmentConfig {
  const found = ENVIRONMENTS.find((e) => e.name === name);
  if (!found) throw new Error(`no environment named ${name}`);
  return found;
}

/**
 * The environments a release is promoted through, in order. This config is the one place they
 * are defined: the pipeline and the stages read it and never restate an account, a region or
 * an approval.
 */
export const PROMOTION_ORDER: readonly EnvironmentConfig[] = ENVIRONMENTS;

/**
 * How long a release is watched after it starts taking traffic and before it counts as live:
 * the canary's bake, or the time a linear shift takes to move all of the traffic. An
 * all-at-once release takes all of it at once and is watched only while its verify gates run.
 */
export function bakeMinutes(shift: TrafficShift): number {
  switch (shift.kind) {
    case 'all-at-once':
      return 0;
    case 'linear':
      return Math.ceil(100 / shift.percent) * shift.intervalMinutes;
    case 'canary':
      return shift.bakeMinutes;
  }
}
