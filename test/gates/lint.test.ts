import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectFiles } from '../../pipeline/checks/project-copy';
import { SECURITY_RULES } from '../../projenrc/code-quality';
import { corpusFiles, describeFinding, expectedFindings, REQUEST_HANDLER_SNIPPETS } from '../harness/sast-corpus';
import { PROJECT_ROOT, ScratchProject, TaskResult } from '../harness/scratch-project';

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

/** Each planted file with what it breaks; one lint run over one copy reads them all. */
const PLANTED: Record<string, string> = {
  'service/planted-eslint.ts': WELL_FORMED.replace('return values', 'var unused = 1;\n  return values'),
  'service/planted-format.ts': WELL_FORMED.replace('(sum, value) => sum + value', '(sum,value)=>sum+value'),
  'pipeline/model/planted-cdk.ts': `import { RemovalPolicy } from 'aws-cdk-lib';

export const PLANTED_POLICY = RemovalPolicy.RETAIN;
`,
  'pipeline/local/planted-engine.ts': "export const PLANTED_ENGINE = 'local';\n",
  'stages/planted-stage.ts': "export const PLANTED_STAGE = 'dev';\n",
  'pipeline/model/planted-engine-import.ts': `import { PLANTED_ENGINE } from '../local/planted-engine';
import { PLANTED_STAGE } from '../../stages/planted-stage';

export const PLANTED = [PLANTED_ENGINE, PLANTED_STAGE];
`,
  'pipeline/model/planted-type.ts': `import type { ToolName } from '../toolchain/versions';

export const PLANTED_TOOLS: readonly ToolName[] = ['k6'];
`,
  'pipeline/model/planted-value.ts': `import { ToolName } from '../toolchain/versions';

export const PLANTED_TOOLS: readonly ToolName[] = ['k6'];
`,
  'pipeline/kit/planted-a.ts': `import { double } from './planted-b';

export function quadruple(n: number): number {
  return double(double(n));
}

export function half(n: number): number {
  return n / 2;
}
`,
  'pipeline/kit/planted-b.ts': `import { half } from './planted-a';

export function double(n: number): number {
  return n * 2;
}

export function unchanged(n: number): number {
  return double(half(n));
}
`,
  'service/src/planted-request-handlers.ts': REQUEST_HANDLER_SNIPPETS,
  'service/src/planted.ts': `import { ENVIRONMENT_NAMES } from '../../pipeline/model';

export const PLANTED_NAMES = [...ENVIRONMENT_NAMES];
`,
};

describe('the lint gate', () => {
  it('passes on well-formed, well-formatted code', () => {
    const project = new ScratchProject();
    try {
      project.write('service/planted.ts', WELL_FORMED);
      const result = project.run('lint');
      expect(result.output).not.toMatch(/error|warning/i);
      expect(result.status).toBe(0);
    } finally {
      project.dispose();
    }
  });

  describe('on planted bad code', () => {
    let project: ScratchProject;
    let result: TaskResult;
    /** What lint said of one planted file, one finding a line. */
    const findings = (file: string): string => findingsFor(result.stdout, file).join('\n');

    beforeAll(() => {
      project = new ScratchProject();
      for (const [file, content] of Object.entries(PLANTED)) project.write(file, content);
      result = project.run('lint');
    });
    afterAll(() => project.dispose());

    it('fails, and names every planted file that breaks a rule', () => {
      expect(result.status).not.toBe(0);
      for (const file of Object.keys(PLANTED).filter((f) => !/planted-(engine|stage|type)\.ts$/.test(f))) {
        expect(findings(file), file).toMatch(/error/);
      }
    });

    it('fails on an eslint error and names the file and the rule', () => {
      expect(findings('service/planted-eslint.ts')).toMatch(/no-var|no-unused-vars/);
    });

    it('fails on a formatting error alone', () => {
      expect(findings('service/planted-format.ts')).toContain('prettier/prettier');
    });

    it('fails when the pipeline model imports the CDK, and names the rule', () => {
      expect(findings('pipeline/model/planted-cdk.ts')).toMatch(
        /'aws-cdk-lib'.*engine-free.*@typescript-eslint\/no-restricted-imports/,
      );
    });

    it("fails when the pipeline model imports an engine or a stage, with the model layer's message", () => {
      const layer = findingsFor(result.stdout, 'pipeline/model/planted-engine-import.ts').filter((line) =>
        line.includes('import-x/no-restricted-paths'),
      );
      expect(layer).toHaveLength(2);
      expect(layer[0]).toContain('"../local/planted-engine"');
      expect(layer[1]).toContain('"../../stages/planted-stage"');
      for (const line of layer) expect(line).toContain('The pipeline model is engine-free');
    });

    it('lets the pipeline model take the tool names from the toolchain as a type, and only as a type', () => {
      expect(findings('pipeline/model/planted-type.ts')).toBe('');
      expect(findings('pipeline/model/planted-value.ts')).toMatch(
        /write `import type`.*@typescript-eslint\/no-restricted-imports/,
      );
    });

    it('fails on two files that import each other, naming the cycle rule', () => {
      for (const file of ['pipeline/kit/planted-a.ts', 'pipeline/kit/planted-b.ts']) {
        expect(findings(file)).toMatch(/Dependency cycle detected.*import-x\/no-cycle/);
      }
    });

    it('fails on code evaluated from a standard Request, naming the security rules and each line', () => {
      const findingsOn = (line: number): string =>
        findingsFor(result.stdout, 'service/src/planted-request-handlers.ts')
          .filter((finding) => finding.trim().startsWith(`${line}:`))
          .join('\n');
      expect(findingsOn(5)).toMatch(/error .*no-eval/);
      expect(findingsOn(5)).toMatch(/error .*security\/detect-eval-with-expression/);
      expect(findingsOn(10)).toMatch(/error .*no-new-func/);
      expect(findingsOn(10)).toMatch(/error .*@typescript-eslint\/no-implied-eval/);
    });

    it('fails when the Lambda code imports from the pipeline', () => {
      expect(findings('service/src/planted.ts')).toContain('"../../pipeline/model"');
      expect(findings('service/src/planted.ts')).toMatch(/Lambda runtime code.*import-x\/no-restricted-paths/);
    });
  });
});

/** One eslint finding as the JSON formatter writes it. */
interface EslintFile {
  readonly filePath: string;
  readonly messages: ReadonlyArray<{ readonly ruleId: string | null; readonly line: number }>;
}

describe("the lint gate's security rules", () => {
  it('report every line of the SAST corpus annotated for them, and nothing in a safe lookalike', () => {
    // The project's config skips the corpus (bad on purpose); --rule turns the security rules back on
    // there, the rest of the config as the gate runs it.
    const enable = Object.entries(SECURITY_RULES).map(([rule, level]) => `--rule=${JSON.stringify({ [rule]: level })}`);
    const run = spawnSync('npx', ['eslint', '--format', 'json', ...enable, 'security/corpus'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const reported = (JSON.parse(run.stdout) as EslintFile[])
      .flatMap((file) =>
        file.messages.map((m) =>
          describeFinding(path.relative(PROJECT_ROOT, file.filePath), m.line, m.ruleId ?? 'parse error'),
        ),
      )
      .sort();
    const expected = corpusFiles('vulnerable')
      .flatMap((file) => expectedFindings(file, 'lint'))
      .sort();
    expect(expected.length).toBeGreaterThanOrEqual(8);
    expect(reported).toEqual(expected);
  });

  it('are acknowledged only on one line, with a reason', () => {
    const security = (rule: string): boolean =>
      rule in SECURITY_RULES || rule.startsWith('security/') || rule.startsWith('no-unsanitized/');
    const directive = /eslint-(disable|enable)(-next-line|-line)?\b([^*\n]*)/g;
    const misplaced = projectFiles(PROJECT_ROOT)
      .filter((file) => /\.m?ts$/.test(file))
      .flatMap((file) =>
        [...readFileSync(path.join(PROJECT_ROOT, file), 'utf8').matchAll(directive)]
          .filter((m) => {
            const [rules, reason] = m[3].split(/\s--\s/);
            const named = rules.split(',').map((rule) => rule.trim());
            const touchesSecurity = named.length === 0 || named.some((rule) => rule === '' || security(rule));
            return touchesSecurity && (!m[2] || !reason?.trim());
          })
          .map((m) => `${file}: ${m[0].trim()}`),
      );
    expect(misplaced).toEqual([]);
  });
});
