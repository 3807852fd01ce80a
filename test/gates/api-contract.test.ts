import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT_BASELINE, GATES } from '../../pipeline/model';
import type { ContractChanges } from '../../service/contract/api-compat';
import { apiDocument } from '../../service/src/contract/document';
import { missingReports } from '../harness/gate-reports';
import { plantedTree } from '../harness/planted-release';
import { PROJECT_ROOT, runTask, ScratchProject } from '../harness/scratch-project';

/**
 * The `api-compat` gate (oasdiff) on this checkout and on a copy that removes a field from an
 * answer, against production's contract kept at a baseline location. The `dast` gate, the other
 * that reads the contract, is in `dast.test.ts`.
 */

const trees: ScratchProject[] = [];

afterAll(() => {
  for (const tree of trees) tree.dispose();
});

describe('the api-compat gate', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'b2-api-compat-'));
  const production = path.join(scratch, 'baselines', 'prod');
  const LIVE = 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2';

  beforeAll(() => {
    mkdirSync(production, { recursive: true });
    // Production runs a release of this checkout's contract.
    writeFileSync(path.join(production, CONTRACT_BASELINE), JSON.stringify(apiDocument(LIVE)));
  });

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  function compat(cwd: string, run: string, env: Record<string, string> = {}) {
    const reports = path.join(scratch, run);
    const result = runTask(cwd, GATES['api-compat'].task, [], {
      B2_REPORTS_DIR: reports,
      B2_EXPECTED_VERSION: 'candidate-release',
      B2_LOAD_BASELINE_LOCATION: production,
      ...env,
    });
    const changes = (): ContractChanges =>
      JSON.parse(readFileSync(path.join(reports, 'api-compat', 'changes.json'), 'utf8')) as ContractChanges;
    return { result, reports, changes };
  }

  it("passes a candidate whose contract is production's, with its reports", () => {
    const { result, reports, changes } = compat(PROJECT_ROOT, 'same');
    expect(result.output).toContain(
      `api-compat passed: 0 breaking, 1 compatible change against production's ${LIVE.slice(0, 12)}`,
    );
    expect(result.status).toBe(0);
    expect(missingReports(GATES['api-compat'], reports)).toEqual([]);
    // The version in the document is the release's: the one change a release of the same code makes.
    expect(changes()).toEqual({
      base: LIVE,
      breaking: [],
      nonBreaking: [expect.objectContaining({ id: 'api-version-changed', level: 'compatible' })],
    });
  });

  it('passes when no release is live in production yet', () => {
    const { result, changes } = compat(PROJECT_ROOT, 'first', {
      B2_LOAD_BASELINE_LOCATION: path.join(scratch, 'empty'),
    });
    expect(result.status).toBe(0);
    expect(result.output).toContain('no release is live in production yet');
    expect(changes().base).toBe('none');
  });

  describe('on a candidate that removes a field from an answer and adds an optional one', () => {
    let tree: ScratchProject;

    beforeAll(() => {
      tree = plantedTree([
        { file: 'service/src/memories/memory.ts', anchor: '    updatedAt: z.iso.datetime(),\n', replaceWith: '' },
        {
          file: 'service/src/memories/memory.ts',
          anchor: '  cursor: z.string().min(1)',
          replaceWith: '  tag: z.string().max(40).optional(),\n  cursor: z.string().min(1)',
        },
      ]);
      trees.push(tree);
    });

    it('fails, naming each operation that loses the field, when no approval is there to accept it', () => {
      const { result, changes } = compat(tree.root, 'breaking');
      expect(result.status).toBe(1);
      expect(result.output).toMatch(
        /api-compat FAILED: 4 breaking, 2 compatible changes against production's a1b2c3d4e5f6; first: GET \/memories: removed the required property `items\/items\/updatedAt` from the response/,
      );
      const breaking = changes().breaking.map((change) => `${change.operation} ${change.path} ${change.id}`);
      expect(breaking).toEqual([
        'GET /memories response-required-property-removed',
        'POST /memories response-required-property-removed',
        'GET /memories/{id} response-required-property-removed',
        'PATCH /memories/{id} response-required-property-removed',
      ]);
      expect(changes().nonBreaking).toEqual([
        expect.objectContaining({ id: 'api-version-changed' }),
        expect.objectContaining({
          id: 'new-optional-request-parameter',
          operation: 'GET',
          path: '/memories',
          level: 'compatible',
        }),
      ]);
    });

    it("leaves the breaking changes to production's approval when the engine says one will decide", () => {
      const { result, changes } = compat(tree.root, 'for-approval', { B2_CHANGE_ACCEPTANCE: 'approval' });
      expect(result.status).toBe(0);
      expect(result.output).toContain('api-compat passed for the approval before production to decide: 4 breaking');
      expect(result.output).toContain('The approver must accept them by name');
      expect(changes().breaking).toHaveLength(4);
    });
  });
});
