import { exec, execFileSync } from 'node:child_process';
import * as childProcess from 'node:child_process';
import * as vm from 'node:vm';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { Hono } from 'hono';

const REPORTS: Record<string, () => string> = { daily: () => 'daily', weekly: () => 'weekly' };

export const app = new Hono();

app.post('/calc', async (c) => {
  const { expression } = await c.req.json<{ expression: string }>();
  // ruleid: b2-code-execution-from-request
  const result: unknown = eval(expression);
  return c.json({ result });
});

app.get('/filter', (c) => {
  const predicate = c.req.query('where') ?? 'true';
  // ruleid: b2-code-execution-from-request
  const test = new Function('memory', `return ${predicate};`);
  // ruleid: b2-code-execution-from-request
  const sandboxed: unknown = vm.runInNewContext(predicate, {});
  return c.json({ matches: Boolean(test({})), sandboxed });
});

app.get('/export/:name', (c) => {
  const name = c.req.param('name');
  // ruleid: b2-code-execution-from-request
  exec(`tar czf /tmp/export.tgz /tmp/${name}`);
  // ruleid: b2-code-execution-from-request
  childProcess.spawn('zip', ['-r', '/tmp/export.zip', name], { shell: true });
  // ok: b2-code-execution-from-request
  execFileSync('date');
  const report = REPORTS[name];
  // ok: b2-code-execution-from-request
  return c.json({ report: report ? report() : null });
});

export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const body = JSON.parse(event.body ?? '{}') as { script?: string };
  // ruleid: b2-code-execution-from-request
  const output: unknown = eval(body.script ?? '');
  // ok: b2-code-execution-from-request
  const constant: unknown = eval('1 + 1');
  return { statusCode: 200, body: JSON.stringify({ output, constant }) };
}
