import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { SETTING } from './settings';

/**
 * Logger, metrics and tracer, configured once and imported everywhere (one JSON log format,
 * one metrics namespace). Nothing logged here ever carries a password or a token: handlers log
 * ids and outcomes only.
 */

/** Each function's stack names it (`b2-api`, `b2-signing-key-rotation`), so their logs and traces tell them apart. */
const SERVICE_NAME = process.env.POWERTOOLS_SERVICE_NAME || 'b2';

const onLambda = Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME);

// Off Lambda nothing collects the metric lines (EMF) from stdout: they would only bury the
// local logs. An explicit POWERTOOLS_METRICS_DISABLED still wins.
if (!onLambda && process.env.POWERTOOLS_METRICS_DISABLED === undefined) {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
}

const environment = process.env[SETTING.environment] ?? 'unknown';

export const logger = new Logger({
  serviceName: SERVICE_NAME,
  persistentKeys: { environment, version: process.env[SETTING.version] ?? 'unknown' },
});

export const metrics = new Metrics({
  namespace: 'B2',
  serviceName: SERVICE_NAME,
  defaultDimensions: { environment },
});

/**
 * X-Ray only exists on Lambda; elsewhere the tracer would try to reach a daemon that is not
 * there, so it is off (Powertools also turns itself off outside Lambda; this says it once).
 */
export const tracer = new Tracer({ serviceName: SERVICE_NAME, enabled: onLambda });

/** The business events the dashboards and alarms count. */
export type ServiceEvent =
  | 'UserRegistered'
  | 'LoginSucceeded'
  | 'LoginFailed'
  | 'TokenRefreshed'
  | 'RefreshTokenReuseDetected'
  | 'RateLimited'
  | 'ServerError';

export function countEvent(event: ServiceEvent): void {
  metrics.addMetric(event, MetricUnit.Count, 1);
}
