// Lookalike of fetch-handler-function: the body names a formula the code defines.

const FORMULAS = new Map<string, (x: number) => number>([
  ['square', (x) => x * x],
  ['double', (x) => 2 * x],
]);

export async function POST(req: Request): Promise<Response> {
  const body = (await req.json()) as { formula: string; x: number };
  const formula = FORMULAS.get(body.formula);
  if (!formula) return Response.json({ error: 'unknown formula' }, { status: 400 });
  return Response.json({ result: formula.call(undefined, body.x) });
}
