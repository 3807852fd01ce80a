// CWE-94 (OWASP A03): the Function constructor is eval by another name.

export async function POST(req: Request): Promise<Response> {
  const body = (await req.json()) as { code: string };
  // lint: no-new-func, @typescript-eslint/no-implied-eval
  // ruleid: b2-code-evaluation-non-literal
  const result: unknown = new Function(body.code)();
  return Response.json({ result });
}
