// Lookalike of express-plugin-require: the query picks one of the modules imported up front.
import * as cards from 'node:path';
import * as lists from 'node:url';

interface Route {
  (req: { query: Record<string, string> }, res: { json(body: unknown): void }): void;
}
declare const app: { get(path: string, route: Route): void };
const PLUGINS: Record<string, unknown> = { cards, lists };

app.get('/render', (req, res) => {
  res.json({ plugin: Object.hasOwn(PLUGINS, req.query.name) ? req.query.name : 'none' });
});
