import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../pipeline/toolchain/paths';

/**
 * Runs one vitest project of this repository to the end, its output on this terminal, and
 * returns vitest's exit status: the unit and integration gates are each this with their own
 * reports folder. `args` come before the caller's own (a test file, `-t <name>`).
 */
export function runVitestProject(
  project: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): number {
  const vitest = path.join(path.dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
  const result = spawnSync(process.execPath, [vitest, 'run', '--project', project, ...args], {
    cwd: PROJECT_ROOT,
    stdio: 'inherit',
    env,
  });
  if (result.error) throw new Error(`vitest could not start: ${result.error.message}`);
  return result.status ?? 1;
}
