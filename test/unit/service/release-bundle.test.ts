import { ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../pipeline/local/environments/free-port';
import { PROJECT_ROOT } from '../../../pipeline/toolchain/paths';
import { bundleRelease } from '../../../service/build/bundle';
import { ReleaseManifest } from '../../../service/build/release';
import { newSigningKeysDocument } from '../../../service/src/auth/signing-keys';
import { apiDocument } from '../../../service/src/contract/document';
import { DATA_SCHEMA } from '../../../service/src/data/table-design';
import { SETTING } from '../../../service/src/settings';
import { useDynamoDbLocal } from '../../harness/dynamodb-local';

const dynamodb = useDynamoDbLocal();
const run = promisify(execFile);

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const WEB_FIXTURE = path.join(__dirname, 'fixtures', 'web');

describe('the release bundle', () => {
  let releaseDir: string;
  let manifest: ReleaseManifest;
  let settings: Record<string, string>;

  beforeAll(async () => {
    releaseDir = mkdtempSync(path.join(tmpdir(), 'b2-release-'));
    // The web build is another task's; a stand-in shows the bundle leaves it alone.
    cpSync(WEB_FIXTURE, path.join(releaseDir, 'web'), { recursive: true });
    manifest = await bundleRelease({ outDir: releaseDir, commit: COMMIT, dirty: false });
    settings = {
      [SETTING.environment]: 'dev',
      [SETTING.version]: COMMIT,
      [SETTING.tableName]: await dynamodb.newTable(),
      [SETTING.dynamodbEndpoint]: dynamodb.endpoint,
      [SETTING.signingKeys]: JSON.stringify(newSigningKeysDocument()),
    };
  }, 120_000);

  afterAll(() => {
    rmSync(releaseDir, { recursive: true, force: true });
  });

  it('writes one index.mjs per deployable, release.json with the commit and data schema, the API contract, and keeps the web build', () => {
    for (const bundle of ['lambda', 'rotation', 'server']) {
      expect(existsSync(path.join(releaseDir, bundle, 'index.mjs'))).toBe(true);
    }
    expect(existsSync(path.join(releaseDir, 'web', 'index.html'))).toBe(true);
    const written = JSON.parse(readFileSync(path.join(releaseDir, 'release.json'), 'utf8'));
    expect(written).toEqual({ commit: COMMIT, builtAt: manifest.builtAt, dirty: false, dataSchema: DATA_SCHEMA });
    expect(new Date(written.builtAt).toISOString()).toBe(written.builtAt);
    // The contract the release serves, naming it: what the promotion to prod keeps for api-compat.
    const contract = JSON.parse(readFileSync(path.join(releaseDir, 'openapi.json'), 'utf8'));
    expect(contract).toEqual(apiDocument(COMMIT));
  });

  it('gives Lambda an index.handler that answers a REST API event, as the Node runtime loads it', async () => {
    const script = `
      const { handler } = await import(${JSON.stringify(path.join(releaseDir, 'lambda', 'index.mjs'))});
      const event = { httpMethod: 'GET', path: '/health', resource: '/{proxy+}', headers: {}, multiValueHeaders: {},
        queryStringParameters: null, multiValueQueryStringParameters: null, body: null, isBase64Encoded: false,
        requestContext: { httpMethod: 'GET', path: '/dev/health', stage: 'dev', requestId: 'r1', identity: { sourceIp: '198.51.100.7' } } };
      const result = await handler(event, { awsRequestId: 'r1', functionName: 'dev-b2-api' });
      process.stdout.write(JSON.stringify(result));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, ...settings, POWERTOOLS_LOG_LEVEL: 'ERROR' },
    });
    const result = JSON.parse(stdout);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ status: 'ok', version: COMMIT, environment: 'dev' });
  });

  it('gives the rotation function an index.handler', async () => {
    const script = `
      const { handler } = await import(${JSON.stringify(path.join(releaseDir, 'rotation', 'index.mjs'))});
      process.stdout.write(typeof handler);`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, AWS_REGION: 'eu-west-1' },
    });
    expect(stdout).toBe('function');
  });

  describe('the plain-Node server bundle', () => {
    let server: ChildProcess;
    let url: string;
    let output = '';

    beforeAll(async () => {
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      server = spawn(process.execPath, [path.join(releaseDir, 'server', 'index.mjs')], {
        env: { ...process.env, ...settings, [SETTING.port]: String(port), [SETTING.testDelayMs]: '300' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        if (server.exitCode !== null) throw new Error(`the server bundle exited: ${output}`);
        const res = await fetch(`${url}/health`).catch(() => undefined);
        if (res?.ok) return;
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      throw new Error(`the server bundle did not answer: ${output}`);
    }, 60_000);

    afterAll(() => {
      if (server.exitCode === null) server.kill('SIGKILL');
    });

    it('serves the API with the release commit, and the web front end next to it', async () => {
      const health = await fetch(`${url}/health`);
      expect(await health.json()).toEqual({ status: 'ok', version: COMMIT, environment: 'dev' });
      const index = await fetch(`${url}/`);
      expect(await index.text()).toContain('B2 web fixture');
      expect(await (await fetch(`${url}/config.json`)).json()).toEqual({ environment: 'dev', apiUrl: '' });
    });

    it('answers the request in flight on SIGTERM, then exits with code 0', async () => {
      const inFlight = fetch(`${url}/health`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
      server.kill('SIGTERM');
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(await exited).toBe(0);
    });
  });

  describe('the local run (`npx projen serve`) of the release', () => {
    const TSX_CLI = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    let serve: ChildProcess;
    let url: string;
    let dynamodbEndpoint: string;
    let output = '';
    let workspace: string;

    beforeAll(async () => {
      workspace = mkdtempSync(path.join(tmpdir(), 'b2-serve-'));
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      serve = spawn(
        process.execPath,
        [
          TSX_CLI,
          'pipeline/local/cli/serve.ts',
          '--',
          '--environment',
          'dev',
          '--port',
          String(port),
          '--in-memory',
        ].concat(['--release', releaseDir]),
        { cwd: PROJECT_ROOT, env: { ...process.env, B2_PIPELINE_DIR: workspace }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      serve.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      serve.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const deadline = Date.now() + 150_000;
      while (!/Ctrl-C stops both/.test(output)) {
        if (serve.exitCode !== null || Date.now() > deadline) throw new Error(`the local run did not start: ${output}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      dynamodbEndpoint = /DynamoDB Local at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
    }, 180_000);

    afterAll(() => {
      if (serve.exitCode === null) serve.kill('SIGKILL');
      rmSync(workspace, { recursive: true, force: true });
    });

    it('serves the API and the web front end of the environment on the port', async () => {
      expect(await (await fetch(`${url}/health`)).json()).toEqual({
        status: 'ok',
        version: COMMIT,
        environment: 'dev',
      });
      expect(await (await fetch(`${url}/`)).text()).toContain('B2 web fixture');
      const unauthenticated = await fetch(`${url}/memories`);
      expect(unauthenticated.status).toBe(401);
    });

    it("creates the environment's table and signs users in with the environment's keys", async () => {
      const res = await fetch(`${url}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'local-run@example.com', password: 'correct horse battery' }),
      });
      expect(res.status).toBe(201);
      expect(existsSync(path.join(workspace, 'serve', 'dev', 'signing-keys.json'))).toBe(true);
    });

    it('stops the server and DynamoDB Local on Ctrl-C (SIGINT), exiting with code 0', async () => {
      expect(dynamodbEndpoint).not.toBe('');
      const exited = new Promise<number | null>((resolve) => serve.once('exit', (code) => resolve(code)));
      serve.kill('SIGINT');
      expect(await exited).toBe(0);
      await expect(fetch(`${url}/health`)).rejects.toThrow();
      await expect(fetch(dynamodbEndpoint)).rejects.toThrow();
    }, 30_000);
  });
});
