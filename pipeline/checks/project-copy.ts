import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';

/** Installed, not authored: shared with a copy by a link instead of copied. */
const SHARED_FOLDERS = ['node_modules', '.tools'];

/** Tracked and untracked-but-not-ignored files: what `npx projen` and the gates see in a checkout. */
export function projectFiles(root: string): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: root });
  return out
    .toString()
    .split('\0')
    .filter((f) => f && !SHARED_FOLDERS.includes(f.split('/')[0]) && existsSync(path.join(root, f)));
}

/** Copies the project's own files into `target`, linking its installed dependencies and tools. */
export function copyProject(root: string, target: string): void {
  for (const file of projectFiles(root)) {
    mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
    cpSync(path.join(root, file), path.join(target, file));
  }
  for (const shared of SHARED_FOLDERS) {
    if (existsSync(path.join(root, shared))) symlinkSync(path.join(root, shared), path.join(target, shared));
  }
}
