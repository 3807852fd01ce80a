import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { quietToolingNodeWarning } from './tooling-node';
import { DEFAULT_RELEASE_DIR, readRelease, RELEASE_PARTS } from '../../../service/build/release';
import { newSigningKeysDocument, parseSigningKeysDocument } from '../../../service/src/auth/signing-keys';
import { ensureTable } from '../../../service/src/data/create-table';
import { createDynamoDbClient } from '../../../service/src/data/dynamodb';
import { tableName } from '../../../service/src/data/table-design';
import { SETTING } from '../../../service/src/settings';
import { parseCommandLine, runMain } from '../../kit/cli';
import { workspaceDir } from '../../kit/workspace';
import { DynamoDbLocal } from '../environments/dynamodb-local';
import { portIsFree } from '../environments/free-port';
import { ReleaseProcess } from '../release/release-process';

/**
 * `npx projen serve -- --environment dev --port 8080`: one environment of B2 on this machine.
 * DynamoDB Local from the tools folder holds its table (`<environment>-b2-data`), and the
 * release's plain-Node server — the same handler code as on Lambda — serves the API and the web
 * front end on the port. Ctrl-C stops both. Its data and signing keys stay in
 * `.pipeline/serve/<environment>/` between runs (`--in-memory` keeps nothing).
 */

const USAGE = 'usage: npx projen serve -- [--environment dev] [--port 8080] [--in-memory] [--release dist/release]';
const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{1,30}$/;
/** How long the server may take to answer its first health check. */
const START_TIMEOUT_MS = 30_000;
/** The server finishes requests in flight on SIGTERM; one still running after this is cut. */
const STOP_GRACE_MS = 10_000;

interface ServeOptions {
  readonly environment: string;
  readonly port: number;
  readonly inMemory: boolean;
  /** The release folder to run. */
  readonly releaseDir: string;
}

function options(): ServeOptions {
  // `npx projen serve -- --port 8080` hands the script the `--` too.
  const { values, positionals } = parseCommandLine(process.argv.slice(2), {
    environment: { type: 'string', default: 'dev' },
    port: { type: 'string', default: '8080' },
    'in-memory': { type: 'boolean', default: false },
    release: { type: 'string', default: DEFAULT_RELEASE_DIR },
  });
  if (positionals.length > 0) throw new Error(`unexpected arguments: ${positionals.join(' ')}; ${USAGE}`);
  const port = Number(values.port);
  if (!ENVIRONMENT_NAME.test(values.environment)) {
    throw new Error(`'${values.environment}' is not an environment name (dev, staging, prod): ${USAGE}`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`--port must be a port number from 1 to 65535, not '${values.port}': ${USAGE}`);
  }
  return {
    environment: values.environment,
    port,
    inMemory: values['in-memory'],
    releaseDir: path.resolve(values.release),
  };
}

/** The environment's signing keys, made on its first run and kept (owner-only) for the next. */
function signingKeys(file: string): string {
  if (existsSync(file)) return JSON.stringify(parseSigningKeysDocument(readFileSync(file, 'utf8')));
  const document = JSON.stringify(newSigningKeysDocument());
  writeFileSync(file, document, { mode: 0o600 });
  return document;
}

async function main(): Promise<number> {
  quietToolingNodeWarning();
  const { environment, port, inMemory, releaseDir } = options();
  if (!(await portIsFree(port))) {
    throw new Error(
      `port ${port} is in use by another program: stop it, or run \`npx projen serve -- --port <another>\``,
    );
  }
  const release = readRelease(releaseDir, ['server']);
  const webDir = path.join(releaseDir, RELEASE_PARTS.web);
  if (!existsSync(path.join(webDir, 'index.html'))) {
    console.warn(`the web front end is not built (${webDir}): serving the API only; \`npx projen bundle\` builds it`);
  }

  const stateDir = path.join(workspaceDir(), 'serve', environment);
  mkdirSync(stateDir, { recursive: true });
  const dynamodb = await DynamoDbLocal.start({
    dataDir: inMemory ? undefined : path.join(stateDir, 'dynamodb'),
    logFile: path.join(stateDir, 'dynamodb-local.log'),
  });
  let server: ReleaseProcess | undefined;
  let stopping = false;
  const stopAll = async (): Promise<void> => {
    stopping = true;
    await server?.stop(STOP_GRACE_MS);
    await dynamodb.stop();
  };
  let exited: (code: number | null, signal: NodeJS.Signals | null) => void = () => {};

  try {
    const client = createDynamoDbClient({ endpoint: dynamodb.endpoint });
    const table = tableName(environment);
    await ensureTable(client, table);
    client.destroy();

    server = new ReleaseProcess({
      release: { id: release.commit.slice(0, 12), commit: release.commit, dir: releaseDir },
      settings: {
        [SETTING.environment]: environment,
        [SETTING.version]: release.commit,
        [SETTING.tableName]: table,
        [SETTING.dynamodbEndpoint]: dynamodb.endpoint,
        [SETTING.signingKeys]: signingKeys(path.join(stateDir, 'signing-keys.json')),
        [SETTING.webDir]: webDir,
      },
      port,
      healthTimeoutMs: START_TIMEOUT_MS,
    });
    await server.start((code, signal) => exited(code, signal));
    const url = server.origin;
    console.log(
      `B2 ${environment} (${release.commit.slice(0, 12)}${release.dirty ? ', uncommitted changes' : ''}) on Node ${server.runtime} is at ${url} — ` +
        `API and web front end; DynamoDB Local at ${dynamodb.endpoint}, ` +
        `${inMemory ? 'data in memory' : `data in ${path.relative(process.cwd(), stateDir) || stateDir}`}. Ctrl-C stops both.`,
    );
  } catch (err) {
    await stopAll();
    throw err;
  }

  return new Promise<number>((resolve) => {
    const shutdown = (): void => {
      if (stopping) return;
      console.log('stopping the B2 server (answering requests in flight) and DynamoDB Local…');
      void stopAll().then(() => resolve(0));
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
    exited = (code, signal) => {
      if (stopping) return;
      console.error(`error: the B2 server stopped by itself (${signal ?? `exit code ${code}`}): its output is above`);
      void stopAll().then(() => resolve(1));
    };
  });
}

runMain(main);
