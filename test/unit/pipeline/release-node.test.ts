import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SETTING } from '../../../service/src/settings';

const COMMIT = 'c0ffee0000000000000000000000000000000000';

/** A release whose server answers `/health` with its commit and the Node it runs on. */
function fixtureRelease(root: string): string {
  const dir = path.join(root, 'release');
  mkdirSync(path.join(dir, 'server'), { recursive: true });
  writeFileSync(
    path.join(dir, 'server', 'index.mjs'),
    [
      "import { createServer } from 'node:http';",
      'createServer((req, res) => {',
      "  res.setHeader('content-type', 'application/json');",
      `  res.end(JSON.stringify({ version: process.env.${SETTING.version}, node: process.version }));`,
      `}).listen(Number(process.env.${SETTING.port}), '127.0.0.1');`,
      "process.on('SIGTERM', () => process.exit(0));",
    ].join('\n'),
  );
  return dir;
}

describe("a local release's Node", () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'b2-release-node-'));
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("runs the release on the toolchain's pinned Node of the Lambda runtime's major, not on the machine's", async () => {
    const { ReleaseProcess } = await import('../../../pipeline/local/release/release-process');
    const { SERVICE_NODE_MAJOR, TOOLS } = await import('../../../pipeline/toolchain/versions');
    const release = new ReleaseProcess({
      release: { id: 'fixture', commit: COMMIT, dir: fixtureRelease(root) },
      settings: { [SETTING.version]: COMMIT },
      healthTimeoutMs: 10_000,
    });
    try {
      await release.start();
      const health = (await (await fetch(`${release.origin}/health`)).json()) as { node: string };
      expect(health.node).toBe(`v${TOOLS.node.version}`);
      expect(health.node.startsWith(`v${SERVICE_NODE_MAJOR}.`)).toBe(true);
      expect(release.runtime).toBe(TOOLS.node.version);
    } finally {
      await release.stop();
    }
  });

  it('refuses to start a release without the pinned Node, naming the command that installs it', async () => {
    vi.stubEnv('B2_TOOLS_DIR', path.join(root, 'no-tools'));
    const { ReleaseProcess } = await import('../../../pipeline/local/release/release-process');
    const release = new ReleaseProcess({
      release: { id: 'fixture', commit: COMMIT, dir: fixtureRelease(root) },
      settings: { [SETTING.version]: COMMIT },
    });
    await expect(release.start()).rejects.toThrow(
      /releases run on Node 24\.\d+\.\d+, the Lambda runtime's major, not on this machine's v\d+.*node is not installed: run `npx projen tools:install node`/,
    );
    expect(release.running).toBe(false);
  });
});
