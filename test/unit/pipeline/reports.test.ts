import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { reportDir, reportsRoot } from '../../../pipeline/kit/reports';
import { PROJECT_ROOT } from '../../../pipeline/toolchain/paths';

describe('where gates write their reports', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('uses the project reports folder when no run folder is given', () => {
    vi.stubEnv('B2_REPORTS_DIR', '');
    expect(reportsRoot()).toBe(path.join(PROJECT_ROOT, 'reports'));
  });

  it("uses the run's folder when an engine sets B2_REPORTS_DIR, and creates one folder per gate", () => {
    const runDir = mkdtempSync(path.join(tmpdir(), 'b2-run-'));
    try {
      vi.stubEnv('B2_REPORTS_DIR', runDir);
      const dir = reportDir('sast');
      expect(dir).toBe(path.join(runDir, 'sast'));
      expect(existsSync(dir)).toBe(true);
    } finally {
      rmSync(runDir, { recursive: true, force: true });
    }
  });
});
