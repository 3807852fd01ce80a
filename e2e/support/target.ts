/**
 * The environment under test: its web front end from `B2_WEB_URL`, and its API from the
 * `config.json` that environment serves (the same file the front end reads), so the tests reach
 * the API exactly where the page does.
 */

export interface Target {
  readonly webUrl: string;
  readonly apiUrl: string;
  readonly environment: string;
}

export class TargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetError';
  }
}

/** The web URL, or a one-line error that says how to set it. */
export function webUrlFromEnvironment(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.B2_WEB_URL?.trim();
  if (!raw) {
    throw new TargetError(
      "B2_WEB_URL is not set: point it at the environment's web front end, e.g. B2_WEB_URL=http://127.0.0.1:8080 (locally: start one with `npx projen serve`)",
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetError(`B2_WEB_URL is not a URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TargetError(`B2_WEB_URL must be an http(s) URL: ${raw}`);
  }
  return url.href.replace(/\/+$/, '');
}

/** How long the environment may take to answer before it counts as unreachable. */
const REACH_TIMEOUT_MS = 10_000;

/** Reads the environment's `config.json`; an environment that does not answer fails here, in one line. */
export async function reachTarget(webUrl: string): Promise<Target> {
  const configUrl = `${webUrl}/config.json`;
  let response: Response;
  try {
    response = await fetch(configUrl, { signal: AbortSignal.timeout(REACH_TIMEOUT_MS) });
  } catch (error) {
    const cause =
      error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new TargetError(
      `the environment at B2_WEB_URL=${webUrl} is not reachable (${cause}): start it (locally \`npx projen serve\`) or fix B2_WEB_URL`,
    );
  }
  if (!response.ok) {
    throw new TargetError(`${configUrl} answered ${response.status}: B2_WEB_URL does not point at a B2 web front end`);
  }
  const config = (await response.json().catch(() => undefined)) as
    { environment?: unknown; apiUrl?: unknown } | undefined;
  if (typeof config?.environment !== 'string' || typeof config.apiUrl !== 'string') {
    throw new TargetError(`${configUrl} is not a B2 front-end configuration ({ environment, apiUrl })`);
  }
  return {
    webUrl,
    apiUrl: (config.apiUrl || webUrl).replace(/\/+$/, ''),
    environment: config.environment,
  };
}
