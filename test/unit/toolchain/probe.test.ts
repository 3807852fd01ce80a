import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/** The tools folder is read once, when the module loads: each test loads it against a scratch folder. */
async function probeModule(toolsDir: string): Promise<typeof import('../../../pipeline/toolchain/probe')> {
  vi.resetModules();
  vi.stubEnv('B2_TOOLS_DIR', toolsDir);
  return import('../../../pipeline/toolchain/probe');
}

function fakeTool(toolsDir: string, name: string, printed: string): void {
  mkdirSync(path.join(toolsDir, 'bin'), { recursive: true });
  writeFileSync(path.join(toolsDir, 'bin', name), `#!/bin/sh\necho "${name} ${printed}"\n`, { mode: 0o755 });
}

describe('probing a pinned tool', () => {
  let toolsDir: string;
  beforeAll(() => {
    toolsDir = mkdtempSync(path.join(tmpdir(), 'b2-probe-'));
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    rmSync(toolsDir, { recursive: true, force: true });
  });

  it('accepts a tool that reports exactly the pinned version', async () => {
    const { probe } = await probeModule(toolsDir);
    const { TOOLS } = await import('../../../pipeline/toolchain/versions');
    fakeTool(toolsDir, 'semgrep', TOOLS.semgrep.version);
    const state = await probe('semgrep');
    expect(state).toMatchObject({
      ok: true,
      found: TOOLS.semgrep.version,
      path: path.join(toolsDir, 'bin', 'semgrep'),
    });
  });

  it('rejects a tool of another version and says which version it found', async () => {
    const { probe, requireTool } = await probeModule(toolsDir);
    fakeTool(toolsDir, 'cfn-lint', '0.1.0');
    expect(await probe('cfn-lint')).toMatchObject({ ok: false, found: '0.1.0' });
    await expect(requireTool('cfn-lint')).rejects.toThrow(
      /cfn-lint 0\.1\.0 is installed but \S+ is pinned: run `npx projen tools:install`/,
    );
  });

  it('reports a missing tool as missing, with the command that installs it', async () => {
    const { probe, requireTool } = await probeModule(toolsDir);
    expect(await probe('gitleaks')).toMatchObject({ ok: false, found: undefined, path: undefined });
    await expect(requireTool('gitleaks')).rejects.toThrow('gitleaks is not installed: run `npx projen tools:install`');
  });

  it("finds the local releases' Node in its own folder, by the version it prints", async () => {
    const { probe } = await probeModule(toolsDir);
    const { TOOLS } = await import('../../../pipeline/toolchain/versions');
    const bin = path.join(toolsDir, 'node', 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'node'), `#!/bin/sh\necho "v${TOOLS.node.version}"\n`, { mode: 0o755 });
    expect(await probe('node')).toMatchObject({ ok: true, found: TOOLS.node.version, path: path.join(bin, 'node') });
    writeFileSync(path.join(bin, 'node'), '#!/bin/sh\necho "v20.19.0"\n', { mode: 0o755 });
    expect(await probe('node')).toMatchObject({ ok: false, found: '20.19.0' });
  });

  it('does not count DynamoDB Local as installed without its native sqlite4java library', async () => {
    const { probe, dynamodbLocalLibDir } = await probeModule(toolsDir);
    const { TOOLS } = await import('../../../pipeline/toolchain/versions');
    const lib = dynamodbLocalLibDir();
    mkdirSync(lib, { recursive: true });
    writeFileSync(path.join(lib, `DynamoDBLocal-${TOOLS['dynamodb-local'].version}.jar`), '');
    expect(await probe('dynamodb-local')).toMatchObject({ ok: false });
    writeFileSync(path.join(lib, 'libsqlite4java-linux-amd64-1.0.392.so'), '');
    expect(await probe('dynamodb-local')).toMatchObject({ ok: true, found: TOOLS['dynamodb-local'].version });
  });
});
