import { setTimeout as sleep } from 'node:timers/promises';
import * as vm from 'node:vm';
import { runInNewContext, Script } from 'node:vm';

const SQUARE = 'x * x';

export async function POST(req: Request): Promise<Response> {
  // ruleid: b2-code-evaluation-non-literal
  const value: unknown = eval((await req.json()).code);
  return new Response(String(value));
}

export function evaluate(body: { code: string; args: string }): unknown {
  // ruleid: b2-code-evaluation-non-literal
  const fn = new Function(body.code);
  // ruleid: b2-code-evaluation-non-literal
  const withArgs = Function(body.args, 'return 1;');
  // ruleid: b2-code-evaluation-non-literal
  const indirect: unknown = globalThis.eval(`(${body.code})`);
  // ruleid: b2-code-evaluation-non-literal
  vm.runInNewContext(body.code, {});
  // ruleid: b2-code-evaluation-non-literal
  runInNewContext('x + ' + body.code, { x: 1 });
  // ruleid: b2-code-evaluation-non-literal
  new Script(body.code).runInThisContext();
  // ruleid: b2-code-evaluation-non-literal
  new vm.Script(body.code);
  // ruleid: b2-code-evaluation-non-literal
  setTimeout(body.code, 10);
  // ruleid: b2-code-evaluation-non-literal
  setInterval(`tick(${body.args})`, 1000);
  // ruleid: b2-code-evaluation-non-literal
  setTimeout('refresh()', 10);
  // ok: b2-code-evaluation-non-literal
  const constant: unknown = eval('1 + 1');
  // ok: b2-code-evaluation-non-literal
  const square = new Function('x', `return ${SQUARE};`);
  // ok: b2-code-evaluation-non-literal
  vm.runInNewContext(SQUARE, { x: 2 });
  // ruleid: b2-code-evaluation-non-literal
  window.setTimeout(`refresh(${body.args})`, 10);
  // ok: b2-code-evaluation-non-literal
  window.setTimeout(() => fn(), 10);
  // ok: b2-code-evaluation-non-literal
  setTimeout(() => fn(), 10);
  const later = (): void => undefined;
  // ok: b2-code-evaluation-non-literal
  setInterval(later, 1000);
  return [fn, withArgs, indirect, constant, square];
}

export function retryLater(
  attempt: number,
  retry: () => void,
  cdk: { Function: new (name: string) => object },
): object {
  // ok: b2-code-evaluation-non-literal
  setTimeout(() => retry(), 10 * attempt + Math.random() * 40);
  // ok: b2-code-evaluation-non-literal
  setTimeout(retry, 10 * attempt + 40);
  // ok: b2-code-evaluation-non-literal
  return new cdk.Function(`handler-${attempt}`);
}

export async function backOff(attempt: number): Promise<void> {
  // ok: b2-code-evaluation-non-literal
  await sleep(10 * attempt + Math.random() * 40);
}
