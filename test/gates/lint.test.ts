import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScratchProject } from '../harness/scratch-project';

const WELL_FORMED = `export function total(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0);
}
`;

describe('the lint gate', () => {
  let project: ScratchProject;
  beforeEach(() => {
    project = new ScratchProject();
  });
  afterEach(() => project.dispose());

  it('passes on well-formed, well-formatted code', () => {
    project.write('service/planted.ts', WELL_FORMED);
    const result = project.run('lint');
    expect(result.output).not.toMatch(/error|warning/i);
    expect(result.status).toBe(0);
  });

  it('fails on an eslint error and names the file and the rule', () => {
    project.write('service/planted.ts', WELL_FORMED.replace('return values', 'var unused = 1;\n  return values'));
    const result = project.run('lint');
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain('service/planted.ts');
    expect(result.stdout).toMatch(/no-var|no-unused-vars/);
  });

  it('fails on a formatting error alone', () => {
    project.write('service/planted.ts', WELL_FORMED.replace('(sum, value) => sum + value', '(sum,value)=>sum+value'));
    const result = project.run('lint');
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain('service/planted.ts');
    expect(result.stdout).toContain('prettier/prettier');
  });
});
