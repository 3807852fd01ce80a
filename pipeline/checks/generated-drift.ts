import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { copyProject } from './project-copy';
import { runMain } from '../kit/cli';

/**
 * Generated-file drift: synthesizes the project from `.projenrc.ts` in a scratch copy and
 * compares every file projen generates with the one in the project. A difference means a
 * generated file was edited by hand (or `npx projen` was not run after a change).
 * The project itself is never modified.
 */

/** The files projen owns, as it records them in `.projen/files.json`. */
function generatedFiles(root: string): string[] {
  const manifest = path.join(root, '.projen', 'files.json');
  if (!existsSync(manifest)) return [];
  const { files } = JSON.parse(readFileSync(manifest, 'utf8')) as { files: string[] };
  return [...files, '.projen/files.json'];
}

function read(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

export function driftedFiles(root: string): string[] {
  const scratch = mkdtempSync(path.join(tmpdir(), 'b2-drift-'));
  try {
    copyProject(root, scratch);
    const synth = spawnSync('npx', ['projen', '--no-post'], {
      cwd: scratch,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
    });
    if (synth.status !== 0) {
      throw new Error(
        `npx projen failed in a scratch copy: ${(synth.stderr || synth.stdout).trim().split('\n').slice(-5).join(' ')}`,
      );
    }
    const names = new Set([...generatedFiles(root), ...generatedFiles(scratch)]);
    return [...names].filter((name) => read(path.join(root, name)) !== read(path.join(scratch, name))).sort();
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function main(): number {
  const root = process.cwd();
  const drifted = driftedFiles(root);
  if (drifted.length === 0) {
    console.log('generated files match .projenrc.ts');
    return 0;
  }
  for (const file of drifted) console.error(`drift: ${file} differs from what .projenrc.ts generates`);
  console.error(
    'Generated files are edited through .projenrc.ts and projenrc/: run `npx projen` and commit the result.',
  );
  return 1;
}

if (require.main === module) runMain(main);
