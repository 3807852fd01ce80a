import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ScratchProject } from './scratch-project';

/** One change to a source file of the copy: `insert` after the anchor, or the anchor replaced by `replaceWith`. */
export interface PlantedChange {
  readonly file: string;
  readonly anchor: string;
  readonly insert?: string;
  readonly replaceWith?: string;
}

/**
 * A copy of this checkout with the given changes to its source files, committed (a release is
 * named after its commit). Throws when an anchor is no longer in its file, so a planted fault
 * cannot silently stop being planted.
 */
export function plantedTree(changes: readonly PlantedChange[]): ScratchProject {
  const tree = new ScratchProject();
  for (const change of changes) {
    const file = path.join(tree.root, change.file);
    const source = readFileSync(file, 'utf8');
    if (!source.includes(change.anchor)) {
      tree.dispose();
      throw new Error(`${change.file} no longer holds the anchor of the planted change: ${change.anchor}`);
    }
    writeFileSync(file, source.replace(change.anchor, change.replaceWith ?? `${change.anchor}${change.insert ?? ''}`));
  }
  const git = (...args: string[]) => execFileSync('git', args, { cwd: tree.root, stdio: 'pipe' });
  git('add', '-A');
  git('-c', 'user.name=Planted Release', '-c', 'user.email=planted@example.com', 'commit', '-qm', 'planted');
  return tree;
}

/** A planted tree built by the project's own bundle task: resolves to its release folder. */
export function plantedRelease(tree: ScratchProject): string {
  const built = tree.run('bundle');
  if (built.status !== 0) throw new Error(`bundling the planted tree failed: ${built.output.slice(-2_000)}`);
  return path.join(tree.root, 'dist', 'release');
}
