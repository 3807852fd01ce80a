import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { TOOLS_BIN, TOOLS_DIR } from './paths';
import { APT, aptCommandPrefix, GO, JAVA, MAVEN, Prerequisite, PYTHON } from './prerequisites';
import { dynamodbLocalLibDir, k6OnPath, probe, ToolState, toolPath } from './probe';
import { TOOLS, ToolName, ToolSpec } from './versions';
import { runMain } from '../kit/cli';

/** A step failed with a message a person can act on (no stack trace). */
class InstallError extends Error {}

function exec(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    child.on('error', (err) => reject(new InstallError(`${command} could not start: ${err.message}`)));
    child.on('close', (code) => {
      if (code === 0) {
        resolve();
      } else {
        reject(
          new InstallError(
            `\`${[command, ...args].join(' ')}\` exited ${code}:\n${log.trim().split('\n').slice(-15).join('\n')}`,
          ),
        );
      }
    });
  });
}

function linkIntoBin(name: string, target: string): void {
  mkdirSync(TOOLS_BIN, { recursive: true });
  const link = path.join(TOOLS_BIN, name);
  rmSync(link, { force: true });
  symlinkSync(target, link);
}

function need(prerequisite: Prerequisite, tool: ToolSpec): void {
  if (!prerequisite.present()) {
    throw new InstallError(`${tool.name} needs ${prerequisite.name}, which is missing: ${prerequisite.fix}`);
  }
}

/**
 * Semgrep looks for a newer release and sends metrics unless told not to; offline, the
 * version check alone hangs for over a minute. Its launcher turns both off for every caller.
 */
const OFFLINE_ENV: Partial<Record<ToolName, Record<string, string>>> = {
  semgrep: { SEMGREP_ENABLE_VERSION_CHECK: '0', SEMGREP_SEND_METRICS: 'off' },
  schemathesis: { SCHEMATHESIS_TELEMETRY: 'false' },
};

function launcherIntoBin(name: ToolName, target: string): void {
  const env = OFFLINE_ENV[name];
  if (!env) return linkIntoBin(name, target);
  const exports = Object.entries(env).map(([key, value]) => `export ${key}=${value}`);
  mkdirSync(TOOLS_BIN, { recursive: true });
  const launcher = path.join(TOOLS_BIN, name);
  rmSync(launcher, { force: true });
  writeFileSync(launcher, ['#!/bin/sh', ...exports, `exec "${target}" "$@"`, ''].join('\n'), { mode: 0o755 });
}

async function installPypi(tool: ToolSpec, pkg: string): Promise<void> {
  need(PYTHON, tool);
  const venv = path.join(TOOLS_DIR, 'python', tool.name);
  rmSync(venv, { recursive: true, force: true });
  await exec('python3', ['-m', 'venv', venv]);
  await exec(path.join(venv, 'bin', 'pip'), [
    'install',
    '--quiet',
    '--disable-pip-version-check',
    `${pkg}==${tool.version}`,
  ]);
  launcherIntoBin(tool.name, path.join(venv, 'bin', tool.name));
}

/** `go install` names the binary after the last path element, skipping a major-version suffix (`/v8`). */
function goBinaryName(mainPackage: string): string {
  const parts = mainPackage.split('/');
  const last = parts[parts.length - 1];
  return /^v\d+$/.test(last) ? parts[parts.length - 2] : last;
}

async function installGo(tool: ToolSpec, mainPackage: string): Promise<void> {
  if (tool.name === 'k6') {
    const existing = await k6OnPath();
    if (existing) return linkIntoBin('k6', existing);
  }
  need(GO, tool);
  const gobin = path.join(TOOLS_DIR, 'go', 'bin');
  await exec('go', ['install', `${mainPackage}@v${tool.version}`], { GOBIN: gobin, CGO_ENABLED: '0' });
  linkIntoBin(tool.name, path.join(gobin, goBinaryName(mainPackage)));
}

async function installMaven(tool: ToolSpec): Promise<void> {
  need(JAVA, tool);
  need(MAVEN, tool);
  const lib = dynamodbLocalLibDir();
  rmSync(lib, { recursive: true, force: true });
  await exec('mvn', [
    '--batch-mode',
    '--quiet',
    '-f',
    path.join(__dirname, 'dynamodb-local.pom.xml'),
    `-Ddynamodb.version=${tool.version}`,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${lib}`,
    '-DincludeScope=runtime',
    '-DexcludeTypes=dll,dylib',
  ]);
}

async function installApt(tool: ToolSpec, pkg: string): Promise<void> {
  need(APT, tool);
  const prefix = aptCommandPrefix() ?? [];
  const [command, ...args] = [...prefix, 'apt-get'];
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  await exec(command, [...args, 'update', '-qq'], env);
  await exec(command, [...args, 'install', '-y', '-qq', '--no-install-recommends', pkg], env);
}

/**
 * Unpacks the pinned package from the npm registry into `<tools>/<name>`: `npm pack` downloads it
 * as the registry serves it (no install scripts run), and a failed download leaves the folder as it was.
 */
async function installNpm(tool: ToolSpec, pkg: string): Promise<void> {
  const dir = path.join(TOOLS_DIR, tool.name);
  const staging = mkdtempSync(path.join(TOOLS_DIR, `${tool.name}-download-`));
  try {
    await exec('npm', [
      'pack',
      '--silent',
      '--ignore-scripts',
      '--pack-destination',
      staging,
      `${pkg}@${tool.version}`,
    ]);
    const tarball = readdirSync(staging).find((file) => file.endsWith('.tgz'));
    if (!tarball) throw new InstallError(`npm pack ${pkg}@${tool.version} wrote no package into ${staging}`);
    await exec('tar', ['-xzf', path.join(staging, tarball), '-C', staging]);
    rmSync(dir, { recursive: true, force: true });
    renameSync(path.join(staging, 'package'), dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function installer(tool: ToolSpec): () => Promise<void> {
  const source = tool.source;
  switch (source.kind) {
    case 'pypi':
      return () => installPypi(tool, source.package);
    case 'go':
      return () => installGo(tool, source.mainPackage);
    case 'maven':
      return () => installMaven(tool);
    case 'apt':
      return () => installApt(tool, source.package);
    case 'npm':
      return () => installNpm(tool, source.package);
  }
}

/** Go builds use every core; they run one after another while the other kinds run beside them. */
function lane(tool: ToolSpec): string {
  return tool.source.kind === 'go' ? 'go' : tool.name;
}

async function ensure(name: ToolName): Promise<{ state: ToolState; action: string; error?: string }> {
  const before = await probe(name);
  if (before.ok) return { state: before, action: 'already installed' };
  const started = Date.now();
  try {
    await installer(TOOLS[name])();
  } catch (err) {
    const message = err instanceof InstallError ? err.message : String(err);
    return { state: before, action: 'failed', error: message };
  }
  const after = await probe(name);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (!after.ok) {
    return {
      state: after,
      action: 'failed',
      error: `installed, but found ${after.found ?? 'nothing'} at ${toolPath(name)} instead of ${TOOLS[name].version}`,
    };
  }
  return { state: after, action: `installed in ${seconds}s` };
}

async function main(): Promise<number> {
  const requested = process.argv.slice(2) as ToolName[];
  const unknown = requested.filter((name) => !(name in TOOLS));
  if (unknown.length > 0) {
    console.error(`unknown tool ${unknown.join(', ')}: choose from ${Object.keys(TOOLS).join(', ')}`);
    return 2;
  }
  const names = requested.length > 0 ? requested : (Object.keys(TOOLS) as ToolName[]);
  mkdirSync(TOOLS_DIR, { recursive: true });

  const lanes = new Map<string, ToolName[]>();
  for (const name of names) lanes.set(lane(TOOLS[name]), [...(lanes.get(lane(TOOLS[name])) ?? []), name]);

  let failures = 0;
  await Promise.all(
    [...lanes.values()].map(async (queue) => {
      for (const name of queue) {
        const { state, action, error } = await ensure(name);
        if (error) {
          failures++;
          console.error(`✗ ${name} ${TOOLS[name].version}: ${error}`);
        } else {
          console.log(`✓ ${name} ${state.found} ${action} (${state.path})`);
        }
      }
    }),
  );
  if (failures > 0) {
    console.error(`${failures} tool(s) not installed; fix the cause above and run \`npx projen tools:install\` again.`);
    return 1;
  }
  return 0;
}

runMain(main);
