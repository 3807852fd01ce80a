import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { copyProject } from '../../pipeline/checks/project-copy';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

export interface TaskResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr together, for asserting on what a person would read. */
  readonly output: string;
}

/** Runs a projen task (the same command the engines run) in `cwd`. */
export function runTask(cwd: string, task: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): TaskResult {
  const result = spawnSync('npx', ['projen', task, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', ...env },
    timeout: 600_000,
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    output: `${result.stdout}\n${result.stderr}`,
  };
}

/**
 * A copy of the project's files in a temporary folder, sharing the project's node_modules and
 * tools, for tests that plant a bad input and run a real gate on it without touching the project.
 */
export class ScratchProject {
  readonly root: string;

  constructor() {
    this.root = mkdtempSync(path.join(tmpdir(), 'b2-scratch-'));
    copyProject(PROJECT_ROOT, this.root);
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: this.root });
  }

  /** Writes (or overwrites, even a read-only generated file) one file of the copy. */
  write(file: string, content: string): void {
    const target = path.join(this.root, file);
    mkdirSync(path.dirname(target), { recursive: true });
    rmSync(target, { force: true });
    writeFileSync(target, content);
  }

  run(task: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): TaskResult {
    return runTask(this.root, task, args, env);
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
