import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TOOLS_DIR } from '../../pipeline/toolchain/paths';
import { TOOLS } from '../../pipeline/toolchain/versions';
import { PROJECT_ROOT, runTask } from '../harness/scratch-project';

const TSX = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

/** Every file under the tools folder with its size and modification time. */
function snapshot(dir: string): string[] {
  const entries: string[] = [];
  const walk = (at: string): void => {
    for (const name of readdirSync(at)) {
      const full = path.join(at, name);
      const stat = statSync(full, { throwIfNoEntry: false });
      if (!stat) continue;
      if (stat.isDirectory() && !full.includes(`${path.sep}python${path.sep}`)) walk(full);
      else entries.push(`${path.relative(dir, full)} ${stat.size} ${stat.mtimeMs}`);
    }
  };
  walk(dir);
  return entries.sort();
}

describe('the toolchain', () => {
  it('installs nothing and changes nothing when every pinned tool is already there', () => {
    runTask(PROJECT_ROOT, 'tools:install');
    const before = snapshot(TOOLS_DIR);
    const again = runTask(PROJECT_ROOT, 'tools:install');
    expect(again.status).toBe(0);
    for (const name of Object.keys(TOOLS)) expect(again.stdout).toMatch(new RegExp(`✓ ${name} \\S+ already installed`));
    expect(snapshot(TOOLS_DIR)).toEqual(before);
  });

  it('reports every pinned tool found by the doctor', () => {
    const result = runTask(PROJECT_ROOT, 'doctor');
    expect(result.status).toBe(0);
    for (const tool of Object.values(TOOLS)) {
      expect(result.stdout).toMatch(new RegExp(`✓\\s+${tool.name}\\s+${tool.version}`));
    }
  });

  describe('the doctor on a machine with a wrong and a missing tool', () => {
    const fakeTools = mkdtempSync(path.join(tmpdir(), 'b2-tools-'));
    afterAll(() => rmSync(fakeTools, { recursive: true, force: true }));

    it('fails with a one-line fix for each', () => {
      mkdirSync(path.join(fakeTools, 'bin'));
      writeFileSync(path.join(fakeTools, 'bin', 'semgrep'), '#!/bin/sh\necho 1.0.0\n', { mode: 0o755 });
      const result = runTask(PROJECT_ROOT, 'doctor', [], { B2_TOOLS_DIR: fakeTools });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain(
        `fix: semgrep is 1.0.0, pinned ${TOOLS.semgrep.version}: run \`npx projen tools:install semgrep\``,
      );
      expect(result.stderr).toContain('fix: k6 is missing: run `npx projen tools:install k6`');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    });

    it('names a missing prerequisite and what to install, without a stack trace', () => {
      const withoutGo = (process.env.PATH ?? '')
        .split(':')
        .filter((dir) => !existsSync(path.join(dir, 'go')))
        .join(':');
      const result = spawnSync(process.execPath, [TSX, 'pipeline/toolchain/install.ts', 'gitleaks'], {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
        env: { ...process.env, PATH: withoutGo, B2_TOOLS_DIR: fakeTools },
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('✗ gitleaks 8.30.1: gitleaks needs go, which is missing: install Go');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    });
  });
});
