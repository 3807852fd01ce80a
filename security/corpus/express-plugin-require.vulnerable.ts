// CWE-829: a query parameter chooses the module to load (`?name=../../../tmp/upload`).

interface Route {
  (req: { query: Record<string, string> }, res: { json(body: unknown): void }): void;
}
declare const app: { get(path: string, route: Route): void };

app.get('/render', (req, res) => {
  // lint: security/detect-non-literal-require
  // ruleid: b2-code-execution-from-request
  const plugin = require(`./plugins/${req.query.name}`) as { render(): unknown }; // eslint-disable-line @typescript-eslint/no-require-imports -- a CommonJS load is the point
  res.json(plugin.render());
});
