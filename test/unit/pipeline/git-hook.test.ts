import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hookScript, HOOK_MARKER, installHook, removeHook } from '../../../pipeline/local/cli/git-hook';

describe('the push-to-main trigger', () => {
  let repo: string;
  beforeEach(() => {
    repo = mkdtempSync(path.join(tmpdir(), 'b2-hook-'));
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  });
  afterEach(() => rmSync(repo, { recursive: true, force: true }));

  it('starts a run in the background only for a commit on main, with its output in the runs folder', () => {
    const script = hookScript();
    expect(script).toContain('[ "$(git rev-parse --abbrev-ref HEAD)" = "main" ] || exit 0');
    expect(script).toMatch(
      /nohup npx tsx pipeline\/local\/cli\/main\.ts run --trigger push --output-file "\$log" <\/dev\/null >"\$log" 2>&1 &/,
    );
  });

  it('installs an executable post-commit hook, again without complaint, and removes it', () => {
    const file = installHook(repo);
    expect(file).toBe(path.join(repo, '.git', 'hooks', 'post-commit'));
    expect(() => accessSync(file, constants.X_OK)).not.toThrow();
    expect(installHook(repo)).toBe(file);
    expect(removeHook(repo)).toBe(file);
    expect(removeHook(repo)).toBeUndefined();
  });

  it("never overwrites someone else's post-commit hook", () => {
    const file = path.join(repo, '.git', 'hooks', 'post-commit');
    writeFileSync(file, '#!/bin/sh\necho mine\n');
    expect(() => installHook(repo)).toThrow(/is another hook: merge it by hand/);
    expect(readFileSync(file, 'utf8')).not.toContain(HOOK_MARKER);
  });
});
