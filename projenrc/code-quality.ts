import { Component, javascript, Task } from 'projen';
import { TypeScriptProject } from 'projen/lib/typescript';

export interface CodeQualityProps {
  /** Folders whose TypeScript ships (to Lambda or in the CDK app): they may import only runtime dependencies. */
  readonly runtimeFolders: string[];
  /** Folders of build, check and test code, which may import development dependencies too. */
  readonly devFolders: string[];
}

/**
 * The lint gate: eslint (typescript-eslint rules) and prettier (as an eslint rule, so one run
 * reports both). `lint` only checks and fails on any finding, warnings included; `lint:fix` rewrites.
 * `typecheck` runs the compiler over every folder.
 */
export class CodeQuality extends Component {
  readonly lintTask: Task;
  readonly typecheckTask: Task;

  constructor(project: TypeScriptProject, props: CodeQualityProps) {
    super(project);

    new javascript.Prettier(project, {
      settings: { singleQuote: true, printWidth: 120, trailingComma: javascript.TrailingComma.ALL },
      ignoreFileOptions: {
        ignorePatterns: ['!.projenrc.ts', '.tools/', 'reports/', '.pipeline/', 'cdk.out/', 'dist/', 'coverage/'],
      },
    });
    const eslint = new javascript.Eslint(project, {
      dirs: props.runtimeFolders,
      devdirs: [...props.devFolders, '.projenrc.ts', 'vitest.config.mts'],
      prettier: true,
      fileExtensions: ['.ts', '.mts'],
      tsconfigPath: './tsconfig.json',
      ignorePatterns: [
        '!.projenrc.ts',
        '*.js',
        '*.mjs',
        '*.d.ts',
        'node_modules/',
        'coverage/',
        'dist/',
        'cdk.out/',
        '.tools/',
        '.pipeline/',
        'reports/',
      ],
      commandOptions: { fix: false, extraArgs: ['--max-warnings=0'] },
    });
    eslint.addExtends('eslint:recommended', 'plugin:@typescript-eslint/recommended');
    eslint.allowDevDeps('.projenrc.ts');
    eslint.allowDevDeps('vitest.config.mts');
    // Projen's defaults are caret ranges; the project pins what it lints with.
    project.addDevDeps(
      'eslint@9.39.5',
      '@typescript-eslint/eslint-plugin@8.73.0',
      '@typescript-eslint/parser@8.73.0',
      'eslint-import-resolver-typescript@4.4.5',
      'eslint-plugin-import@2.32.0',
      'prettier@3.10.1',
      'eslint-plugin-prettier@5.5.7',
      'eslint-config-prettier@10.1.8',
    );

    project.tasks.removeTask('lint');
    this.lintTask = project.addTask('lint', {
      description: 'Gate: eslint and prettier over the TypeScript; fails on any finding',
    });
    this.lintTask.spawn(eslint.eslintTask);
    const fix = project.addTask('lint:fix', { description: 'Rewrite what eslint and prettier can fix' });
    fix.spawn(eslint.eslintTask, { args: ['--fix'] });

    this.typecheckTask = project.addTask('typecheck', {
      description: 'Type-check every folder (nothing is emitted: tsx, esbuild and vite run the TypeScript)',
      exec: 'tsc --noEmit -p tsconfig.json',
    });
    project.compileTask.reset();
    project.compileTask.spawn(this.typecheckTask);
  }
}
