import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { defineConfig, devices } from '@playwright/test';
import { webUrlFromEnvironment } from './support/target';
import { reportDir } from '../pipeline/kit/reports';
import { toolPath } from '../pipeline/toolchain/probe';

/**
 * The e2e gate: the user journeys of the web front end in Debian's Chromium (Playwright cannot
 * download its own browsers here), against the environment at `B2_WEB_URL`.
 */

const webUrl = webUrlFromEnvironment();
const chromium = toolPath('chromium');
if (!existsSync(chromium)) {
  throw new Error(`chromium is not installed at ${chromium}: run \`npx projen tools:install\``);
}

const reports = reportDir('e2e');

/**
 * Debian's Chromium as a quiet test browser: no sandbox (it runs unprivileged in containers), and
 * nothing that phones home or starts background work while the gate measures the page.
 */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-sync',
];

export default defineConfig({
  testDir: path.join(__dirname, 'tests'),
  outputDir: path.join(reports, 'results'),
  globalSetup: path.join(__dirname, 'global-setup.ts'),
  // Each test makes its own user, so tests share nothing; two workers fit the two cores next to the service.
  fullyParallel: true,
  workers: 2,
  forbidOnly: true,
  // A gate that retries hides a flaky product; a failure keeps its trace and screenshot instead.
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: [
    ['list'],
    ['junit', { outputFile: path.join(reports, 'junit.xml') }],
    ['html', { outputFolder: path.join(reports, 'html'), open: 'never' }],
  ],
  use: {
    baseURL: webUrl,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    video: 'off',
    // A control that never appears fails its step in seconds, naming the control, not at the test's timeout.
    actionTimeout: 10_000,
    navigationTimeout: 15_000,
    launchOptions: { executablePath: chromium, args: CHROMIUM_ARGS },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
});
