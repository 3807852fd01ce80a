import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../pipeline/local/environments/free-port';
import { RunSummary } from '../../pipeline/local/run/run-record';
import {
  deliveryArgs,
  EngineResult,
  engineEnvironment,
  EnginePorts,
  fileDigests,
  runEngine,
} from '../harness/engine-process';

/**
 * What goes wrong before a release is live, each told in one line with the next step and an
 * exit code that is never success: a missing tool, a port taken by another program (DynamoDB
 * Local's or an environment's), a release that crashes as it starts.
 */

const workspace = mkdtempSync(path.join(tmpdir(), 'b2-engine-errors-'));
let env: NodeJS.ProcessEnv = {};
let ports: EnginePorts;
/** A release whose server exits as it starts, as a release with a broken start-up would. */
const crashing = path.join(workspace, 'crashing-release');
/** A release whose server module throws as it loads, as a release with a bad import or top-level code would. */
const throwing = path.join(workspace, 'throwing-release');

function engine(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<EngineResult> {
  return runEngine(args, { ...env, ...extraEnv });
}

/** Another program holding a port. */
async function occupy(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

const release = deliveryArgs({ gates: 'none', minute: '500ms', release: crashing });

beforeAll(async () => {
  ({ env, ports } = await engineEnvironment(path.join(workspace, 'pipeline')));
  mkdirSync(path.join(crashing, 'server'), { recursive: true });
  writeFileSync(
    path.join(crashing, 'server', 'index.mjs'),
    "console.error('b2 server did not start: B2_SIGNING_KEYS is not valid JSON');\nprocess.exit(1);\n",
  );
  mkdirSync(path.join(throwing, 'server'), { recursive: true });
  writeFileSync(
    path.join(throwing, 'server', 'index.mjs'),
    'const settings = {};\nsettings.table.name;\nexport const never = true;\n',
  );
});

afterAll(async () => {
  await engine(['stop']);
  rmSync(workspace, { recursive: true, force: true });
}, 120_000);

describe('the local engine, when it cannot run', () => {
  it('names a missing tool and the command that installs it, before anything starts', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'b2-no-tools-'));
    try {
      const run = await engine(release, { B2_TOOLS_DIR: empty });
      expect(run.code).toBe(2);
      expect(run.output).toMatch(/^error: missing tools: .*dynamodb-local.*: run `npx projen tools:install`$/m);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("says when DynamoDB Local's port is taken by another program, and how to choose another", async () => {
    const other = await occupy(ports.database);
    try {
      const run = await engine(release);
      expect(run.code).toBe(2);
      expect(run.output).toContain(
        `DynamoDB Local did not start: port ${ports.database} is in use by another program: stop it, or choose another port`,
      );
      const runId = /\d{8}T\d{6}Z-[0-9a-f]{7}/.exec(run.output)?.[0] ?? 'no run id in the output';
      const summary = JSON.parse(
        readFileSync(path.join(workspace, 'pipeline', 'runs', runId, 'summary.json'), 'utf8'),
      ) as RunSummary;
      expect(summary.outcome).toBe('error');
    } finally {
      other.close();
    }
  });

  it("says when an environment's port is taken by another program, naming the setting that moves it", async () => {
    const other = await occupy(ports.dev);
    try {
      const run = await engine(release);
      expect(run.code).toBe(2);
      expect(run.output).toContain(
        `environment dev did not start: port ${ports.dev} of environment dev is in use by another program`,
      );
      expect(run.output).toContain(`B2_LOCAL_PORTS=dev=<port>`);
    } finally {
      other.close();
    }
  });

  it('fails the deploy of a release that crashes as it starts, with the end of its log, and leaves the environment as it was', async () => {
    const run = await engine(release);
    expect(run.code).toBe(1);
    expect(run.output).toMatch(
      /deploy to dev failed: the release did not start: .*release \S+ exited before it was healthy: b2 server did not start: B2_SIGNING_KEYS is not valid JSON/,
    );
    expect(run.output).not.toMatch(/PROMOTED/);
    const state = JSON.parse(
      readFileSync(path.join(workspace, 'pipeline', 'environments', 'dev', 'state.json'), 'utf8'),
    ) as { live?: unknown; candidate?: unknown };
    expect(state.live).toBeUndefined();
    expect(state.candidate).toBeUndefined();
  });

  it('ends the run with the error a release throws as its module loads, in one line and without stack frames', async () => {
    const run = await engine(deliveryArgs({ gates: 'none', minute: '500ms', release: throwing }));
    expect(run.code).toBe(1);
    expect(run.output).toMatch(
      /deploy to dev failed: the release did not start: .*exited before it was healthy: TypeError: Cannot read properties of undefined \(reading 'name'\) \(log: /,
    );
    expect(run.output).not.toMatch(/^\s+at /m);
  });

  it('refuses a run whose ports differ from where the environments run, before it builds or writes anything', async () => {
    const before = fileDigests(path.join(workspace, 'pipeline'));
    expect(Object.keys(before).some((file) => file.startsWith(path.join('environments', 'dev')))).toBe(true);
    const elsewhere = await freePort();
    const run = await engine(release, {
      B2_LOCAL_PORTS: `dynamodb=${ports.database},dev=${elsewhere},staging=${ports.staging},prod=${ports.prod}`,
    });
    expect(run.code).toBe(2);
    expect(run.output).toMatch(
      new RegExp(
        `^error: environment dev is running on port ${ports.dev}, not the configured ${elsewhere}: stop the environments first .*B2_LOCAL_PORTS`,
        'm',
      ),
    );
    expect(fileDigests(path.join(workspace, 'pipeline'))).toEqual(before);
  });

  it('refuses an unknown option in one line that lists the valid ones, and writes nothing', async () => {
    const before = fileDigests(path.join(workspace, 'pipeline'));
    const run = await engine(['run', '--aprove', '--by', 'Ann', '--comment', 'ok']);
    expect(run.code).toBe(2);
    expect(run.output.trim()).toMatch(
      /^error: Unknown option '--aprove'; valid options: .*--approve, --by <value>, --comment <value>/,
    );
    expect(run.output.trim().split('\n')).toHaveLength(1);
    expect(fileDigests(path.join(workspace, 'pipeline'))).toEqual(before);
  });
});
