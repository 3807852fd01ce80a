import { reachTarget, webUrlFromEnvironment } from './support/target';

/**
 * Runs once before any browser starts. The gate (`gate.ts`) has already found the environment;
 * a direct `playwright test` run finds it here, so the tests always know where its API is.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.B2_E2E_API_URL) return;
  const target = await reachTarget(webUrlFromEnvironment());
  process.env.B2_E2E_API_URL = target.apiUrl;
}
