// Lookalike of command-through-alias: the file is one argument, with no shell to read it.
import { execFileSync, execSync } from 'node:child_process';

export function thumbnail(upload: { fileName: string }): void {
  execFileSync('convert', [upload.fileName, '-resize', '64x64', '/tmp/thumb.png']);
  execSync('sync');
}
