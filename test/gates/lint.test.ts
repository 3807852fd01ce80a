import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScratchProject } from '../harness/scratch-project';

const WELL_FORMED = `export function total(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0);
}
`;

/**
 * The lines eslint prints under one file (its default format: the file's path, then one indented
 * line per finding, then a blank line). The gate lints the whole copy, so a test about a planted
 * file reads that file's findings, not the run's exit status alone.
 */
function findingsFor(output: string, file: string): string[] {
  const lines = output.split('\n');
  const heading = lines.findIndex((line) => !/^\s/.test(line) && line.endsWith(`/${file}`));
  if (heading < 0) return [];
  const end = lines.findIndex((line, i) => i > heading && line.trim() === '');
  return lines.slice(heading + 1, end < 0 ? undefined : end);
}

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

  describe('holds the layers', () => {
    it('fails when the pipeline model imports the CDK, and names the file and the rule', () => {
      project.write(
        'pipeline/model/planted.ts',
        `import { RemovalPolicy } from 'aws-cdk-lib';

export const PLANTED_POLICY = RemovalPolicy.RETAIN;
`,
      );
      const result = project.run('lint');
      expect(result.status).not.toBe(0);
      expect(result.stdout).toContain('pipeline/model/planted.ts');
      const findings = findingsFor(result.stdout, 'pipeline/model/planted.ts');
      expect(findings.join('\n')).toMatch(/'aws-cdk-lib'.*engine-free.*@typescript-eslint\/no-restricted-imports/);
    });

    it("fails when the pipeline model imports an engine or a stage, with the model layer's message", () => {
      project.write('pipeline/local/planted-engine.ts', "export const PLANTED_ENGINE = 'local';\n");
      project.write('stages/planted-stage.ts', "export const PLANTED_STAGE = 'dev';\n");
      project.write(
        'pipeline/model/planted.ts',
        `import { PLANTED_ENGINE } from '../local/planted-engine';
import { PLANTED_STAGE } from '../../stages/planted-stage';

export const PLANTED = [PLANTED_ENGINE, PLANTED_STAGE];
`,
      );
      const findings = findingsFor(project.run('lint').stdout, 'pipeline/model/planted.ts');
      const layerFindings = findings.filter((line) => line.includes('import/no-restricted-paths'));
      expect(layerFindings).toHaveLength(2);
      expect(layerFindings[0]).toContain('"../local/planted-engine"');
      expect(layerFindings[1]).toContain('"../../stages/planted-stage"');
      for (const line of layerFindings) expect(line).toContain('The pipeline model is engine-free');
    });

    it('lets the pipeline model take the tool names from the toolchain as a type, and only as a type', () => {
      const importing = (kind: string): string => `import ${kind}{ ToolName } from '../toolchain/versions';

export const PLANTED_TOOLS: readonly ToolName[] = ['k6'];
`;
      project.write('pipeline/model/planted-type.ts', importing('type '));
      project.write('pipeline/model/planted-value.ts', importing(''));
      const result = project.run('lint');
      expect(findingsFor(result.stdout, 'pipeline/model/planted-type.ts')).toEqual([]);
      expect(findingsFor(result.stdout, 'pipeline/model/planted-value.ts').join('\n')).toMatch(
        /write `import type`.*@typescript-eslint\/no-restricted-imports/,
      );
    });

    it('fails on two files that import each other, naming the cycle rule', () => {
      project.write(
        'pipeline/kit/planted-a.ts',
        `import { double } from './planted-b';

export function quadruple(n: number): number {
  return double(double(n));
}

export function half(n: number): number {
  return n / 2;
}
`,
      );
      project.write(
        'pipeline/kit/planted-b.ts',
        `import { half } from './planted-a';

export function double(n: number): number {
  return n * 2;
}

export function unchanged(n: number): number {
  return double(half(n));
}
`,
      );
      const result = project.run('lint');
      expect(result.status).not.toBe(0);
      for (const file of ['pipeline/kit/planted-a.ts', 'pipeline/kit/planted-b.ts']) {
        expect(findingsFor(result.stdout, file).join('\n')).toMatch(/Dependency cycle detected.*import\/no-cycle/);
      }
    });

    it('fails when the Lambda code imports from the pipeline', () => {
      project.write(
        'service/src/planted.ts',
        `import { ENVIRONMENT_NAMES } from '../../pipeline/model';

export const PLANTED_NAMES = [...ENVIRONMENT_NAMES];
`,
      );
      const result = project.run('lint');
      expect(result.status).not.toBe(0);
      const findings = findingsFor(result.stdout, 'service/src/planted.ts').join('\n');
      expect(findings).toContain('"../../pipeline/model"');
      expect(findings).toMatch(/Lambda runtime code.*import\/no-restricted-paths/);
    });
  });
});
