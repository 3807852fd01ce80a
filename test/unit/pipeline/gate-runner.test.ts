import { describe, expect, it } from 'vitest';
import { summaryLine } from '../../../pipeline/local/run/gate-runner';

describe("a gate's summary line", () => {
  const eslint = [
    '👾 lint » eslint | eslint --ext .ts service',
    '/work/main/service/src/a.ts',
    '  83:34  error  Replace `x` with `y`  prettier/prettier',
    '✖ 1 problem (1 error, 0 warnings)',
    '  1 error and 0 warnings potentially fixable with the `--fix` option.',
    '👾 Task "lint » eslint" failed when executing "eslint …"',
  ].join('\n');

  it('is the line that states the failure when the gate failed, not the hint after it or the task banner', () => {
    expect(summaryLine(eslint, true)).toBe('✖ 1 problem (1 error, 0 warnings)');
  });

  it("is the gate's last line when it passed, without colours", () => {
    expect(
      summaryLine('ok   health\n\u001b[32msmoke passed against http://127.0.0.1:4102 in 1.2 s\u001b[39m\n', false),
    ).toBe('smoke passed against http://127.0.0.1:4102 in 1.2 s');
  });
});
