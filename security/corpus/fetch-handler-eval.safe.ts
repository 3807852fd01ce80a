// Lookalike of fetch-handler-eval: the body names an operation from a fixed table instead of
// carrying code, and JSON.parse reads data.

const OPERATIONS: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  multiply: (a, b) => a * b,
};

export async function POST(req: Request): Promise<Response> {
  const { op, a, b } = (await req.json()) as { op: string; a: number; b: number };
  const operation = Object.hasOwn(OPERATIONS, op) ? OPERATIONS[op] : undefined;
  if (!operation) return Response.json({ error: 'unknown operation' }, { status: 400 });
  const parsed: unknown = JSON.parse(JSON.stringify({ result: operation(a, b) }));
  return Response.json(parsed);
}
