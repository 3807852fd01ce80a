import * as path from 'node:path';
import { z } from 'zod';
import { ConfigError, loadConfig } from './config';
import { nodeClientAddress } from './http/client-address';
import { startNodeServer } from './node-server';
import { logger } from './observability';
import { createService } from './service';
import { SETTING } from './settings';

/**
 * The B2 service on plain Node (`server/index.mjs` in the release): what the local run and the
 * local engine's environments start. SIGTERM or SIGINT stops it gracefully — requests in flight
 * are answered first — which the local engine's blue/green switch relies on.
 */

function setting(name: string, schema: z.ZodType<number>, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${name} must be a whole number in range, not '${raw}'`);
  return parsed.data;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const port = setting(SETTING.port, z.coerce.number().int().min(0).max(65_535), 3000);
  const testDelayMs = setting(SETTING.testDelayMs, z.coerce.number().int().min(0).max(60_000), 0);
  // A malformed name stops the server in startNodeServer, naming it.
  const testFailRequests = (process.env[SETTING.testFailRequests] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const testDelayRequests = (process.env[SETTING.testDelayRequests] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  // The release folder holds server/ and web/ side by side.
  const webDir = process.env[SETTING.webDir]
    ? path.resolve(process.env[SETTING.webDir] as string)
    : path.resolve(path.dirname(process.argv[1] ?? '.'), '..', 'web');

  const api = createService(config, nodeClientAddress(process.env[SETTING.frontKey] || undefined));
  const server = await startNodeServer({
    api,
    environment: config.environment,
    webDir,
    port,
    host: process.env[SETTING.host] || undefined,
    testDelayMs,
    testDelayRequests,
    testFailRequests,
  });
  if (testDelayMs > 0) {
    logger.warn('TEST ONLY: API responses are delayed', {
      testDelayMs,
      requests: testDelayRequests.join(',') || 'all',
    });
  }
  if (testFailRequests.length > 0) logger.warn('TEST ONLY: these requests answer 500', { testFailRequests });
  logger.info('B2 listening', { url: server.url, environment: config.environment, version: config.version, webDir });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping: answering the requests in flight first', { signal });
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  // One line with the cause: the local engine shows the end of this log when a release fails to start.
  console.error(`b2 server did not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
