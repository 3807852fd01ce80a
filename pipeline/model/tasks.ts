import type { ToolName } from '../toolchain/versions';

/**
 * The only commands an engine runs: a projen task, and the project's tool installer. Every
 * engine that writes a command line (a CodeBuild buildspec, a GitHub workflow step) builds it
 * here, so the command exists once.
 */
export function runTaskCommand(task: string): string {
  return `npx projen ${task}`;
}

/** Installs the pinned tools a gate needs, the way the project installs them everywhere. */
export function installToolsCommand(tools: readonly ToolName[]): string {
  return runTaskCommand(['tools:install', ...tools].join(' '));
}

/** Reads back the task a command runs: `npx projen <task>` → `<task>`; undefined for any other command. */
export function taskOfCommand(command: string): string | undefined {
  const match = /^npx projen (\S+)$/.exec(command.trim());
  return match?.[1];
}

/**
 * Installs the locked dependencies, projen among them. It is the one command that cannot be a
 * projen task: it is what makes `npx projen` runnable on a fresh checkout.
 */
export const INSTALL_DEPENDENCIES_COMMAND = 'npm ci';
