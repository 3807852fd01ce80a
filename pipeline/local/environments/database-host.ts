import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDbLocal } from './dynamodb-local';
import { runMain } from '../../kit/cli';
import { workspace } from '../../kit/workspace';

/**
 * The one DynamoDB Local every local environment shares (each has its own table), kept running
 * between pipeline runs like the environments themselves. Its tables live in the workspace, so
 * the data survives deploys, rollbacks and restarts. `database.ts` is the engine's side.
 */

export interface DatabaseState {
  readonly hostPid: number;
  readonly javaPid?: number;
  readonly port: number;
  readonly endpoint: string;
  readonly startedAt: string;
}

export const databaseStateFile = (): string => path.join(workspace.dynamodb(), 'state.json');
export const databaseLogFile = (): string => path.join(workspace.dynamodb(), 'host.log');
export const databaseDataDir = (): string => path.join(workspace.dynamodb(), 'data');

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { port: { type: 'string' } } });
  const port = Number(values.port);
  if (!Number.isInteger(port)) throw new Error('usage: database-host --port <port>');
  mkdirSync(workspace.dynamodb(), { recursive: true });
  rmSync(databaseStateFile(), { force: true });

  const database = await DynamoDbLocal.start({
    port,
    dataDir: databaseDataDir(),
    logFile: path.join(workspace.dynamodb(), 'dynamodb-local.log'),
  });
  const state: DatabaseState = {
    hostPid: process.pid,
    javaPid: database.pid,
    port: database.port,
    endpoint: database.endpoint,
    startedAt: new Date().toISOString(),
  };
  writeFileSync(databaseStateFile(), JSON.stringify(state, null, 2));
  console.log(`DynamoDB Local listening on ${database.endpoint}`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void database.stop().finally(() => {
      rmSync(databaseStateFile(), { force: true });
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // DynamoDB Local dying on its own takes the host with it, so the engine sees it as down and restarts it.
  const watch = setInterval(() => {
    if (!database.running) {
      clearInterval(watch);
      console.error('DynamoDB Local exited on its own');
      rmSync(databaseStateFile(), { force: true });
      process.exit(1);
    }
  }, 1_000);
  return new Promise<number>(() => undefined);
}

if (require.main === module) runMain(main);
