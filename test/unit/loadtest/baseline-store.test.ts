import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { summaryOf } from './fixtures';
import { baselineOf, findBaselineAt, promoteBaselineTo, promotionRequest } from '../../../loadtest/baseline';
import { baselineLocation } from '../../../loadtest/baseline-store';
import { referenceHistory, referenceOf, setReference } from '../../../loadtest/reference';
import { readSummary } from '../../../loadtest/summary';

/*
 * The S3 side of the baseline store, through the AWS SDK's own client mock: every command the
 * store sends is answered by a small in-memory bucket below. A real S3-compatible server was
 * tried (moto's server from PyPI installs and serves S3 on 127.0.0.1 here), but it brings some
 * 300 MB of Python packages into the toolchain for one test file, against a few kilobytes for the
 * mock; the mock still exercises the real S3Client, its commands and its error types.
 */
const s3 = mockClient(S3Client);
/** The bucket's objects by `<bucket>/<key>`. */
const objects = new Map<string, string>();

const scratch = mkdtempSync(path.join(tmpdir(), 'b2-baseline-store-'));
const previousWorkspace = process.env.B2_PIPELINE_DIR;
const PROD = 's3://b2-pipeline-baselines/baselines/prod/';
const PROFILE_VERSION = summaryOf().profileVersion;

beforeAll(() => {
  process.env.B2_PIPELINE_DIR = path.join(scratch, 'pipeline');
});

afterAll(() => {
  s3.restore();
  if (previousWorkspace === undefined) delete process.env.B2_PIPELINE_DIR;
  else process.env.B2_PIPELINE_DIR = previousWorkspace;
  rmSync(scratch, { recursive: true, force: true });
});

beforeEach(() => {
  s3.reset();
  objects.clear();
  s3.on(PutObjectCommand).callsFake((input: { Bucket: string; Key: string; Body: string; IfNoneMatch?: string }) => {
    if (input.IfNoneMatch === '*' && objects.has(`${input.Bucket}/${input.Key}`)) {
      throw new S3ServiceException({
        name: 'PreconditionFailed',
        $fault: 'client',
        $metadata: { httpStatusCode: 412 },
        message: 'At least one of the pre-conditions you specified did not hold',
      });
    }
    objects.set(`${input.Bucket}/${input.Key}`, input.Body);
    return { VersionId: String(objects.size) };
  });
  s3.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
    const text = objects.get(`${input.Bucket}/${input.Key}`);
    if (text === undefined) {
      throw new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: 'The specified key does not exist.' });
    }
    return { Body: { transformToString: () => Promise.resolve(text) } };
  });
});

function summaryFile(name: string, overrides: Parameters<typeof summaryOf>[0] = {}): string {
  const file = path.join(scratch, `${name}.json`);
  writeFileSync(file, JSON.stringify(summaryOf(overrides)));
  return file;
}

describe('a baseline location', () => {
  it('is a folder, or a prefix of an S3 bucket with or without its closing slash', () => {
    expect(baselineLocation('.pipeline/baselines/prod')).toEqual({
      kind: 'folder',
      folder: '.pipeline/baselines/prod',
    });
    expect(baselineLocation(PROD)).toEqual({ kind: 's3', bucket: 'b2-pipeline-baselines', prefix: 'baselines/prod/' });
    expect(baselineLocation('s3://b2-pipeline-baselines/baselines/prod')).toEqual(baselineLocation(PROD));
    expect(baselineLocation('s3://b2-pipeline-baselines')).toEqual({
      kind: 's3',
      bucket: 'b2-pipeline-baselines',
      prefix: '',
    });
  });

  it('refuses an S3 location without a valid bucket name, and an empty one', () => {
    expect(() => baselineLocation('s3:///baselines/prod/')).toThrow(/is not an S3 location/);
    expect(() => baselineLocation('s3://B2_Baselines/prod/')).toThrow(/is not an S3 location/);
    expect(() => baselineLocation(' ')).toThrow(/a baseline location is empty/);
  });
});

describe('the load baselines in S3', () => {
  it('are promoted one object per scenario under the prefix, recording the release and the environment', async () => {
    const written = await promoteBaselineTo(summaryFile('passed'), baselineLocation(PROD), {
      release: 'abc1234',
      environment: 'prod',
      promotedAt: new Date('2026-11-25T12:30:00Z'),
    });
    expect(written.baseline).toBe(`${PROD}load-current.json`);
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input).toEqual(
      expect.objectContaining({
        Bucket: 'b2-pipeline-baselines',
        Key: 'baselines/prod/load-current.json',
        ContentType: 'application/json',
      }),
    );
    expect(JSON.parse(objects.get('b2-pipeline-baselines/baselines/prod/load-current.json')!)).toEqual({
      ...summaryOf(),
      promotion: { environment: 'prod', release: 'abc1234', promotedAt: '2026-11-25T12:30:00.000Z' },
    });
  });

  it('are read back by a load run of the same scenario from the location the engine gives it', async () => {
    await promoteBaselineTo(
      summaryFile('fast', { latencyMs: { p50: 5, p95: 10, p99: 12, max: 15 } }),
      baselineLocation(PROD),
    );
    s3.resetHistory();
    const found = await baselineOf({ baselineLocation: PROD }, 'current', PROFILE_VERSION);
    expect(found.source).toBe(`${PROD}load-current.json`);
    expect(found.summary?.latencyMs.p95).toBe(10);
    expect(s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'b2-pipeline-baselines', Key: 'baselines/prod/load-current.json' },
    ]);
  });

  it('say there is no baseline yet when no release was promoted with the scenario', async () => {
    await promoteBaselineTo(summaryFile('current-only'), baselineLocation(PROD));
    expect(await findBaselineAt(baselineLocation(PROD), 'tenfold', PROFILE_VERSION)).toEqual({
      note: `no baseline yet (${PROD}load-tenfold.json does not exist): no release has been promoted with this scenario`,
    });
  });

  it('set aside a baseline of another profile version, and stop on one of another scenario', async () => {
    const at = (scenario: string) => `b2-pipeline-baselines/baselines/prod/load-${scenario}.json`;
    objects.set(at('current'), JSON.stringify(summaryOf({ profileVersion: '0.9.0' })));
    expect(await findBaselineAt(baselineLocation(PROD), 'current', PROFILE_VERSION)).toEqual({
      source: `${PROD}load-current.json`,
      note: `the baseline was measured under load profile 0.9.0, this run under ${PROFILE_VERSION}: not comparable`,
    });
    objects.set(at('tenfold'), JSON.stringify(summaryOf()));
    await expect(findBaselineAt(baselineLocation(PROD), 'tenfold', PROFILE_VERSION)).rejects.toThrow(
      /of scenario current, not tenfold/,
    );
  });

  it('stop the run on any other S3 error rather than compare with nothing', async () => {
    s3.on(GetObjectCommand).rejects(
      new S3ServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'Access Denied',
      }),
    );
    await expect(findBaselineAt(baselineLocation(PROD), 'current', PROFILE_VERSION)).rejects.toThrow(
      `cannot read the baseline ${PROD}load-current.json: Access Denied`,
    );
  });

  it('never move to a failed run: nothing is written', async () => {
    const failed = summaryFile('failed', { passed: false, failures: ['scenario current: p95 300.0 ms'] });
    await expect(promoteBaselineTo(failed, baselineLocation(PROD))).rejects.toThrow(/records a failed load run/);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});

describe('the reference baselines in S3', () => {
  const REFERENCE_KEY = 'b2-pipeline-baselines/baselines/prod/reference/load-current.json';
  const HISTORY_KEY = 'b2-pipeline-baselines/baselines/prod/reference/reference-history.jsonl';

  it('are set by the first promotion with a conditional put, which a later promotion cannot overwrite', async () => {
    const first = await promoteBaselineTo(summaryFile('first-s3'), baselineLocation(PROD), {
      release: 'abc1234',
      environment: 'prod',
    });
    expect(first.reference).toBe(`${PROD}reference/load-current.json`);
    const conditional = s3
      .commandCalls(PutObjectCommand)
      .map((call) => call.args[0].input)
      .find((input) => input.Key === 'baselines/prod/reference/load-current.json');
    expect(conditional?.IfNoneMatch).toBe('*');

    const second = await promoteBaselineTo(
      summaryFile('second-s3', { latencyMs: { p50: 50, p95: 90, p99: 99, max: 120 } }),
      baselineLocation(PROD),
      { release: 'def5678', environment: 'prod' },
    );
    expect(second.reference).toBeUndefined();
    expect(JSON.parse(objects.get(REFERENCE_KEY)!).referenceAct).toMatchObject({
      by: 'the promotion of release abc1234 to prod',
      byPromotion: true,
    });
    expect(objects.get(HISTORY_KEY)!.trim().split('\n')).toHaveLength(1);
  });

  it('are moved by load:set-reference, the history read and put back with the new line', async () => {
    await promoteBaselineTo(summaryFile('promoted-s3'), baselineLocation(PROD), { release: 'abc1234' });
    await setReference({ location: baselineLocation(PROD), from: 'prod', by: 'ada', comment: 'accepted' });
    const history = await referenceHistory(baselineLocation(PROD));
    expect(history.map((entry) => entry.by)).toEqual(['the promotion of release abc1234', 'ada']);
    expect(history[1]).toMatchObject({
      from: `${PROD}load-current.json`,
      reference: `${PROD}reference/load-current.json`,
    });
  });

  it('are what a load run given the location compares with', async () => {
    await setReference({ location: baselineLocation(PROD), from: summaryFile('ref-s3'), by: 'ada', comment: 'why' });
    const found = await referenceOf({ baselineLocation: PROD }, 'current', PROFILE_VERSION);
    expect(found.source).toBe(`${PROD}reference/load-current.json`);
    expect(found.summary?.referenceAct?.by).toBe('ada');
    expect((await referenceOf({ baselineLocation: PROD }, 'tenfold', PROFILE_VERSION)).note).toMatch(
      /^no reference baseline yet \(s3:\/\/b2-pipeline-baselines\/baselines\/prod\/reference\/load-tenfold\.json does not exist\)/,
    );
  });
});

describe('load:promote-baseline', () => {
  it('writes to the location given with --to, naming the environment when --environment is given too', () => {
    const summary = summaryFile('cli');
    expect(promotionRequest(['--', '--to', PROD, '--environment', 'prod', '--release', 'abc1234', summary])).toEqual({
      location: baselineLocation(PROD),
      options: { environment: 'prod', release: 'abc1234' },
      summaries: [summary],
    });
  });

  it('keeps --environment alone as the workspace’s baselines of that environment', async () => {
    const request = promotionRequest(['--environment', 'staging', summaryFile('workspace')]);
    expect(request.location).toEqual({
      kind: 'folder',
      folder: path.join(scratch, 'pipeline', 'baselines', 'staging'),
    });
    const written = await promoteBaselineTo(request.summaries[0], request.location, request.options);
    expect(readSummary(written.baseline).promotion?.environment).toBe('staging');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('refuses to start without a location, or before a summary it was given exists', () => {
    expect(() => promotionRequest(['--release', 'abc1234', summaryFile('no-location')])).toThrow(/usage:/);
    expect(() => promotionRequest(['--to', PROD, path.join(scratch, 'missing.json')])).toThrow(
      /no load summary at .*missing\.json/,
    );
  });
});
