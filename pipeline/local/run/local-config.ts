import { parseDurationMs } from '../../kit/durations';
/**
 * The local engine's own settings: where its environments listen and how fast its clock runs.
 * Read once, from the engine's environment variables, and passed down as props.
 */

/** The loopback ports of the shared DynamoDB Local and of each environment's front. */
export interface LocalPorts {
  readonly database: number;
  readonly environments: Readonly<Record<string, number>>;
}

/**
 * Fixed, so a person finds an environment where they left it: dev on 4101, staging on 4102,
 * prod on 4103, DynamoDB Local on 4100. `B2_LOCAL_PORTS` overrides any of them.
 */
export const DEFAULT_PORTS: LocalPorts = {
  database: 4100,
  environments: { dev: 4101, staging: 4102, prod: 4103 },
};

/** The name `B2_LOCAL_PORTS` uses for DynamoDB Local. */
export const DATABASE_PORT_KEY = 'dynamodb';

/**
 * How long one minute of the environments' traffic-shift and alarm settings lasts on this
 * machine. Prod's 5-minute canary bake, for instance, takes 15 s locally: long enough for the
 * alarms to see the new release under traffic, short enough to run the pipeline often.
 */
export const DEFAULT_LOCAL_MINUTE_MS = 3_000;

export const LOCAL_ENV = {
  /** `dynamodb=4200,dev=4201,staging=4202,prod=4203`; any subset. */
  ports: 'B2_LOCAL_PORTS',
  /** The local length of one configured minute, e.g. `3s`, `500ms`. */
  minute: 'B2_LOCAL_MINUTE',
  /** How many gates of one wave run at the same time, e.g. `1`. */
  gatesAtOnce: 'B2_LOCAL_GATES_AT_ONCE',
} as const;

export interface LocalEngineConfig {
  readonly ports: LocalPorts;
  readonly minuteMs: number;
  /** Gates of one wave that run at the same time. @default one per core */
  readonly gatesAtOnce?: number;
}

function gatesAtOnce(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^[1-9]\d*$/.test(value)) throw new Error(`${LOCAL_ENV.gatesAtOnce}: '${value}' is not a whole number from 1`);
  return Number(value);
}

function port(value: string, name: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1024 || n > 65_535) {
    throw new Error(`${LOCAL_ENV.ports}: ${name}=${value} is not a port from 1024 to 65535`);
  }
  return n;
}

/** Parses `name=port,...` over the defaults; a name that is neither DynamoDB nor an environment is a typo. */
export function parsePorts(text: string | undefined, defaults: LocalPorts = DEFAULT_PORTS): LocalPorts {
  const environments: Record<string, number> = { ...defaults.environments };
  let database = defaults.database;
  for (const entry of (text ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [name, value, extra] = entry.split('=').map((s) => s.trim());
    if (!name || value === undefined || extra !== undefined) {
      throw new Error(`${LOCAL_ENV.ports}: '${entry}' is not name=port (e.g. dev=4201)`);
    }
    if (name === DATABASE_PORT_KEY) {
      database = port(value, name);
    } else if (name in environments) {
      environments[name] = port(value, name);
    } else {
      throw new Error(
        `${LOCAL_ENV.ports}: '${name}' is neither ${DATABASE_PORT_KEY} nor an environment (${Object.keys(environments).join(', ')})`,
      );
    }
  }
  const all = [database, ...Object.values(environments)];
  if (new Set(all).size !== all.length) {
    throw new Error(`${LOCAL_ENV.ports}: two of ${all.join(', ')} are the same port`);
  }
  return { database, environments };
}

export function localConfig(env: NodeJS.ProcessEnv = process.env, environments?: readonly string[]): LocalEngineConfig {
  const defaults = environments
    ? {
        database: DEFAULT_PORTS.database,
        // An environment the defaults do not know gets the next free number after them.
        environments: Object.fromEntries(
          environments.map((name, i) => [name, DEFAULT_PORTS.environments[name] ?? DEFAULT_PORTS.database + 1 + i]),
        ),
      }
    : DEFAULT_PORTS;
  return {
    ports: parsePorts(env[LOCAL_ENV.ports], defaults),
    minuteMs: env[LOCAL_ENV.minute]
      ? parseDurationMs(env[LOCAL_ENV.minute] as string, LOCAL_ENV.minute)
      : DEFAULT_LOCAL_MINUTE_MS,
    gatesAtOnce: gatesAtOnce(env[LOCAL_ENV.gatesAtOnce]),
  };
}
