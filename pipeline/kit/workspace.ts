import * as path from 'node:path';
import { PROJECT_ROOT } from '../toolchain/paths';

/**
 * The git-ignored folder that holds the local engine's state: environments, DynamoDB Local's
 * data, releases, runs and the history. `B2_PIPELINE_DIR` moves it (tests use a temporary one).
 */
export function workspaceDir(): string {
  return process.env.B2_PIPELINE_DIR ? path.resolve(process.env.B2_PIPELINE_DIR) : path.join(PROJECT_ROOT, '.pipeline');
}

export const workspace = {
  environment: (name: string) => path.join(workspaceDir(), 'environments', name),
  dynamodb: () => path.join(workspaceDir(), 'dynamodb'),
  releases: () => path.join(workspaceDir(), 'releases'),
  runs: () => path.join(workspaceDir(), 'runs'),
  run: (id: string) => path.join(workspaceDir(), 'runs', id),
  history: () => path.join(workspaceDir(), 'history.jsonl'),
  approvals: () => path.join(workspaceDir(), 'approvals.jsonl'),
  baselines: () => path.join(workspaceDir(), 'baselines'),
};
