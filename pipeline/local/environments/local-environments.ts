import { LocalDatabase } from './database';
import { EnvironmentClient } from './environment-client';
import { EnvironmentState } from './environment-host';
import { environmentSettings } from './environment-settings';

/** An environment as the engine brings it up: its name and the token issuer and audience its config gives it. */
export interface EnvironmentToStart {
  readonly name: string;
  readonly token?: { readonly issuer: string; readonly audience: string };
}

/** The ports a run is configured with. */
export interface LocalPorts {
  readonly database: number;
  readonly environments: Readonly<Record<string, number>>;
}

/**
 * The local environments of one run: the shared DynamoDB Local and each environment's host,
 * reached on the configured ports.
 */
export class LocalEnvironments {
  readonly database: LocalDatabase;
  private readonly clients = new Map<string, EnvironmentClient>();

  constructor(private readonly ports: LocalPorts) {
    this.database = new LocalDatabase(ports.database);
  }

  client(environment: string): EnvironmentClient {
    let client = this.clients.get(environment);
    if (!client) {
      const port = this.ports.environments[environment];
      if (!port) {
        throw new Error(
          `no port is configured for environment ${environment}: set B2_LOCAL_PORTS=${environment}=<port>`,
        );
      }
      client = new EnvironmentClient(environment, port);
      this.clients.set(environment, client);
    }
    return client;
  }

  /** The environments this run has talked to. */
  get opened(): readonly EnvironmentClient[] {
    return [...this.clients.values()];
  }

  /**
   * What is running, checked against the configured ports, before the run builds or writes
   * anything: an environment or DynamoDB Local running on another port than configured would
   * be given settings for the wrong origin. Resolves to one line per mismatch.
   */
  async portMismatches(environments: readonly string[]): Promise<string[]> {
    const problems: string[] = [];
    const database = this.database.state();
    if (database && database.port !== this.database.port) {
      problems.push(`DynamoDB Local is running on port ${database.port}, not the configured ${this.database.port}`);
    }
    const running = new Map<string, number>();
    for (const name of environments) {
      const client = this.client(name);
      if (await client.isUp()) running.set(name, (await client.state()).port);
    }
    for (const name of environments) {
      const configured = this.client(name).port;
      const actual = running.get(name);
      if (actual !== undefined && actual !== configured) {
        problems.push(`environment ${name} is running on port ${actual}, not the configured ${configured}`);
      }
      for (const [other, port] of running) {
        if (other !== name && port === configured) {
          problems.push(`port ${configured}, configured for ${name}, is where ${other} runs`);
        }
      }
    }
    return problems;
  }

  /** DynamoDB Local with every environment's table, and each environment's host, started unless running. */
  async bringUp(
    environments: readonly EnvironmentToStart[],
    onProgress: (line: string) => void,
  ): Promise<Map<string, EnvironmentState>> {
    onProgress(`DynamoDB Local on port ${this.database.port}`);
    const db = await this.database.ensureUp();
    await this.database.ensureTables(environments.map((e) => e.name));
    const states = new Map<string, EnvironmentState>();
    for (const environment of environments) {
      const client = this.client(environment.name);
      onProgress(`${environment.name} on ${client.url}`);
      const state = await client.ensureUp(
        environmentSettings({
          environment: environment.name,
          port: client.port,
          dynamodbEndpoint: db.endpoint,
          token: environment.token,
        }),
      );
      if (state.port !== client.port) {
        throw new Error(
          `environment ${environment.name} is running on port ${state.port}, not the configured ${client.port}: run \`npx projen env:stop\` first`,
        );
      }
      states.set(environment.name, state);
    }
    return states;
  }

  async close(): Promise<void> {
    await Promise.all(this.opened.map((client) => client.close()));
  }
}
