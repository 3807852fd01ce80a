import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleRelease } from '../../../service/build/bundle';
import { RELEASE_PARTS } from '../../../service/build/release';
import { releaseAssets } from '../../../stages/service-stage';
import { SMOKE_REQUEST } from '../../smoke/smoke';

const run = promisify(execFile);

describe('the release judgement bundles', () => {
  let releaseDir: string;

  beforeAll(async () => {
    releaseDir = mkdtempSync(path.join(tmpdir(), 'b2-judgement-release-'));
    await bundleRelease({ outDir: releaseDir, commit: '0123456789abcdef0123456789abcdef01234567', dirty: false });
  }, 120_000);

  afterAll(() => rmSync(releaseDir, { recursive: true, force: true }));

  it.each([
    ['canary', RELEASE_PARTS.canary],
    ['pre-traffic hook', RELEASE_PARTS.preTrafficHook],
  ])(
    'builds the %s into the release as an ES module with an index.handler, as its runtime loads it',
    async (_, part) => {
      const script = `
      const { handler } = await import(${JSON.stringify(path.join(releaseDir, part, 'index.mjs'))});
      process.stdout.write(typeof handler);`;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...process.env, AWS_REGION: 'eu-west-1', NODE_NO_WARNINGS: '1' },
      });
      expect(stdout).toBe('function');
    },
  );

  it("bundles the smoke path's walk of every session endpoint into both, rather than a copy of its steps", () => {
    for (const part of [RELEASE_PARTS.canary, RELEASE_PARTS.preTrafficHook]) {
      const bundle = readFileSync(path.join(releaseDir, part, 'index.mjs'), 'utf8');
      expect(bundle).toContain('test/smoke/smoke.ts');
      for (const request of Object.values(SMOKE_REQUEST)) expect(bundle).toContain(request);
    }
  });

  it('is where the stages take the canary and the hook from', () => {
    const assets = releaseAssets(releaseDir);
    expect(assets.canary).toBe(path.join(releaseDir, 'canary'));
    expect(assets.preTrafficHook).toBe(path.join(releaseDir, 'pre-traffic-hook'));
  });
});
