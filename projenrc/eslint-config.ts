import { FileBase, IResolver, Project } from 'projen';

/** A rule's setting as eslint takes it: a level, or a level and its options. */
export type RuleSetting = string | readonly unknown[];

/** One block of the flat config: its rules, for some files or for all. */
export interface ConfigBlock {
  /** The files it applies to. @default every linted file */
  readonly files?: readonly string[];
  readonly rules: Record<string, RuleSetting>;
}

export interface EslintFlatConfigProps {
  /** The TypeScript files eslint lints, as glob patterns. */
  readonly files: readonly string[];
  /** Paths eslint never reads. */
  readonly ignores: readonly string[];
  /** The tsconfig the type-aware rules and the import resolver read. */
  readonly tsconfig: string;
  /** Modules a runtime provides rather than a package (`import-x/core-modules`), like Node's own. */
  readonly coreModules: readonly string[];
  /** The project's rules, after the shared configs they override. */
  readonly rules: Record<string, RuleSetting>;
  /** Rules for some files, after the project's rules. */
  readonly overrides: readonly ConfigBlock[];
}

/**
 * `eslint.config.mjs`, the flat config ESLint 10 reads: the shared configs (eslint's and
 * typescript-eslint's recommended, import-x's TypeScript settings, prettier), then the project's
 * rules and overrides, which are typed data here and written into the module as JSON. Projen's own
 * Eslint component still writes the retired `.eslintrc.json`, so the project does not use it.
 */
export class EslintFlatConfig extends FileBase {
  private readonly props: EslintFlatConfigProps;
  private readonly devDependencyPatterns: string[] = [];

  constructor(project: Project, props: EslintFlatConfigProps) {
    super(project, 'eslint.config.mjs', { marker: true, readonly: true });
    this.props = props;
  }

  /** Lets files matching `pattern` import development dependencies (`import-x/no-extraneous-dependencies`). */
  allowDevDeps(pattern: string): void {
    this.devDependencyPatterns.push(pattern);
  }

  protected synthesizeContent(resolver: IResolver): string | undefined {
    const json = (value: unknown): string => JSON.stringify(resolver.resolve(value), null, 2);
    const rules = {
      ...this.props.rules,
      'import-x/no-extraneous-dependencies': [
        'error',
        { devDependencies: this.devDependencyPatterns, optionalDependencies: false, peerDependencies: true },
      ],
    };
    const files = json(this.props.files);
    return [
      `// ${this.marker}`,
      "import js from '@eslint/js';",
      "import { defineConfig } from 'eslint/config';",
      "import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';",
      "import { createNodeResolver, importX } from 'eslint-plugin-import-x';",
      "import noUnsanitized from 'eslint-plugin-no-unsanitized';",
      "import prettierRecommended from 'eslint-plugin-prettier/recommended';",
      "import security from 'eslint-plugin-security';",
      "import tseslint from 'typescript-eslint';",
      '',
      `const files = ${files};`,
      '',
      'export default defineConfig(',
      `  { ignores: ${json(this.props.ignores)} },`,
      '  { files, extends: [js.configs.recommended, tseslint.configs.recommended, importX.flatConfigs.typescript] },',
      '  { files, ...prettierRecommended },',
      '  {',
      '    files,',
      "    plugins: { 'import-x': importX, security, 'no-unsanitized': noUnsanitized },",
      '    languageOptions: {',
      '      parser: tseslint.parser,',
      `      parserOptions: { project: ${json(this.props.tsconfig)}, tsconfigRootDir: import.meta.dirname },`,
      '    },',
      '    settings: {',
      "      'import-x/resolver-next': [",
      `        createTypeScriptImportResolver({ project: ${json(this.props.tsconfig)}, alwaysTryTypes: true }),`,
      '        createNodeResolver(),',
      '      ],',
      // Without this, no-cycle's graph of the project also parses the type declarations of every
      // installed package it reaches; no package imports back into the project.
      "      'import-x/ignore': ['node_modules'],",
      `      'import-x/core-modules': ${json(this.props.coreModules)},`,
      '    },',
      `    rules: ${json(rules).replace(/\n/g, '\n    ')},`,
      '  },',
      ...this.props.overrides.map(
        (block) =>
          `  { files: ${json(block.files ?? this.props.files).replace(/\n/g, '\n  ')}, rules: ${json(block.rules).replace(/\n/g, '\n  ')} },`,
      ),
      ');',
      '',
    ].join('\n');
  }
}
