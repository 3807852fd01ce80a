import { execFileSync, spawn } from 'node:child_process';
import * as childProcess from 'node:child_process';
import { createServer } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, SQSEvent } from 'aws-lambda';
import { Hono } from 'hono';

const REPORTS: Record<string, () => string> = { daily: () => 'daily', weekly: () => 'weekly' };

export const app = new Hono();

app.get('/export/:name', (c) => {
  const name = c.req.param('name');
  // ruleid: b2-code-execution-from-request
  childProcess.spawn('zip', ['-r', '/tmp/export.zip', name]);
  // ok: b2-code-execution-from-request
  execFileSync('date');
  const report = REPORTS[name];
  // ok: b2-code-execution-from-request
  return c.json({ report: report ? report() : null });
});

export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const body = JSON.parse(event.body ?? '{}') as { plugin?: string };
  // ruleid: b2-code-execution-from-request
  const plugin: unknown = await import(body.plugin ?? './none');
  return { statusCode: 200, body: JSON.stringify({ plugin }) };
}

export async function POST(req: Request): Promise<Response> {
  const { format } = (await req.json()) as { format: string };
  // ruleid: b2-code-execution-from-request
  execFileSync('convert', ['in.png', `${format}:out`]);
  return new Response('done');
}

export const queueHandler = async (input: SQSEvent): Promise<void> => {
  for (const record of input.Records) {
    // ruleid: b2-code-execution-from-request
    spawn('gzip', [record.body]);
  }
};

createServer((incoming, response) => {
  const page = new URL(incoming.url ?? '/', 'http://localhost').searchParams.get('page') ?? 'index';
  // ruleid: b2-code-execution-from-request
  execFileSync('render', [page]);
  // ruleid: b2-code-execution-from-request
  incoming.on('data', (chunk: Buffer) => execFileSync('render', [chunk.toString()]));
  incoming.on('data', (chunk: Buffer) => {
    // ruleid: b2-code-execution-from-request
    spawn('render', [String(chunk)]);
  });
  response.end();
});

const FORMATS = ['png', 'jpeg'];

export async function PUT(req: Request): Promise<Response> {
  const { format, size } = (await req.json()) as { format: string; size: string };
  // ok: b2-code-execution-from-request
  execFileSync('convert', ['in.png', FORMATS.includes(format) ? format : 'png', 'out']);
  // ok: b2-code-execution-from-request
  execFileSync('convert', ['-resize', /^\d{1,4}x\d{1,4}$/.test(size) ? size : '64x64', 'in.png']);
  // ruleid: b2-code-execution-from-request
  execFileSync('convert', ['-resize', /\d+x\d+/.test(size) ? size : '64x64', 'in.png']);
  return new Response('done');
}

function renderTool(tool: string): void {
  // ok: b2-code-execution-from-request
  spawn(tool, ['--version']);
}
renderTool('node');
