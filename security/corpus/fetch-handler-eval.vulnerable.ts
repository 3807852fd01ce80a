// CWE-95 (OWASP A03): a Fetch-style route handler evaluates a field of the JSON body it was sent.

export async function POST(req: Request): Promise<Response> {
  // lint: no-eval, security/detect-eval-with-expression
  // ruleid: b2-code-evaluation-non-literal
  const result: unknown = eval((await req.json()).code);
  return Response.json({ result });
}
