import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { couldNotCheck } from '../../../pipeline/local/report/run-results';
import { GATES } from '../../../pipeline/model';

describe("reading a gate's own verdict from its report", () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  function reports(status: string): string {
    const root = mkdtempSync(path.join(tmpdir(), 'b2-reports-'));
    dirs.push(root);
    mkdirSync(path.join(root, 'deps'));
    writeFileSync(
      path.join(root, 'deps', 'audit.json'),
      JSON.stringify({ gate: 'deps', status, cause: 'registry answered 405' }),
    );
    return root;
  }

  it('tells "could not check" apart from "found something" for a gate that can say so', () => {
    expect(couldNotCheck(GATES.deps, reports('unavailable'))).toBe(true);
    expect(couldNotCheck(GATES.deps, reports('blocked'))).toBe(false);
  });

  it('never reads "could not check" into a gate that has no such outcome, or a missing report', () => {
    expect(couldNotCheck(GATES.lint, reports('unavailable'))).toBe(false);
    const empty = mkdtempSync(path.join(tmpdir(), 'b2-empty-'));
    dirs.push(empty);
    expect(couldNotCheck(GATES.deps, empty)).toBe(false);
  });
});
