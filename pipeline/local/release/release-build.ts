import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Release } from './release-process';
import { RELEASE_PARTS } from '../../../service/build/release';
import { runProjenTask } from '../../kit/task-process';
import { workspace } from '../../kit/workspace';

/** Runs the model's build task, the same `npx projen <task>` the other engines run. */
export async function runBuildTask(task: string, log: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const result = await runProjenTask(task, { log, timeoutMs, signal });
  if (result.exitCode !== 0 || result.stoppedBecause) {
    throw new Error(
      `the build task \`npx projen ${task}\` ${result.stoppedBecause ?? `failed (exit code ${result.exitCode})`}; log: ${log}`,
    );
  }
}

/**
 * Copies a built release into the workspace under its own id, so the environments run a
 * release that no later build can change under them.
 */
export function storeRelease(from: string, id: string, commit: string): Release {
  if (!existsSync(path.join(from, RELEASE_PARTS.server))) {
    throw new Error(
      `${from} is not a release: it has no ${RELEASE_PARTS.server} (build it with \`npx projen bundle\`)`,
    );
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

/**
 * Where the engine keeps a release's synthesized stacks for one environment, beside the release:
 * the next release's approval compares its own with them while this one is live.
 */
export const releaseTemplatesDir = (releaseDir: string, environment: string): string =>
  path.join(releaseDir, 'infrastructure', environment);

/**
 * Copies each environment's stack templates and their metadata (logical ids, cdk-nag
 * acknowledgements) from the synthesized stages in `assemblyDir` into the release.
 * @returns the environments whose stage was not in the assembly
 */
export function keepTemplates(assemblyDir: string, releaseDir: string, environments: readonly string[]): string[] {
  const missing: string[] = [];
  for (const environment of environments) {
    const from = path.join(assemblyDir, `assembly-${environment}`);
    if (!existsSync(from)) {
      missing.push(environment);
      continue;
    }
    const to = releaseTemplatesDir(releaseDir, environment);
    rmSync(to, { recursive: true, force: true });
    mkdirSync(to, { recursive: true });
    for (const file of readdirSync(from).filter((f) => /\.(template|metadata)\.json$/.test(f))) {
      copyFileSync(path.join(from, file), path.join(to, file));
    }
  }
  return missing;
}
