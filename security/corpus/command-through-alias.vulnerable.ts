// CWE-78: the command line is built in one place and run in another, through a variable and a helper.
import { execSync } from 'node:child_process';

function thumbnailCommand(file: string): string {
  return `convert ${file} -resize 64x64 /tmp/thumb.png`;
}

export function thumbnail(upload: { fileName: string }): void {
  const command = thumbnailCommand(upload.fileName);
  // ruleid: b2-command-execution-non-literal
  execSync(command);
}
