import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../pipeline/local/environments/free-port';
import { couldNotCheck } from '../../pipeline/local/report/run-results';
import { CONTRACT_BASELINE, GATES } from '../../pipeline/model';
import type { ContractChanges } from '../../service/contract/api-compat';
import { apiDocument } from '../../service/src/contract/document';
import { missingReports } from '../harness/gate-reports';
import { LocalEnvironment, runTaskAsync, runTaskCommand, useLocalEnvironments } from '../harness/local-environment';
import { plantedRelease, plantedTree } from '../harness/planted-release';
import { PROJECT_ROOT, runTask, ScratchProject } from '../harness/scratch-project';

/**
 * The gates that read the API contract, on real inputs: `dast` (schemathesis) against real
 * releases on DynamoDB Local, one of them clean and two planted with a fault the contract
 * does not allow; `api-compat` (oasdiff) on this checkout and on a copy that removes a field
 * from an answer, against production's contract kept at a baseline location.
 */

const local = useLocalEnvironments();
const trees: ScratchProject[] = [];

const MEMORY_ROUTES = 'service/src/memories/routes.ts';
const CREATE_ROUTE = '    .openapi(ROUTES.createMemory, async (c) => {';
/** Each DAST run's time budget: enough for every phase over eleven operations, short for a test. */
const DAST_SECONDS = '30';

function dast(env: LocalEnvironment, run: string) {
  const reports = path.join(local.scratch, run);
  return {
    reports,
    result: runTaskAsync(GATES.dast.task, { B2_REPORTS_DIR: reports, B2_API_URL: env.url }, [
      '--',
      '--max-seconds',
      DAST_SECONDS,
    ]),
  };
}

afterAll(() => {
  for (const tree of trees) tree.dispose();
});

describe('the DAST gate', () => {
  let clean: LocalEnvironment;
  let failing: LocalEnvironment;
  let drifting: LocalEnvironment;

  beforeAll(async () => {
    const planted = (insert: string): string => {
      const tree = plantedTree([{ file: MEMORY_ROUTES, anchor: CREATE_ROUTE, insert }]);
      trees.push(tree);
      return plantedRelease(tree);
    };
    const failingRelease = planted(
      `\n      if (c.req.valid('json').text.length > 1000) throw new Error('planted: a long memory fails');`,
    );
    const driftingRelease = planted(
      `\n      if (c.req.valid('json')) return c.json({ ...(await memories.create(c.get('principal').userId, c.req.valid('json'))), pinned: false }, 201);`,
    );
    [clean, failing, drifting] = await Promise.all([
      local.start({ environment: 'dev' }),
      local.start({ environment: 'dev', releaseDir: failingRelease }),
      local.start({ environment: 'dev', releaseDir: driftingRelease }),
    ]);
  }, 600_000);

  it('passes a release that keeps its contract, with its reports, saying how much it sent', async () => {
    const check = dast(clean, 'clean');
    const run = await check.result;
    expect(run.output).toMatch(
      /dast passed against http:\/\/127\.0\.0\.1:\d+: \d+ requests over 11 operations in \d+ s/,
    );
    expect(run.status).toBe(0);
    expect(missingReports(GATES.dast, check.reports)).toEqual([]);
    console.log(run.output.split('\n').find((line) => line.startsWith('dast passed')));
  }, 180_000);

  it('blocks a release whose route answers 500 to an input the contract allows, naming the route and the input', async () => {
    const run = await dast(failing, 'failing').result;
    expect(run.status).toBe(1);
    expect(run.output).toMatch(/FAIL POST \/memories: ST\d+ Server error/);
    // The request that showed it, as a curl command with the long text.
    expect(run.output).toMatch(/curl -X POST .*-d '\{[^']*"text": "[^"]{1001,}/);
    expect(run.output).toMatch(/dast FAILED against http:\/\/127\.0\.0\.1:\d+: \d+ findings?, first POST \/memories/);
  }, 180_000);

  it('blocks a release whose answer drifts from its schema, naming the route', async () => {
    const run = await dast(drifting, 'drifting').result;
    expect(run.status).toBe(1);
    expect(run.output).toMatch(/FAIL POST \/memories: ST\d+ Response violates schema/);
    expect(run.output).toContain("'pinned' was unexpected");
  }, 180_000);

  it('says it could not check, never passed, when nothing answers', async () => {
    const reports = path.join(local.scratch, 'unreachable');
    // The gate's own command, to see the exit code it chose (`npx projen` makes every failure 1).
    const run = await runTaskCommand(GATES.dast.task, {
      B2_REPORTS_DIR: reports,
      B2_API_URL: `http://127.0.0.1:${await freePort()}`,
    });
    expect(run.status).toBe(GATES.dast.unavailableExitCode);
    expect(run.output).toMatch(
      /dast could not check: the API at http:\/\/127\.0\.0\.1:\d+ is unreachable .*: is the environment running\?/,
    );
    expect(couldNotCheck(GATES.dast, reports)).toBe(true);
  }, 60_000);
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
