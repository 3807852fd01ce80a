import { duration } from '../../kit/durations';
import { PIPELINE, planFor } from '../../model';
import { LocalDatabase } from '../environments/database';
import { EnvironmentClient } from '../environments/environment-client';
import { localConfig } from '../run/local-config';
import { environmentStages } from '../run/local-plan';
import { latestAwaitingRun } from '../run/run-record';

/** The environments of the model, in promotion order. */
export function environmentNames(): string[] {
  return environmentStages(planFor(PIPELINE)).map((s) => s.name);
}

/** `env:status`: DynamoDB Local and each environment, with its live release, candidate and crashes. */
export async function status(): Promise<number> {
  const config = localConfig(process.env, environmentNames());
  const db = new LocalDatabase(config.ports.database).state();
  console.log(
    db
      ? `DynamoDB Local  running  ${db.endpoint} (pid ${db.javaPid ?? db.hostPid}, since ${db.startedAt})`
      : `DynamoDB Local  stopped  (port ${config.ports.database})`,
  );
  for (const name of environmentNames()) {
    const client = new EnvironmentClient(name, config.ports.environments[name]);
    try {
      const up = await client.isUp();
      const state = up ? await client.state() : client.lastKnownState();
      const live = state?.live
        ? `live ${state.live.id} (${state.live.commit.slice(0, 12)})${state.live.runtime ? ` on Node ${state.live.runtime}` : ''} since ${state.live.since}`
        : 'nothing live';
      const candidate = state?.candidate ? `; candidate ${state.candidate.id} at ${state.candidateShare}%` : '';
      const crashes = state?.crashes.length
        ? `; ${state.crashes.length} crash${state.crashes.length === 1 ? '' : 'es'}, last ${state.crashes[state.crashes.length - 1].releaseId}`
        : '';
      console.log(
        `${name.padEnd(15)} ${up ? 'running ' : 'stopped '} http://127.0.0.1:${state?.port ?? client.port}  ${up ? '' : 'last: '}${live}${candidate}${crashes}`,
      );
    } finally {
      await client.close();
    }
  }
  const waiting = latestAwaitingRun();
  if (waiting) {
    console.log(
      `run ${waiting.runId} is waiting for an approval to deploy to ${waiting.awaiting ?? 'the next environment'}`,
    );
  }
  return 0;
}

/** `env:stop`: stops every environment and DynamoDB Local; the data stays in the workspace. */
export async function stop(): Promise<number> {
  const config = localConfig(process.env, environmentNames());
  for (const name of environmentNames()) {
    const client = new EnvironmentClient(name, config.ports.environments[name]);
    try {
      const up = await client.isUp();
      const started = Date.now();
      if (up) await client.shutdown();
      console.log(`${name}: ${up ? `stopped in ${duration(Date.now() - started)}` : 'was not running'}`);
    } finally {
      await client.close();
    }
  }
  const db = new LocalDatabase(config.ports.database);
  console.log(
    `DynamoDB Local: ${(await db.stop()) ? 'stopped (its tables stay in the workspace)' : 'was not running'}`,
  );
  return 0;
}
