import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../../pipeline/kit/cli';
import { duration, parseDurationMs } from '../../../pipeline/kit/durations';
import { escapeHtml } from '../../../pipeline/kit/html';
import { failedTestCases, renderJunit } from '../../../pipeline/kit/junit';
import { runCommand } from '../../../pipeline/kit/task-process';
import { startupCause } from '../../../pipeline/local/release/release-process';
import { failingTestsLine } from '../../../pipeline/local/run/gate-runner';
import { GATES } from '../../../pipeline/model';

const scratch = mkdtempSync(path.join(tmpdir(), 'b2-kit-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the command line', () => {
  const OPTIONS = { approve: { type: 'boolean' }, by: { type: 'string' } } as const;

  it('reads options after the `--` that projen hands over', () => {
    const { values, positionals } = parseCommandLine(['--', 'run', '--approve', '--by', 'Ann Lee'], OPTIONS);
    expect(values).toEqual({ approve: true, by: 'Ann Lee' });
    expect(positionals).toEqual(['run']);
  });

  it('refuses an unknown option in one line that lists the valid ones', () => {
    expect(() => parseCommandLine(['--aprove'], OPTIONS)).toThrow(
      "Unknown option '--aprove'; valid options: --approve, --by <value>",
    );
  });

  it('refuses an option whose value is missing, listing the valid ones', () => {
    expect(() => parseCommandLine(['--by'], OPTIONS)).toThrow(
      /argument missing; valid options: --approve, --by <value>/,
    );
  });
});

describe('durations', () => {
  it('reads the units people write, alone or combined', () => {
    expect(parseDurationMs('500ms', 'x')).toBe(500);
    expect(parseDurationMs('1m30s', 'x')).toBe(90_000);
    expect(parseDurationMs('45', 'x', { bareUnit: 's' })).toBe(45_000);
  });

  it('refuses zero unless the caller allows it, and text that is not a duration', () => {
    expect(() => parseDurationMs('0s', 'B2_X')).toThrow('B2_X=0s must be longer than zero');
    expect(parseDurationMs('0', 'x', { allowZero: true })).toBe(0);
    expect(() => parseDurationMs('soon', 'B2_X')).toThrow('B2_X=soon is not a duration');
    expect(() => parseDurationMs('3h', 'B2_X')).toThrow('B2_X=3h is not a duration');
  });

  it('prints a fraction of a millisecond rather than zero', () => {
    expect(duration(0.4)).toBe('0.4 ms');
    expect(duration(245_000)).toBe('4m05s');
  });
});

describe('html', () => {
  it('escapes what would end an element or an attribute', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('reading a JUnit report back', () => {
  const report = renderJunit({
    name: 'unit',
    suites: [
      {
        name: 'test/unit/a.test.ts',
        cases: [
          { name: 'passes', classname: 'test/unit/a.test.ts' },
          { name: 'signs in', classname: 'test/unit/a.test.ts', failure: { message: 'expected 200', type: 'assert' } },
        ],
      },
      {
        name: 'test/unit/b.test.ts',
        cases: [
          { name: 'lists <memories>', classname: 'test/unit/b.test.ts', failure: { message: 'x', type: 'assert' } },
          { name: 'skips', classname: 'test/unit/b.test.ts', skipped: 'later' },
        ],
      },
    ],
  });

  it('finds each failed case with its file, and nothing else', () => {
    expect(failedTestCases(report)).toEqual([
      { classname: 'test/unit/a.test.ts', name: 'signs in' },
      { classname: 'test/unit/b.test.ts', name: 'lists <memories>' },
    ]);
  });

  it('names the failing tests of a failed gate with their files', () => {
    const dir = path.join(scratch, 'reports');
    mkdirSync(path.join(dir, 'unit'), { recursive: true });
    writeFileSync(path.join(dir, 'unit', 'junit.xml'), report);
    expect(failingTestsLine(GATES.unit, dir)).toBe(
      '2 failed: test/unit/a.test.ts › signs in; test/unit/b.test.ts › lists <memories>',
    );
    expect(failingTestsLine(GATES.lint, dir)).toBeUndefined();
    expect(failingTestsLine(GATES.integration, dir)).toBeUndefined();
  });

  it('names the first five failing tests and counts the rest', () => {
    const dir = path.join(scratch, 'many');
    mkdirSync(path.join(dir, 'integration'), { recursive: true });
    const cases = [1, 2, 3, 4, 5, 6, 7].map((n) => ({
      name: `case ${n}`,
      classname: 'test/integration/x.test.ts',
      failure: { message: 'no', type: 'assert' },
    }));
    writeFileSync(
      path.join(dir, 'integration', 'junit.xml'),
      renderJunit({ name: 'i', suites: [{ name: 's', cases }] }),
    );
    expect(failingTestsLine(GATES.integration, dir)).toBe(
      `7 failed: ${[1, 2, 3, 4, 5].map((n) => `test/integration/x.test.ts › case ${n}`).join('; ')}; and 2 more`,
    );
  });
});

describe('a task process', () => {
  it('logs what the command prints without its colour codes', async () => {
    const log = path.join(scratch, 'coloured.log');
    const result = await runCommand(
      process.execPath,
      ['-e', "process.stdout.write('\\x1b[31mred\\x1b[39m\\n\\x1b[1mbold'); process.exit(3)"],
      { log, timeoutMs: 30_000 },
    );
    expect(result.exitCode).toBe(3);
    expect(readFileSync(log, 'utf8')).toBe('red\nbold');
    expect(result.tail).toBe('red\nbold');
  });

  it('stops a command that outlives its timeout, and says so', async () => {
    const result = await runCommand(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], {
      log: path.join(scratch, 'slow.log'),
      timeoutMs: 300,
    });
    expect(result.stoppedBecause).toBe('did not finish within 0.3 s');
  });
});

describe('why a release did not start', () => {
  it('names the error a module threw as it loaded, not its stack frames', () => {
    const output = [
      'file:///w/.pipeline/releases/r1/server/index.mjs:2',
      'settings.table.name;',
      '               ^',
      '',
      "TypeError: Cannot read properties of undefined (reading 'name')",
      '    at file:///w/.pipeline/releases/r1/server/index.mjs:2:16',
      '    at ModuleJob.run (node:internal/modules/esm/module_job:271:25)',
      '',
      'Node.js v24.11.1',
    ].join('\n');
    expect(startupCause(output)).toBe("TypeError: Cannot read properties of undefined (reading 'name')");
  });

  it('takes the last line a server printed when it exited on its own', () => {
    expect(startupCause('listening…\nb2 server did not start: B2_SIGNING_KEYS is not valid JSON\n')).toBe(
      'b2 server did not start: B2_SIGNING_KEYS is not valid JSON',
    );
    expect(startupCause('')).toBe('it printed nothing');
  });
});
