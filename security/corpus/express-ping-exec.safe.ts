// Lookalike of express-ping-exec: the host is one argument of a program run without a shell.
import * as childProcess from 'node:child_process';

interface Route {
  (req: { query: Record<string, string> }, res: { send(body: string): void }): void;
}
declare const app: { get(path: string, route: Route): void };

app.get('/ping', (req, res) => {
  const host = /^[a-z0-9.-]{1,253}$/i.test(req.query.host) ? req.query.host : 'localhost';
  childProcess.execFile('ping', ['-c', '1', '--', host], (_error, stdout) => res.send(stdout));
});
