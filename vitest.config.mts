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
 * Tests whose verdict depends on the CPU they are given, so they run alone: those that judge on
 * latency (releases delivered through the engine, whose canaries, loads and bakes compare with
 * prod's baselines; the load gate against baselines; the edge answering a normal request at once
 * after a flood of hostile ones) and the DAST gate's, whose schemathesis
 * fuzzes for a fixed time: beside another file it sent half the requests (527 against 938 in
 * 30 s) and missed the planted 500 that it finds alone.
 */
const CPU_BOUND_VERDICTS = [
  'test/gates/edge.test.ts',
  'test/gates/local-engine.test.ts',
  'test/gates/release-judgement.test.ts',
  'test/gates/rollback.test.ts',
  'test/gates/load-gate.test.ts',
  'test/gates/dast.test.ts',
];

/**
 * A worker per core for the tiers that do not judge latency: their files wait on DynamoDB Local,
 * child processes and the real tools as much as they compute, so two cores run two files well
 * (vitest's default, one core left free, runs them one at a time here).
 */
const A_WORKER_PER_CORE = '100%';

/**
 * Tiers: `unit` needs nothing but Node; `gates` runs the real tools (eslint, projen, semgrep,
 * gitleaks, k6, DynamoDB Local, Chromium) against known-good and known-bad inputs; and
 * `integration` (above); `judgement` runs the engine's deliveries one file at a time, last.
 */
export default defineConfig({
  test: {
    reporters: ['default', 'junit'],
    outputFile: { junit: 'reports/test/junit.xml' },
    // Screenshots a test attaches (annotate) sit with the test report.
    attachmentsDir: 'reports/test/attachments',
    coverage: {
      provider: 'v8',
      include: ['service/**/*.ts', 'stages/**/*.ts', 'pipeline/**/*.ts', 'security/**/*.ts', 'loadtest/**/*.ts'],
      // The semgrep rules' test files are scanned, never run.
      exclude: ['**/*.test.ts', '**/fixtures/**', 'security/semgrep/rules/**'],
      reporter: ['text-summary', 'json-summary', 'html'],
      reportsDirectory: 'reports/test/coverage',
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // One DynamoDB Local for the tier; each file makes tables of its own in it.
          globalSetup: ['test/harness/dynamodb-global-setup.ts'],
          testTimeout: 30_000,
          maxWorkers: A_WORKER_PER_CORE,
        },
      },
      {
        extends: true,
        test: {
          name: 'gates',
          include: ['test/gates/**/*.test.ts'],
          exclude: CPU_BOUND_VERDICTS,
          maxWorkers: A_WORKER_PER_CORE,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'judgement',
          include: CPU_BOUND_VERDICTS,
          testTimeout: 900_000,
          hookTimeout: 900_000,
          // Alone, and after the rest: a clean release must not be blocked, nor a planted fault
          // missed, because another test file was using both cores at the time.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      ...integration,
    ],
  },
});
