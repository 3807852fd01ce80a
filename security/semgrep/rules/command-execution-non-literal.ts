import { execSync as run } from 'child_process';
import { exec, execFile, execFileSync, spawn } from 'node:child_process';
import * as childProcess from 'node:child_process';

/** A project helper that happens to be called exec: not a shell. */
function runTool(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8' });
}

export function archive(name: string, options: { args: string[] }): void {
  // ruleid: b2-command-execution-non-literal
  exec(`tar czf /tmp/export.tgz /tmp/${name}`);
  // ruleid: b2-command-execution-non-literal
  childProcess.execSync('zip -r /tmp/export.zip ' + name);
  const command = `gzip ${name}`;
  // ruleid: b2-command-execution-non-literal
  run(command);
  // ruleid: b2-command-execution-non-literal
  spawn('zip', ['-r', '/tmp/export.zip', name], { shell: true });
  // ruleid: b2-command-execution-non-literal
  childProcess.spawnSync(name, { shell: true });
  // ruleid: b2-command-execution-non-literal
  execFile('tar', options.args, { shell: '/bin/bash' }, () => undefined);
  // ok: b2-command-execution-non-literal
  exec('date');
  // ok: b2-command-execution-non-literal
  execFileSync('tar', ['czf', '/tmp/export.tgz', name]);
  // ok: b2-command-execution-non-literal
  spawn('zip', ['-r', '/tmp/export.zip', name], { shell: false });
  // ok: b2-command-execution-non-literal
  spawn('ls', ['-l'], { shell: true });
  // ok: b2-command-execution-non-literal
  runTool('tar', ['czf', name]);
  // ok: b2-command-execution-non-literal
  const match = /^(\w+)$/.exec(name);
  void match;
}
