import { spawnSync } from 'node:child_process';

/** A program the installer needs before it can install a tool. */
export interface Prerequisite {
  readonly name: string;
  /** What to install when it is missing. */
  readonly fix: string;
  readonly present: () => boolean;
}

function succeeds(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 20_000 });
  return result.status === 0;
}

export const PYTHON: Prerequisite = {
  name: 'python3 (with venv)',
  fix: 'install Python 3 with its venv module, e.g. `apt-get install -y python3 python3-venv`',
  present: () => succeeds('python3', ['-c', 'import venv, ensurepip']),
};

export const GO: Prerequisite = {
  name: 'go',
  fix: 'install Go 1.24 or later (https://go.dev/doc/install), then make sure `go` is on PATH',
  present: () => succeeds('go', ['version']),
};

export const JAVA: Prerequisite = {
  name: 'java (17 or later)',
  fix: 'install a Java 17 runtime, e.g. `apt-get install -y openjdk-17-jre-headless`',
  present: () => succeeds('java', ['-version']),
};

export const MAVEN: Prerequisite = {
  name: 'mvn',
  fix: 'install Maven, e.g. `apt-get install -y maven`',
  present: () => succeeds('mvn', ['-v']),
};

/** Installing a Debian package needs root, or sudo that does not ask for a password. */
export function aptCommandPrefix(): string[] | undefined {
  if (process.getuid?.() === 0) return [];
  if (succeeds('sudo', ['-n', 'true'])) return ['sudo', '-n'];
  return undefined;
}

export const APT: Prerequisite = {
  name: 'apt-get as root',
  fix: 'run as root or with password-less sudo, or install the package yourself: `sudo apt-get install -y chromium`',
  present: () => succeeds('apt-get', ['--version']) && aptCommandPrefix() !== undefined,
};
