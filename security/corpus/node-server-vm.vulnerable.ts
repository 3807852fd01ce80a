// CWE-94: a plain Node server runs the body it was sent in node:vm, which is no sandbox.
import { createServer } from 'node:http';
import * as vm from 'node:vm';

export const server = createServer(async (req, res) => {
  let source = '';
  for await (const chunk of req) source += String(chunk);
  // ruleid: b2-code-evaluation-non-literal
  const result: unknown = vm.runInNewContext(source, {});
  res.end(JSON.stringify({ result }));
});
