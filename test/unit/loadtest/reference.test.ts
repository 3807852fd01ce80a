import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointLatency, k6Export, summaryOf } from './fixtures';
import { promoteBaseline } from '../../../loadtest/baseline';
import { BaselineLocation, REFERENCE_HISTORY, workspaceBaselines } from '../../../loadtest/baseline-store';
import { DEFAULT_REGRESSION_TOLERANCE, REFERENCE_REGRESSION_TOLERANCE } from '../../../loadtest/budget';
import { gateScenario, planLoad } from '../../../loadtest/plan';
import { Endpoint, LOAD_PROFILE } from '../../../loadtest/profile';
import {
  referenceHistory,
  referenceOf,
  referenceRequest,
  setReference,
  setReferenceIfNone,
} from '../../../loadtest/reference';
import { BaselineLookup, LoadSummary, readSummary } from '../../../loadtest/summary';
import { evaluateRun, REGRESSION_EXIT_CODE } from '../../../loadtest/verdict';

const scratch = mkdtempSync(path.join(tmpdir(), 'b2-reference-'));
const previousWorkspace = process.env.B2_PIPELINE_DIR;

beforeAll(() => {
  process.env.B2_PIPELINE_DIR = path.join(scratch, 'pipeline');
});

afterAll(() => {
  if (previousWorkspace === undefined) delete process.env.B2_PIPELINE_DIR;
  else process.env.B2_PIPELINE_DIR = previousWorkspace;
  rmSync(scratch, { recursive: true, force: true });
});

let folders = 0;
/** A baseline location of its own for each test. */
function location(): Extract<BaselineLocation, { kind: 'folder' }> {
  return { kind: 'folder', folder: path.join(scratch, `location-${++folders}`) };
}

function summaryFile(name: string, overrides: Partial<LoadSummary> = {}): string {
  const file = path.join(scratch, `${name}.json`);
  writeFileSync(file, JSON.stringify(summaryOf(overrides)));
  return file;
}

describe('a chain of small regressions', () => {
  const plan = planLoad(LOAD_PROFILE, gateScenario('current'), { warmupSeconds: 5, holdSeconds: 30 });
  const FIRST: Record<Endpoint, EndpointLatency> = {
    login: { p50: 45, p95: 60 },
    list: { p50: 14, p95: 20 },
    search: { p50: 12, p95: 18 },
    read: { p50: 10, p95: 16 },
    create: { p50: 15, p95: 22 },
  };

  /** Release n: every endpoint 15% slower than release n-1, the blend too. */
  function release(n: number, baseline: BaselineLookup, reference: BaselineLookup) {
    const factor = 1.15 ** n;
    const endpoints = Object.fromEntries(
      Object.entries(FIRST).map(([name, l]) => [name, { p50: l.p50 * factor, p95: l.p95 * factor }]),
    );
    return evaluateRun(
      {
        plan,
        k6: k6Export(plan, { p95: 58 * factor, endpoints }),
        k6ExitCode: 0,
        target: 'http://127.0.0.1:9',
        startedAt: `2026-11-2${n}T12:00:00Z`,
      },
      {
        baseline,
        tolerance: DEFAULT_REGRESSION_TOLERANCE,
        reference,
        referenceTolerance: REFERENCE_REGRESSION_TOLERANCE,
      },
    );
  }

  it('fails against the reference at the fifth +15% release, although each passed against the release before it', () => {
    const first = release(0, { note: 'no baseline yet' }, { note: 'no reference baseline yet' }).summary;
    const reference: BaselineLookup = { summary: first, source: 'reference/load-current.json' };
    let previous = first;
    const verdicts = [1, 2, 3, 4, 5].map((n) => {
      const { summary, exitCode } = release(n, { summary: previous, source: `release-${n - 1}.json` }, reference);
      previous = summary;
      return { summary, exitCode };
    });

    expect(verdicts.map((v) => v.summary.baseline?.passed)).toEqual([true, true, true, true, true]);
    expect(verdicts[0].summary.reference?.passed).toBe(true);
    const fifth = verdicts[4];
    expect(fifth.summary.reference).toMatchObject({ tolerancePercent: 30, p95ChangePercent: 101.1, passed: false });
    expect(fifth.exitCode).toBe(REGRESSION_EXIT_CODE);
    expect(fifth.summary.failures).toContain(
      "scenario current: p95 116.7 ms is 101.1% above the reference baseline's 58.0 ms (tolerance 30%)",
    );
    const perEndpoint = fifth.summary.failures.find((f) => f.includes('slower than the reference baseline'));
    expect(perEndpoint).toMatch(
      /^scenario current: login, list, search, read, create slower than the reference baseline: login p50 45\.0 ms → 90\.5 ms \(\+101%, tolerance 30%\)/,
    );
    expect(fifth.summary.failures.some((f) => f.includes('last promoted release'))).toBe(false);
  });

  it('says so in the summary when there is no reference yet, and compares nothing', () => {
    const { summary, exitCode } = release(5, { note: 'no baseline yet' }, { note: 'no reference baseline yet (x)' });
    expect(summary.reference).toBeUndefined();
    expect(summary.referenceNote).toBe('no reference baseline yet (x)');
    expect(exitCode).toBe(0);
  });
});

describe('load:set-reference', () => {
  it('makes a passed run the reference, recording who, when and why in the reference and its history', async () => {
    const at = location();
    const from = summaryFile('passed');
    const set = await setReference({
      location: at,
      from,
      by: 'Ada Lovelace',
      comment: 'the new search index is the expected speed from now on',
      setAt: new Date('2026-11-26T10:00:00Z'),
    });
    const file = path.join(at.folder, 'reference', 'load-current.json');
    expect(set.map((s) => s.written)).toEqual([file]);
    expect(readSummary(file)).toEqual({
      ...summaryOf(),
      referenceAct: {
        by: 'Ada Lovelace',
        setAt: '2026-11-26T10:00:00.000Z',
        comment: 'the new search index is the expected speed from now on',
        from,
      },
    });
    expect(await referenceHistory(at)).toEqual([
      {
        scenario: 'current',
        reference: file,
        by: 'Ada Lovelace',
        setAt: '2026-11-26T10:00:00.000Z',
        comment: 'the new search index is the expected speed from now on',
        from,
        profileVersion: '1.0.0',
        p50: 8,
        p95: 20,
      },
    ]);
  });

  it('appends every move to the history, oldest first', async () => {
    const at = location();
    await setReference({ location: at, from: summaryFile('one'), by: 'ada', comment: 'first' });
    await setReference({ location: at, from: summaryFile('two'), by: 'grace', comment: 'second' });
    expect((await referenceHistory(at)).map((entry) => `${entry.by}: ${entry.comment}`)).toEqual([
      'ada: first',
      'grace: second',
    ]);
    expect(readFileSync(path.join(at.folder, 'reference', REFERENCE_HISTORY), 'utf8').split('\n')).toHaveLength(3);
  });

  it('refuses a failed run in one line and writes nothing', async () => {
    const at = location();
    const failed = summaryFile('failed', {
      passed: false,
      failures: ['scenario current: list p95 240.0 ms is not under the 200 ms limit'],
    });
    const refused = setReference({ location: at, from: failed, by: 'ada', comment: 'faster' });
    await expect(refused).rejects.toThrow(
      /failed\.json records a failed load run \(scenario current: list p95 240\.0 ms .*\): it cannot become the reference baseline$/,
    );
    await expect(refused).rejects.toThrow(/^[^\n]*$/);
    expect(existsSync(at.folder)).toBe(false);
  });

  it('refuses a request without --by or --comment in one line, before anything is read or written', () => {
    const from = summaryFile('cli');
    const base = ['--', '--from', from, '--environment', 'prod'];
    expect(() => referenceRequest([...base, '--comment', 'why'])).toThrow(
      /^--by is missing: who moves the reference; usage: /,
    );
    expect(() => referenceRequest([...base, '--by', '  ', '--comment', 'why'])).toThrow(/^--by is missing/);
    expect(() => referenceRequest([...base, '--by', 'ada'])).toThrow(/^--comment is missing: why the reference moves/);
    expect(() => referenceRequest(['--by', 'ada', '--comment', 'why', '--environment', 'prod'])).toThrow(
      /^--from is missing/,
    );
    expect(() => referenceRequest(['--from', from, '--by', 'ada', '--comment', 'why'])).toThrow(
      /^--to or --environment is missing/,
    );
    expect(() => referenceRequest([...base, '--by', 'ada', '--comment', 'why', '--force'])).toThrow(
      /^Unknown option '--force'; valid options: /,
    );
    for (const attempt of [
      [...base, '--comment', 'why'],
      [...base, '--by', 'ada'],
    ]) {
      expect(() => referenceRequest(attempt)).toThrow(/^[^\n]*$/);
    }
    expect(existsSync(workspaceBaselines('prod'))).toBe(false);
  });

  it('reads the location from --to, or the environment’s folder in the workspace', () => {
    const from = summaryFile('where');
    expect(
      referenceRequest([
        '--from',
        from,
        '--by',
        'ada',
        '--comment',
        'why',
        '--to',
        's3://b2-baselines/baselines/prod/',
      ]),
    ).toEqual({
      location: { kind: 's3', bucket: 'b2-baselines', prefix: 'baselines/prod/' },
      from,
      by: 'ada',
      comment: 'why',
    });
    expect(referenceRequest(['--from', 'prod', '--by', 'ada', '--comment', 'why']).location).toEqual({
      kind: 'folder',
      folder: workspaceBaselines('prod'),
    });
  });

  it('makes the baselines last promoted to an environment the references with --from <environment>', async () => {
    await promoteBaseline(summaryFile('promoted', { latencyMs: { p50: 6, p95: 18, p99: 25, max: 30 } }), 'staging', {
      release: 'def5678',
    });
    const request = referenceRequest([
      '--from',
      'staging',
      '--by',
      'ada',
      '--comment',
      'accepted the new hashing cost',
    ]);
    const set = await setReference(request);
    expect(set.map((s) => s.scenario)).toEqual(['current']);
    const reference = readSummary(path.join(workspaceBaselines('staging'), 'reference', 'load-current.json'));
    expect(reference.latencyMs.p95).toBe(18);
    expect(reference.referenceAct).toMatchObject({ by: 'ada', comment: 'accepted the new hashing cost' });
    expect((await referenceHistory({ kind: 'folder', folder: workspaceBaselines('staging') })).at(-1)).toMatchObject({
      by: 'ada',
      release: 'def5678',
      from: path.join(workspaceBaselines('staging'), 'load-current.json'),
    });
  });

  it('refuses --from an environment nothing was promoted to', async () => {
    await expect(
      setReference(referenceRequest(['--from', 'nowhere', '--by', 'ada', '--comment', 'why'])),
    ).rejects.toThrow(/^no baseline has been promoted to nowhere at .*: nothing to make the reference$/);
  });
});

describe('the first promotion', () => {
  it('sets the reference when there is none, recorded as set by the promotion, and never moves it again', async () => {
    const first = await promoteBaseline(
      summaryFile('first', { latencyMs: { p50: 5, p95: 10, p99: 12, max: 15 } }),
      'prod',
      {
        release: 'abc1234',
        promotedAt: new Date('2026-11-25T12:30:00Z'),
      },
    );
    const referenceFile = path.join(workspaceBaselines('prod'), 'reference', 'load-current.json');
    expect(first.reference).toBe(referenceFile);
    expect(readSummary(referenceFile).referenceAct).toEqual({
      by: 'the promotion of release abc1234 to prod',
      setAt: '2026-11-25T12:30:00.000Z',
      comment: 'there was no reference baseline: the first promoted run became it',
      from: path.join(scratch, 'first.json'),
      byPromotion: true,
    });

    const second = await promoteBaseline(
      summaryFile('second', { latencyMs: { p50: 6, p95: 11, p99: 13, max: 16 } }),
      'prod',
    );
    expect(second.reference).toBeUndefined();
    expect(readSummary(second.baseline).latencyMs.p95).toBe(11);
    expect(readSummary(referenceFile).latencyMs.p95).toBe(10);
    const history = await referenceHistory({ kind: 'folder', folder: workspaceBaselines('prod') });
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ byPromotion: true, release: 'abc1234' });
  });

  it('leaves a reference a person set alone', async () => {
    const at = location();
    await setReference({ location: at, from: summaryFile('chosen'), by: 'ada', comment: 'chosen' });
    const baseline = { ...summaryOf({ latencyMs: { p50: 50, p95: 90, p99: 99, max: 120 } }) };
    expect(await setReferenceIfNone(at, baseline, 'promoted.json')).toBeUndefined();
    expect(readSummary(path.join(at.folder, 'reference', 'load-current.json')).referenceAct?.by).toBe('ada');
  });
});

describe('the reference a load run compares with', () => {
  it('is the one under the baseline location, and a note says when there is none yet', async () => {
    const none = await referenceOf({ baselineEnvironment: 'dev' }, 'tenfold', '1.0.0');
    expect(none.note).toBe(
      `no reference baseline yet (${path.join(workspaceBaselines('dev'), 'reference', 'load-tenfold.json')} does not exist): ` +
        'no comparison; load:set-reference sets one, and the next promotion does when there is none',
    );
    const at = location();
    await setReference({ location: at, from: summaryFile('located'), by: 'ada', comment: 'why' });
    const found = await referenceOf({ baselineLocation: at.folder }, 'current', '1.0.0');
    expect(found.summary?.referenceAct?.by).toBe('ada');
    expect((await referenceOf({}, 'current', '1.0.0')).note).toMatch(/^no reference baseline given/);
  });

  it('may be named as one file, and one of another profile version is set aside', async () => {
    const old = summaryFile('old-profile', { profileVersion: '0.9.0' });
    expect(await referenceOf({ referencePath: old }, 'current', '1.0.0')).toEqual({
      source: old,
      note: 'the reference baseline was measured under load profile 0.9.0, this run under 1.0.0: not comparable',
    });
  });
});
