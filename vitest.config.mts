import { defineConfig } from 'vitest/config';

/**
 * Two tiers: `unit` needs nothing but Node; `gates` runs the real tools (eslint, projen,
 * semgrep, gitleaks, k6, DynamoDB Local, Chromium) against known-good and known-bad inputs.
 */
export default defineConfig({
  test: {
    reporters: ['default', 'junit'],
    outputFile: { junit: 'reports/test/junit.xml' },
    coverage: {
      provider: 'v8',
      include: ['service/**/*.ts', 'stages/**/*.ts', 'pipeline/**/*.ts', 'security/**/*.ts', 'loadtest/**/*.ts'],
      // The semgrep rules' test files are scanned, never run.
      exclude: ['**/*.test.ts', '**/fixtures/**', 'security/semgrep/rules/**'],
      reporter: ['text-summary', 'json-summary', 'html'],
      reportsDirectory: 'reports/test/coverage',
    },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 30_000 } },
      {
        extends: true,
        test: { name: 'gates', include: ['test/gates/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 300_000 },
      },
    ],
  },
});
