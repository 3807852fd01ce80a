import type { Context } from 'aws-lambda';
import { getConnInfo, handle, LambdaEvent } from 'hono/aws-lambda';
import { loadConfig } from './config';
import { logger, metrics, tracer } from './observability';
import { createService } from './service';

/**
 * The API on AWS Lambda behind the REST API (handler `index.handler` in the release bundle).
 * The settings are read and the clients created once per instance, at its cold start; a bad
 * setting fails the cold start loudly instead of every request quietly.
 */
const app = createService(loadConfig(), (c) => getConnInfo(c).remote.address);
const handleRequest = handle(app);

export async function handler(event: LambdaEvent, context: Context) {
  logger.addContext(context);
  metrics.captureColdStartMetric();
  const segment = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
  const subsegment = segment?.addNewSubsegment('## index.handler');
  if (subsegment) {
    tracer.setSegment(subsegment);
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
  }
  try {
    return await handleRequest(event, context);
  } catch (err) {
    // Hono answers every error itself; reaching here means the adapter failed.
    if (subsegment) tracer.addErrorAsMetadata(err as Error);
    throw err;
  } finally {
    subsegment?.close();
    if (segment) tracer.setSegment(segment);
    // Most requests count no business event: nothing to flush, and no warning saying so.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
