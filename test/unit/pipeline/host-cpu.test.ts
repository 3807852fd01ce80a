import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCpuTimes, readCpuTimes, stealShare } from '../../../pipeline/kit/host-cpu';

/** The head of a real `/proc/stat` from a two-core virtual machine. */
const STAT = `cpu  4416895 7197 410156 7692909 44742 0 35600 410319 0 0
cpu0 2214378 3890 202169 3841500 27445 0 14915 203739 0 0
cpu1 2202517 3307 207987 3851409 17297 0 20684 206579 0 0
intr 1 2 3
`;

describe("the host's CPU times", () => {
  it("read the aggregate line's eight columns, steal last (guest time is already inside user)", () => {
    expect(parseCpuTimes(STAT)).toEqual({
      total: 4416895 + 7197 + 410156 + 7692909 + 44742 + 0 + 35600 + 410319,
      steal: 410319,
    });
  });

  it('are unknown where the file has no aggregate line, or there is no such file', () => {
    expect(parseCpuTimes('intr 1 2 3\n')).toBeUndefined();
    expect(readCpuTimes(path.join(mkdtempSync(path.join(tmpdir(), 'b2-cpu-')), 'absent'))).toBeUndefined();
  });

  it('read the stat file they are given', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'b2-cpu-'));
    writeFileSync(path.join(dir, 'stat'), STAT);
    expect(readCpuTimes(path.join(dir, 'stat'))?.steal).toBe(410319);
  });

  it("give the host's share of the time between two readings, and nothing without two", () => {
    expect(stealShare({ total: 1_000, steal: 100 }, { total: 1_200, steal: 160 })).toBeCloseTo(0.3);
    expect(stealShare({ total: 1_000, steal: 100 }, { total: 1_000, steal: 100 })).toBeUndefined();
    expect(stealShare(undefined, { total: 1_200, steal: 160 })).toBeUndefined();
  });
});
