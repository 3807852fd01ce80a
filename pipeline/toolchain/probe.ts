import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { TOOLS_BIN, TOOLS_DIR } from './paths';
import { TOOLS, ToolName, ToolSpec } from './versions';

const run = promisify(execFile);

/** What is on this machine for one tool. */
export interface ToolState {
  readonly tool: ToolSpec;
  /** The version found, or undefined when the tool is not there. */
  readonly found?: string;
  /** Where it was found (the path the gates run). */
  readonly path?: string;
  /** True when the found version is the pinned one. */
  readonly ok: boolean;
}

/** Where the installer puts (and the gates run) each tool. */
export function toolPath(name: ToolName): string {
  switch (TOOLS[name].source.kind) {
    case 'maven':
      return path.join(TOOLS_DIR, name);
    case 'apt':
      return `/usr/bin/${name}`;
    case 'npm':
      return path.join(TOOLS_DIR, name, 'bin', name);
    default:
      return path.join(TOOLS_BIN, name);
  }
}

/** The DynamoDB Local jar folder: the jar, its dependencies and the sqlite4java native library. */
export function dynamodbLocalLibDir(): string {
  return path.join(toolPath('dynamodb-local'), 'lib');
}

async function output(file: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await run(file, args, { timeout: 30_000 });
    return `${stdout}\n${stderr}`;
  } catch {
    return undefined;
  }
}

/** A Go binary records the module version it was built from; `go version -m` reads it back. */
async function goModuleVersion(binary: string, module: string): Promise<string | undefined> {
  const info = await output('go', ['version', '-m', binary]);
  const line = info?.split('\n').find((l) => l.trim().startsWith('mod\t') || l.trim().startsWith('mod '));
  const fields = line?.trim().split(/\s+/);
  if (!fields || fields[1] !== module) return undefined;
  return fields[2]?.replace(/^v/, '');
}

async function foundVersion(tool: ToolSpec, at: string): Promise<string | undefined> {
  if (!existsSync(at)) return undefined;
  switch (tool.source.kind) {
    case 'pypi': {
      const text = await output(at, ['--version']);
      return text?.match(/(\d+\.\d+\.\d+)/)?.[1];
    }
    case 'go':
      return goModuleVersion(at, tool.source.module);
    case 'maven': {
      const lib = path.join(at, 'lib');
      if (!existsSync(lib)) return undefined;
      const files = readdirSync(lib);
      const hasNative = files.some((f) => f.startsWith('libsqlite4java-linux-amd64'));
      const jar = files.find((f) => /^DynamoDBLocal-\d/.test(f));
      return hasNative ? jar?.match(/^DynamoDBLocal-(.+)\.jar$/)?.[1] : undefined;
    }
    case 'apt': {
      const text = await output(at, ['--version']);
      return text?.match(/(\d+\.\d+\.\d+\.\d+)/)?.[1];
    }
    case 'npm': {
      const text = await output(at, ['--version']);
      return text?.match(/v?(\d+\.\d+\.\d+)/)?.[1];
    }
  }
}

function matches(tool: ToolSpec, found: string | undefined): boolean {
  if (!found) return false;
  return tool.source.kind === 'apt' ? found.split('.')[0] === tool.version : found === tool.version;
}

/** Finds one tool where the installer puts it and reads its real version. */
export async function probe(name: ToolName): Promise<ToolState> {
  const tool = TOOLS[name];
  const at = toolPath(name);
  const found = await foundVersion(tool, at);
  return { tool, found, path: found ? at : undefined, ok: matches(tool, found) };
}

export async function probeAll(): Promise<ToolState[]> {
  return Promise.all((Object.keys(TOOLS) as ToolName[]).map(probe));
}

/** A k6 already on PATH is used when it is the pinned version (building it takes minutes). */
export async function k6OnPath(): Promise<string | undefined> {
  const which = await output('sh', ['-c', 'command -v k6']);
  const at = which?.trim().split('\n')[0];
  if (!at || at.startsWith(TOOLS_DIR)) return undefined;
  const text = await output(at, ['version']);
  return text?.match(/v(\d+\.\d+\.\d+)/)?.[1] === TOOLS.k6.version ? at : undefined;
}

/**
 * Thrown by a gate whose tool is missing, so the gate reports the tool as missing
 * (never as passed) with the one command that fixes it.
 */
export class MissingToolError extends Error {
  constructor(readonly state: ToolState) {
    super(
      state.found
        ? `${state.tool.name} ${state.found} is installed but ${state.tool.version} is pinned: run \`npx projen tools:install\``
        : `${state.tool.name} is not installed: run \`npx projen tools:install\``,
    );
    this.name = 'MissingToolError';
  }
}

/** The path of a pinned tool, or a MissingToolError naming the fix. */
export async function requireTool(name: ToolName): Promise<string> {
  const state = await probe(name);
  if (!state.ok || !state.path) throw new MissingToolError(state);
  return state.path;
}
