import { defineConfig } from 'vitest/config';

/**
 * `integration` runs over HTTP against a deployed environment, so it joins a run only when
 * B2_API_URL names one: `npx projen test:integration` (which checks the URL first) sets it, a
 * plain `npx projen test` does not. The gates tier starts a local environment and runs the
 * integration task against it, so the plain run still proves the tier works.
 */
const integration = process.env.B2_API_URL
  ? [
      {
        extends: true as const,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/support/global-setup.ts'],
          testTimeout: 60_000,
        },
      },
    ]
  : [];

/**
 * Tiers: `unit` needs nothing but Node; `gates` runs the real tools (eslint, projen, semgrep,
 * gitleaks, k6, DynamoDB Local, Chromium) against known-good and known-bad inputs; and
 * `integration` (above).
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
      ...integration,
    ],
  },
});
