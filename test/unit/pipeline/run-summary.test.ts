import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { acquireRunLock, newRunId } from '../../../pipeline/local/run/run-record';

describe('runs and the run lock', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'b2-workspace-'));
    vi.stubEnv('B2_PIPELINE_DIR', dir);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names a run by its start time and commit, so the names sort by time', () => {
    expect(newRunId('abc1234def', new Date('2025-03-04T05:06:07.890Z'))).toBe('20250304T050607Z-abc1234');
  });

  it('lets one run drive the environments at a time', () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(path.join(dir, 'run.lock'), JSON.stringify({ pid: holder.pid, runId: 'other-run' }));
      expect(() => acquireRunLock('mine')).toThrow(/run other-run \(process \d+\) is driving the environments/);
    } finally {
      holder.kill();
    }
  });

  it('takes over the lock of a run whose process is gone, and releases it', async () => {
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => gone.once('exit', resolve));
    writeFileSync(path.join(dir, 'run.lock'), JSON.stringify({ pid: gone.pid, runId: 'crashed-run' }));
    const release = acquireRunLock('mine');
    expect(() => acquireRunLock('second')).toThrow(/run mine/);
    release();
    expect(() => acquireRunLock('again')()).not.toThrow();
  });
});
