import { Component, javascript, Project, Task } from 'projen';
import { TypeScriptProject } from 'projen/lib/typescript';
import { EslintFlatConfig, RuleSetting } from './eslint-config';

export interface CodeQualityProps {
  /** Folders whose TypeScript ships (to Lambda or in the CDK app): they may import only runtime dependencies. */
  readonly runtimeFolders: string[];
  /** Folders of build, check and test code, which may import development dependencies too. */
  readonly devFolders: string[];
}

/** The folders of the model, the engines and the shared kit, from the project root. */
const MODEL = 'pipeline/model';
const AWS_ENGINE = 'pipeline/aws';
const LOCAL_ENGINE = 'pipeline/local';
const KIT = 'pipeline/kit';
const TOOLCHAIN = 'pipeline/toolchain';

/**
 * The layers, as `import-x/no-restricted-paths` zones: a file under `target` may not import a file
 * under `from` (except the `except` paths, relative to `from`). `from: '.'` with exceptions reads
 * "imports only these". Installed packages resolve into `node_modules/`, which the "only" zones
 * except: which packages a layer may use is `no-restricted-imports`' business (see the model's
 * override below).
 */
export const LAYER_ZONES = [
  {
    target: MODEL,
    from: '.',
    except: [`./${MODEL}`, `./${TOOLCHAIN}/versions.ts`, './node_modules'],
    message:
      'The pipeline model is engine-free: it imports only itself (and the tool names from pipeline/toolchain/versions, as `import type`).',
  },
  {
    target: 'service/src',
    from: '.',
    except: ['./service/src', './node_modules'],
    message: 'The Lambda runtime code (service/src) imports only itself and its runtime packages.',
  },
  {
    target: KIT,
    from: '.',
    except: [`./${KIT}`, `./${TOOLCHAIN}`, './node_modules'],
    message: 'The shared kit (pipeline/kit) imports only itself and the toolchain, so every layer can use it.',
  },
  {
    target: ['service', 'loadtest', 'security', 'stages'],
    from: [LOCAL_ENGINE, AWS_ENGINE, 'projenrc'],
    message:
      'The service, the load tests, the security gates and the stages are run by the engines, never the other way: they import neither an engine (pipeline/local, pipeline/aws) nor the project definition (projenrc). Shared helpers live in pipeline/kit.',
  },
  {
    target: LOCAL_ENGINE,
    from: [AWS_ENGINE, 'stages', 'projenrc'],
    message:
      'The local engine does not import the AWS engine, the CDK stages or the project definition: what both engines need lives in the model or the kit.',
  },
  {
    target: AWS_ENGINE,
    from: [LOCAL_ENGINE, 'projenrc'],
    message:
      'The AWS engine does not import the local engine or the project definition: what both engines need lives in the model or the kit.',
  },
  {
    target: TOOLCHAIN,
    from: [LOCAL_ENGINE, AWS_ENGINE, MODEL],
    message: 'The toolchain (pinned tools) sits below the model and the engines: it imports neither.',
  },
];

/**
 * The project's general rules, beside the recommended sets: those projen's Eslint component set
 * (the project no longer uses it; see `EslintFlatConfig`), with import-x in place of eslint-plugin-import.
 */
export const PROJECT_RULES: Record<string, RuleSetting> = {
  curly: ['error', 'multi-line', 'consistent'],
  '@typescript-eslint/no-require-imports': 'error',
  'import-x/no-unresolved': ['error'],
  // eslint-plugin-import left a sibling (`./a`) and a parent (`../b`) path unordered; import-x orders
  // them, so siblings are a group of their own ahead of the parents, as most files already had them.
  'import-x/order': [
    'warn',
    {
      groups: ['builtin', 'external', ['sibling', 'index'], 'parent'],
      alphabetize: { order: 'asc', caseInsensitive: true },
    },
  ],
  'import-x/no-duplicates': ['error'],
  'no-shadow': ['off'],
  '@typescript-eslint/no-shadow': 'error',
  '@typescript-eslint/no-floating-promises': 'error',
  'no-return-await': ['off'],
  '@typescript-eslint/return-await': 'error',
  'dot-notation': ['error'],
  'no-bitwise': ['error'],
  // New in ESLint 10's recommended set; the project's errors name their cause in the message, and
  // adopting `{ cause }` everywhere is a change of its own, not part of the upgrade.
  'preserve-caught-error': 'off',
  '@typescript-eslint/member-ordering': [
    'error',
    {
      default: [
        'public-static-field',
        'public-static-method',
        'protected-static-field',
        'protected-static-method',
        'private-static-field',
        'private-static-method',
        'field',
        'constructor',
        'method',
      ],
    },
  ],
};

/**
 * Bad on purpose, scanned by the gate tests only: the semgrep rules' fixtures and the SAST corpus
 * (security/corpus). They are still formatted and type-checked; only the security rules skip them.
 */
export const SECURITY_FIXTURES = ['security/semgrep/rules/**', 'security/corpus/**'];

/**
 * The lint gate's security rules: a second ruleset beside the project's semgrep rules, written and
 * kept by others (eslint-plugin-security, Mozilla's eslint-plugin-no-unsanitized, and eslint's and
 * typescript-eslint's code-evaluation rules), so a class of bug the project's own rules miss still
 * fails the build. Every rule of both plugins is listed with its decision. Acknowledge one finding
 * on its line: `// eslint-disable-next-line <rule> -- <why this line is safe>`.
 */
export const SECURITY_RULES: Record<string, string> = {
  // Code evaluated from a string: eval, the Function constructor, a string given to a timer.
  'no-eval': 'error',
  'no-new-func': 'error',
  // typescript-eslint's version also knows the Function constructor and typed string arguments.
  'no-implied-eval': 'off',
  '@typescript-eslint/no-implied-eval': 'error',
  'security/detect-eval-with-expression': 'error',
  'security/detect-child-process': 'error',
  'security/detect-non-literal-require': 'error',
  'security/detect-non-literal-regexp': 'error',
  'security/detect-new-buffer': 'error',
  'security/detect-buffer-noassert': 'error',
  'security/detect-pseudoRandomBytes': 'error',
  'security/detect-no-csrf-before-method-override': 'error',
  'security/detect-disable-mustache-escape': 'error',
  'security/detect-bidi-characters': 'error',
  'security/detect-invisible-characters': 'error',
  // HTML built from strings in the web front end (innerHTML, insertAdjacentHTML, document.write).
  'no-unsanitized/method': 'error',
  'no-unsanitized/property': 'error',
  // Reports every `a[b]` with a variable b (each Record lookup and array index): hundreds here,
  // none a prototype-pollution sink (no request data picks a key to write), so a real one would drown.
  'security/detect-object-injection': 'off',
  // Reports every fs call whose path is not a literal: ~280 here, all paths built from the project's
  // folders, the reports folder or configuration; neither the Lambda nor the web code reads a file
  // named by a request.
  'security/detect-non-literal-fs-filename': 'off',
  // safe-regex's star-height count: it reports linear patterns such as an optional group holding a
  // `+` (`(?:\?([\w-]+))?`). Every regex it reported here was linear and read the project's own
  // settings or reports.
  'security/detect-unsafe-regex': 'off',
  // Reports any `===` whose operand is named like a token, hash or password. The service compares
  // only SHA-256 digests of tokens (their timing says nothing of the token), and the comparisons where
  // timing matters, JWT signatures, happen inside jose.
  'security/detect-possible-timing-attacks': 'off',
};

/** Where `typecheck` keeps tsc's incremental record (under node_modules/.cache: git-ignored, never shipped). */
const TYPECHECK_BUILD_INFO = 'node_modules/.cache/b2/typecheck.tsbuildinfo';

/**
 * The lint gate: eslint (typescript-eslint rules) and prettier (as an eslint rule, so one run
 * reports both), with the security rules above. `lint` only checks and fails on any finding,
 * warnings included; `lint:fix` rewrites.
 * `typecheck` runs the compiler over every folder. The lint gate also holds the layering (see
 * `LAYER_ZONES` and README.md's Layers): a wrong-way import or an import cycle fails like any finding.
 */
export class CodeQuality extends Component {
  /** The component of a project, for the components that widen what it allows. */
  static of(project: Project): CodeQuality | undefined {
    return project.components.find((c): c is CodeQuality => c instanceof CodeQuality);
  }

  readonly lintTask: Task;
  readonly typecheckTask: Task;
  readonly eslintConfig: EslintFlatConfig;

  constructor(project: TypeScriptProject, props: CodeQualityProps) {
    super(project);

    new javascript.Prettier(project, {
      settings: { singleQuote: true, printWidth: 120, trailingComma: javascript.TrailingComma.ALL },
      ignoreFileOptions: {
        ignorePatterns: ['!.projenrc.ts', '.tools/', 'reports/', '.pipeline/', 'cdk.out/', 'dist/', 'coverage/'],
      },
    });
    const lintedDirs = [...props.runtimeFolders, ...props.devFolders, '.projenrc.ts', 'vitest.config.mts'];
    this.eslintConfig = new EslintFlatConfig(project, {
      files: ['**/*.ts', '**/*.mts'],
      ignores: [
        '**/*.js',
        '**/*.mjs',
        '**/*.d.ts',
        'node_modules/',
        'coverage/',
        'dist/',
        'cdk.out/',
        '.tools/',
        '.pipeline/',
        'reports/',
      ],
      tsconfig: './tsconfig.json',
      // k6 provides these to the load scripts it runs (their types come from @types/k6).
      coreModules: ['k6', 'k6/execution', 'k6/http', 'k6/options', 'k6/metrics', 'k6/data', 'k6/crypto', 'k6/encoding'],
      rules: {
        ...PROJECT_RULES,
        ...SECURITY_RULES,
        // Type-only imports do not count (they vanish at run time); installed packages are not followed.
        // No maxDepth: the rule's cost is parsing each imported file once, the same with maxDepth 1 or
        // unlimited, so a cycle through any number of files fails.
        'import-x/no-cycle': ['error', { ignoreExternal: true }],
        'import-x/no-restricted-paths': ['error', { zones: LAYER_ZONES }],
      },
      overrides: [
        {
          files: [`${MODEL}/**`],
          rules: {
            // Paths say which project folders the model may import; this says which packages it may not,
            // and that the one import from the toolchain is a type.
            '@typescript-eslint/no-restricted-imports': [
              'error',
              {
                patterns: [
                  {
                    group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'constructs/*'],
                    message:
                      'The pipeline model is engine-free: no CDK. Map the model to CDK in the stages or the AWS engine.',
                  },
                  {
                    group: ['**/toolchain/versions'],
                    allowTypeImports: true,
                    message: 'The pipeline model takes only types from the toolchain: write `import type`.',
                  },
                ],
              },
            ],
          },
        },
        {
          files: SECURITY_FIXTURES,
          rules: Object.fromEntries(Object.keys(SECURITY_RULES).map((rule) => [rule, 'off'])),
        },
        // Tests build matchers from escaped expected text; no regex there reads outside input.
        { files: ['test/**', 'e2e/**'], rules: { 'security/detect-non-literal-regexp': 'off' } },
      ],
    });
    for (const dir of props.devFolders) this.eslintConfig.allowDevDeps(`**/${dir}/**`);
    this.eslintConfig.allowDevDeps('.projenrc.ts');
    this.eslintConfig.allowDevDeps('vitest.config.mts');
    // Pinned: what the project lints with does not move between two runs.
    project.addDevDeps(
      'eslint@10.16.0',
      '@eslint/js@10.0.1',
      'typescript-eslint@8.74.0',
      'eslint-import-resolver-typescript@4.4.5',
      'eslint-plugin-import-x@4.18.1',
      'prettier@3.10.1',
      'eslint-plugin-prettier@5.5.7',
      'eslint-config-prettier@10.1.8',
      'eslint-plugin-security@4.1.0',
      'eslint-plugin-no-unsanitized@4.1.5',
    );

    if (project.tasks.tryFind('lint')) project.tasks.removeTask('lint');
    const eslint = project.addTask('eslint', {
      description: 'Runs eslint (flat config: eslint.config.mjs) against the codebase',
      exec: `eslint --max-warnings=0 --no-error-on-unmatched-pattern ${lintedDirs.join(' ')}`,
      receiveArgs: true,
    });
    this.lintTask = project.addTask('lint', {
      description:
        'Gate: eslint (with the security rules of eslint-plugin-security and eslint-plugin-no-unsanitized) and prettier over the TypeScript; fails on any finding',
    });
    this.lintTask.spawn(eslint);
    const fix = project.addTask('lint:fix', { description: 'Rewrite what eslint and prettier can fix' });
    fix.spawn(eslint, { args: ['--fix'] });

    this.typecheckTask = project.addTask('typecheck', {
      description: 'Type-check every folder (nothing is emitted: tsx, esbuild and vite run the TypeScript)',
      // Incremental: tsc keeps what it learnt of each file (by content hash) and re-checks only the
      // files a change can affect, with the same errors as a full check. The record is a cache:
      // git-ignored, and a missing one means a full check.
      exec: `tsc --noEmit --incremental --tsBuildInfoFile ${TYPECHECK_BUILD_INFO} -p tsconfig.json`,
    });
    project.compileTask.reset();
    project.compileTask.spawn(this.typecheckTask);
  }
}
