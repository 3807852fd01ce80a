import { execFileSync } from 'node:child_process';
import { PROJECT_ROOT } from '../../toolchain/paths';

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** The change a run delivers. */
export interface Source {
  readonly commit: string;
  readonly branch: string;
  readonly committedAt: string;
  readonly subject: string;
  /** Uncommitted changes to tracked files, or untracked files that are not ignored. */
  readonly dirty: boolean;
}

export function currentSource(): Source {
  let commit: string;
  try {
    commit = git(['rev-parse', 'HEAD']);
  } catch {
    throw new Error('this folder has no commit yet: commit the project first, the pipeline delivers a commit');
  }
  return {
    commit,
    branch: git(['rev-parse', '--abbrev-ref', 'HEAD']),
    committedAt: new Date(git(['show', '-s', '--format=%cI', commit])).toISOString(),
    subject: git(['show', '-s', '--format=%s', commit]),
    dirty: git(['status', '--porcelain']).length > 0,
  };
}

/** Commits in `to` that are not in `from` (all of `to`'s history when `from` is unknown or gone), newest first. */
export function commitsBetween(
  from: string | undefined,
  to: string,
): { sha: string; subject: string; author: string; date: string }[] {
  let range = to;
  if (from) {
    try {
      git(['cat-file', '-e', `${from}^{commit}`]);
      range = `${from}..${to}`;
    } catch {
      range = to;
    }
  }
  const out = git(['log', '--format=%H%x1f%s%x1f%an%x1f%cs', '-n', '200', range]);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [sha, subject, author, date] = line.split('\x1f');
      return { sha, subject, author, date };
    });
}
