/** What the front end is told about its environment at start-up: `/config.json`, written next to the release. */
export interface WebConfig {
  /** `dev`, `staging` or `prod`. */
  readonly environment: string;
  /** The API's base URL; '' means the same origin as the page (the local run). */
  readonly apiUrl: string;
}

export class ConfigError extends Error {
  constructor(detail: string) {
    super(`The B2 web front end cannot start: ${detail}`);
    this.name = 'ConfigError';
  }
}

export async function loadConfig(fetcher: typeof fetch = globalThis.fetch.bind(globalThis)): Promise<WebConfig> {
  let response: Response;
  try {
    // Never cached: a new release may point the same page at another API.
    response = await fetcher('/config.json', { cache: 'no-store', headers: { Accept: 'application/json' } });
  } catch {
    throw new ConfigError('/config.json could not be fetched. Check your connection and reload the page.');
  }
  if (!response.ok) throw new ConfigError(`/config.json answered ${response.status}.`);
  let config: Partial<Record<keyof WebConfig, unknown>>;
  try {
    config = (await response.json()) as typeof config;
  } catch {
    throw new ConfigError('/config.json is not JSON.');
  }
  if (typeof config?.environment !== 'string' || typeof config.apiUrl !== 'string') {
    throw new ConfigError('/config.json must hold the strings "environment" and "apiUrl".');
  }
  return { environment: config.environment, apiUrl: config.apiUrl };
}
