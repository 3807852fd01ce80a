import { apiUrlFromEnvironment, reachApi } from './api';

/** Before any test file: one clear failure when the environment is not there, instead of one per test. */
export default async function checkEnvironment(): Promise<void> {
  await reachApi(apiUrlFromEnvironment());
}
