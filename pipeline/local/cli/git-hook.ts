import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../toolchain/paths';

/** Marks the hook as the pipeline's, so it is never confused with (or overwrites) someone else's. */
export const HOOK_MARKER = '# b2-pipeline: push-to-main trigger';

/** The folder git runs hooks from (it honours `core.hooksPath` and worktrees). */
export function hooksDir(root = PROJECT_ROOT): string {
  const dir = execFileSync('git', ['rev-parse', '--git-path', 'hooks'], { cwd: root, encoding: 'utf8' }).trim();
  return path.resolve(root, dir);
}

/**
 * The post-commit hook: a new commit on `main` starts a run in the background. Its output goes
 * to `.pipeline/runs/hook-<time>.log`, which the run moves into its own folder (`output.log`)
 * once it has one. Without a terminal the run stops at the prod approval, which is what a
 * commit should do.
 */
export function hookScript(branch = 'main'): string {
  return `#!/bin/sh
${HOOK_MARKER}
# Installed by \`npx projen pipeline:hook\`; remove with \`npx projen pipeline:hook --remove\`.
[ "$(git rev-parse --abbrev-ref HEAD)" = "${branch}" ] || exit 0
root="$(git rev-parse --show-toplevel)"
dir="\${B2_PIPELINE_DIR:-$root/.pipeline}/runs"
mkdir -p "$dir"
log="$dir/hook-$(date -u +%Y%m%dT%H%M%SZ).log"
cd "$root" && nohup npx tsx pipeline/local/cli/main.ts run --trigger push --output-file "$log" </dev/null >"$log" 2>&1 &
echo "b2 pipeline: started a run for $(git rev-parse --short HEAD) (output: $log)"
`;
}

export function installHook(root = PROJECT_ROOT, branch = 'main'): string {
  const file = path.join(hooksDir(root), 'post-commit');
  if (existsSync(file) && !readFileSync(file, 'utf8').includes(HOOK_MARKER)) {
    throw new Error(`${file} is another hook: merge it by hand, or move it away and run this again`);
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, hookScript(branch));
  chmodSync(file, 0o755);
  return file;
}

export function removeHook(root = PROJECT_ROOT): string | undefined {
  const file = path.join(hooksDir(root), 'post-commit');
  if (!existsSync(file) || !readFileSync(file, 'utf8').includes(HOOK_MARKER)) return undefined;
  rmSync(file);
  return file;
}
