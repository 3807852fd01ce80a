import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../pipeline/local/environments/free-port';
import { GATES } from '../../pipeline/model/gates';
import { missingReports } from '../harness/gate-reports';
import { ScratchProject } from '../harness/scratch-project';

/** The journey the known-bad front end breaks, and the one both runs are limited to. */
const DELETE_JOURNEY = 'a user deletes a memory and it stays deleted after a reload';
const MEMORY_LIST_ITEM = 'service/web/src/memories-view.ts';
const WITH_DELETE_BUTTON = 'item.append(text, meta, remove);';

/** The bundle, a cold JVM and the server's first answer on a busy two-core machine. */
const START_TIMEOUT_MS = 240_000;

/**
 * What the JUnit report says: the test cases it holds and how many of them failed. Playwright
 * files a failed assertion under <failure> and a timed-out action under <error>.
 */
function junitCounts(file: string): { tests: number; failures: number } {
  const xml = readFileSync(file, 'utf8');
  return { tests: xml.match(/<testcase\b/g)?.length ?? 0, failures: xml.match(/<(failure|error)\b/g)?.length ?? 0 };
}

function filesUnder(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: 'utf8' }) : [];
}

async function untilHealthy(url: string, server: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) {
      throw new Error(`npx projen serve exited (${server.exitCode}): ${readFileSync(log, 'utf8').slice(-2000)}`);
    }
    try {
      if ((await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`npx projen serve did not answer ${url}/health in time: ${readFileSync(log, 'utf8').slice(-2000)}`);
}

/**
 * One local environment (`npx projen serve`, the real service on DynamoDB Local) in a scratch
 * copy of the project. The gate runs against it twice, limited to the delete journey: once with
 * the front end as it is, once with a front end whose memories have lost their delete button.
 */
describe('the e2e gate', () => {
  let project: ScratchProject;
  let server: ChildProcess | undefined;
  let webUrl: string;
  let reports: string;

  const runGate = (env: NodeJS.ProcessEnv, args: string[] = []) =>
    project.run('e2e', args, { B2_REPORTS_DIR: reports, ...env });

  beforeAll(async () => {
    project = new ScratchProject();
    // A release is named after its commit: the copy gets one of its own.
    execFileSync('git', ['add', '-A'], { cwd: project.root });
    execFileSync('git', ['-c', 'user.name=B2 test', '-c', 'user.email=test@example.test', 'commit', '-qm', 'scratch'], {
      cwd: project.root,
    });
    reports = path.join(project.root, 'gate-reports');
    const port = await freePort();
    webUrl = `http://127.0.0.1:${port}`;
    const log = path.join(project.root, 'serve.log');
    const out = openSync(log, 'a');
    // Its own process group, so the whole environment (projen, the server, DynamoDB Local) stops together.
    server = spawn('npx', ['projen', 'serve', '--', '--environment', 'dev', '--port', String(port), '--in-memory'], {
      cwd: project.root,
      detached: true,
      stdio: ['ignore', out, out],
      env: { ...process.env, CI: 'true' },
    });
    closeSync(out);
    await untilHealthy(webUrl, server, log);
  }, START_TIMEOUT_MS + 10_000);

  afterAll(async () => {
    const group = server?.pid;
    if (group && server?.exitCode === null) {
      const exited = new Promise((resolve) => server?.once('exit', resolve));
      process.kill(-group, 'SIGINT');
      const stopped = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(r, 20_000, false))]);
      if (!stopped) process.kill(-group, 'SIGKILL');
    }
    project?.dispose();
  }, 30_000);

  it('passes when a user can add, find and delete a memory in the environment’s front end', () => {
    const result = runGate({ B2_WEB_URL: webUrl }, ['--grep', DELETE_JOURNEY]);

    expect(result.output).toContain(DELETE_JOURNEY);
    expect(result.status).toBe(0);
    expect(missingReports(GATES.e2e, reports)).toEqual([]);
    expect(junitCounts(path.join(reports, 'e2e', 'junit.xml'))).toEqual({ tests: 1, failures: 0 });
  });

  it('fails, naming the journey, when the front end has lost the delete button; keeps trace and screenshot', () => {
    const source = readFileSync(path.join(project.root, MEMORY_LIST_ITEM), 'utf8');
    expect(source).toContain(WITH_DELETE_BUTTON);
    project.write(MEMORY_LIST_ITEM, source.replace(WITH_DELETE_BUTTON, 'item.append(text, meta);'));
    // The server reads the release's web folder on each request: the rebuilt front end is live at once.
    expect(project.run('bundle:web').status).toBe(0);

    const result = runGate({ B2_WEB_URL: webUrl }, ['--grep', DELETE_JOURNEY]);

    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/1 failed/);
    expect(result.output).toContain(DELETE_JOURNEY);
    expect(result.output).toContain("getByRole('button', { name: 'Delete' })");
    expect(missingReports(GATES.e2e, reports)).toEqual([]);
    expect(junitCounts(path.join(reports, 'e2e', 'junit.xml'))).toEqual({ tests: 1, failures: 1 });
    const kept = filesUnder(path.join(reports, 'e2e', 'results'));
    expect(kept.some((file) => file.endsWith('trace.zip'))).toBe(true);
    expect(kept.some((file) => file.endsWith('.png'))).toBe(true);
  });

  it('fails in one line, never passes, when the environment does not answer', async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;

    const result = runGate({ B2_WEB_URL: nobody });

    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`error: the environment at B2_WEB_URL=${nobody} is not reachable`);
    expect(result.output).not.toMatch(/passed/);
  });

  it('fails in one line when B2_WEB_URL is not set', () => {
    const result = runGate({ B2_WEB_URL: '' });

    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('error: B2_WEB_URL is not set');
    expect(result.output).not.toMatch(/passed/);
  });
});
