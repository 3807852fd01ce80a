import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DatabaseState, databaseLogFile, databaseStateFile } from './database-host';
import { ensureTable } from '../../../service/src/data/create-table';
import { createDynamoDbClient } from '../../../service/src/data/dynamodb';
import { tableName } from '../../../service/src/data/table-design';
import { workspace } from '../../kit/workspace';
import { PROJECT_ROOT } from '../../toolchain/paths';
import { tail } from '../release/release-process';

const TSX_CLI = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const HOST_SCRIPT = path.join(__dirname, 'database-host.ts');

/** True while a process with this id exists (signal 0 only checks). */
export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    // DynamoDB Local answers a bare GET with 400: any answer means it is listening.
    await fetch(endpoint, { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

/** The engine's side of the shared DynamoDB Local: started once, detached, and reused by every run. */
export class LocalDatabase {
  constructor(readonly port: number) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** What the host last wrote; undefined when it is not running. */
  state(): DatabaseState | undefined {
    if (!existsSync(databaseStateFile())) return undefined;
    const state = JSON.parse(readFileSync(databaseStateFile(), 'utf8')) as DatabaseState;
    return alive(state.hostPid) ? state : undefined;
  }

  /** Starts DynamoDB Local unless it runs already; rejects with one line naming the cause and the fix. */
  async ensureUp(timeoutMs = 120_000): Promise<DatabaseState> {
    const running = this.state();
    if (running) {
      if (running.port !== this.port) {
        throw new Error(
          `DynamoDB Local is running on port ${running.port}, not the configured ${this.port}: run \`npx projen env:stop\` first`,
        );
      }
      if (await answers(running.endpoint)) return running;
    }
    mkdirSync(workspace.dynamodb(), { recursive: true });
    const log = openSync(databaseLogFile(), 'a');
    const child = spawn(process.execPath, [TSX_CLI, HOST_SCRIPT, '--port', String(this.port)], {
      detached: true,
      stdio: ['ignore', log, log],
      env: process.env,
    });
    closeSync(log);
    let exited = false;
    child.on('exit', () => (exited = true));
    child.unref();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (exited) {
        const cause = tail(databaseLogFile(), 1).replace(/^error: /, '');
        throw new Error(`DynamoDB Local did not start: ${cause || 'no output'} (log: ${databaseLogFile()})`);
      }
      const state = this.state();
      if (state && (await answers(state.endpoint))) return state;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (child.pid) process.kill(child.pid, 'SIGTERM');
    throw new Error(
      `DynamoDB Local did not answer within ${timeoutMs / 1000} s (log: ${databaseLogFile()}): run \`npx projen doctor\``,
    );
  }

  /** Each environment's table, created from the service's table design where it does not exist. */
  async ensureTables(environments: readonly string[]): Promise<void> {
    const client = createDynamoDbClient({ endpoint: this.endpoint });
    try {
      for (const environment of environments) await ensureTable(client, tableName(environment));
    } finally {
      client.destroy();
    }
  }

  /** Stops the host (which stops DynamoDB Local); the tables stay on disk. */
  async stop(timeoutMs = 20_000): Promise<boolean> {
    const state = this.state();
    if (!state) return false;
    process.kill(state.hostPid, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (alive(state.hostPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (alive(state.hostPid)) process.kill(state.hostPid, 'SIGKILL');
    if (alive(state.javaPid)) process.kill(state.javaPid as number, 'SIGKILL');
    return true;
  }
}
