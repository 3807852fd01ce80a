import { spawn } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Release } from './release-process';
import { workspace } from '../../kit/workspace';
import { PROJECT_ROOT } from '../../toolchain/paths';

/** Where the build task leaves the release: the server bundle and the web build side by side. */
export const RELEASE_BUILD_DIR = path.join(PROJECT_ROOT, 'dist', 'release');
/** What makes a folder a release the environments can run. */
export const RELEASE_ENTRY = path.join('server', 'index.mjs');

/** Runs the model's build task, the same `npx projen <task>` the other engines run. */
export function runBuildTask(task: string, log: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  mkdirSync(path.dirname(log), { recursive: true });
  const out = createWriteStream(log);
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['projen', task], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    let stopped: string | undefined;
    const stop = (why: string): void => {
      stopped = why;
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    };
    const timer = setTimeout(() => stop(`did not finish within ${timeoutMs / 1000} s`), timeoutMs);
    signal?.addEventListener('abort', () => stop('the run was cancelled'));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not start \`npx projen ${task}\`: ${err.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      out.end();
      if (code === 0 && !stopped) {
        resolve();
      } else {
        reject(
          new Error(`the build task \`npx projen ${task}\` ${stopped ?? `failed (exit code ${code})`}; log: ${log}`),
        );
      }
    });
  });
}

/**
 * Copies a built release into the workspace under its own id, so the environments run a
 * release that no later build can change under them.
 */
export function storeRelease(from: string, id: string, commit: string): Release {
  if (!existsSync(path.join(from, RELEASE_ENTRY))) {
    throw new Error(`${from} is not a release: it has no ${RELEASE_ENTRY} (build it with \`npx projen bundle\`)`);
  }
  const dir = path.join(workspace.releases(), id);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(workspace.releases(), { recursive: true });
  cpSync(from, dir, { recursive: true });
  return { id, commit, dir };
}

/**
 * Removes old releases, keeping those an environment runs and the newest `keep`, so the
 * workspace does not grow with every run.
 */
export function pruneReleases(inUse: ReadonlySet<string>, keep = 5): string[] {
  if (!existsSync(workspace.releases())) return [];
  const ids = readdirSync(workspace.releases()).sort(
    (a, b) =>
      statSync(path.join(workspace.releases(), b)).mtimeMs - statSync(path.join(workspace.releases(), a)).mtimeMs,
  );
  const removed = ids.slice(keep).filter((id) => !inUse.has(id));
  for (const id of removed) rmSync(path.join(workspace.releases(), id), { recursive: true, force: true });
  return removed;
}
