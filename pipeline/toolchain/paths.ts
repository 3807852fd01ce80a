import * as path from 'node:path';

/** The repository root: every path the pipeline writes is inside it. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** The git-ignored folder the toolchain installs into (`B2_TOOLS_DIR` points elsewhere, e.g. a shared cache). */
export const TOOLS_DIR = process.env.B2_TOOLS_DIR
  ? path.resolve(process.env.B2_TOOLS_DIR)
  : path.join(PROJECT_ROOT, '.tools');

/** One folder of links (or launchers) to every installed tool binary. */
export const TOOLS_BIN = path.join(TOOLS_DIR, 'bin');
