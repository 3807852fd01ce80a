import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { DynamoDbLocal } from '../../../pipeline/local/environments/dynamodb-local';
import { freePort } from '../../../pipeline/local/environments/free-port';
import { ensureTable } from '../../../service/src/data/create-table';
import { createDynamoDbClient } from '../../../service/src/data/dynamodb';

const START_TIMEOUT_MS = 120_000;

async function tables(endpoint: string): Promise<string[]> {
  const client = createDynamoDbClient({ endpoint });
  try {
    return (await client.send(new ListTablesCommand({}))).TableNames ?? [];
  } finally {
    client.destroy();
  }
}

describe('DynamoDB Local from the tools folder', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'b2-dynamodb-local-'));

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it(
    'keeps its tables in a data folder across a restart, and stops when asked',
    async () => {
      const dataDir = path.join(scratch, 'data');
      const first = await DynamoDbLocal.start({ dataDir, startTimeoutMs: START_TIMEOUT_MS });
      expect(first.endpoint).toBe(`http://127.0.0.1:${first.port}`);
      const client = createDynamoDbClient({ endpoint: first.endpoint });
      await ensureTable(client, 'dev-b2-data');
      client.destroy();
      await first.stop();
      expect(first.running).toBe(false);
      await expect(fetch(first.endpoint)).rejects.toThrow();

      const second = await DynamoDbLocal.start({ dataDir, startTimeoutMs: START_TIMEOUT_MS });
      try {
        expect(await tables(second.endpoint)).toEqual(['dev-b2-data']);
      } finally {
        await second.stop();
      }
    },
    START_TIMEOUT_MS * 2,
  );

  it('refuses a port that is in use, naming it', async () => {
    const port = await freePort();
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    try {
      await expect(DynamoDbLocal.start({ port })).rejects.toThrow(`port ${port} is in use`);
    } finally {
      holder.close();
    }
  });

  it('says how to install it when it is not installed', async () => {
    await expect(DynamoDbLocal.start({ libDir: path.join(scratch, 'missing') })).rejects.toThrow(
      'npx projen tools:install dynamodb-local',
    );
  });

  it(
    'fails with its output, instead of hanging, when the install is damaged',
    async () => {
      const empty = mkdtempSync(path.join(scratch, 'lib-'));
      await expect(DynamoDbLocal.start({ libDir: empty, startTimeoutMs: START_TIMEOUT_MS })).rejects.toThrow(
        /exited with code 1 while starting: .*ServerRunner.*tools:install dynamodb-local/,
      );
    },
    START_TIMEOUT_MS,
  );

  it('says Java is missing when it cannot run java', async () => {
    const savedPath = process.env.PATH;
    process.env.PATH = scratch;
    try {
      await expect(DynamoDbLocal.start({ startTimeoutMs: 10_000 })).rejects.toThrow(/java is not installed/);
    } finally {
      process.env.PATH = savedPath;
    }
  });
});
