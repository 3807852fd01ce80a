import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScratchProject } from '../harness/scratch-project';

describe('the generated-file drift check', () => {
  let project: ScratchProject;
  beforeAll(() => {
    project = new ScratchProject();
  });
  afterAll(() => project.dispose());

  it('passes when every generated file is what .projenrc.ts produces', () => {
    const result = project.run('check:drift');
    expect(result.output).toContain('generated files match .projenrc.ts');
    expect(result.status).toBe(0);
  });

  it('fails and names the file when a generated file was edited by hand', () => {
    const tsconfig = readFileSync(path.join(project.root, 'tsconfig.json'), 'utf8');
    project.write('tsconfig.json', tsconfig.replace('"strict": true', '"strict": false'));
    const result = project.run('check:drift');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('drift: tsconfig.json differs from what .projenrc.ts generates');
    project.write('tsconfig.json', tsconfig);
  });
});
