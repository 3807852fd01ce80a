// Lookalike of node-server-vm: the body is parsed as data, never run.
import { createServer } from 'node:http';

export const server = createServer(async (req, res) => {
  let source = '';
  for await (const chunk of req) source += String(chunk);
  const value = JSON.parse(source) as unknown;
  res.end(JSON.stringify({ value }));
});
