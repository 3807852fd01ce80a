// CWE-78 (OWASP A03), the OWASP command injection example in an Express-style route: `?host=x; rm -rf /`.
import * as childProcess from 'node:child_process';

interface Route {
  (req: { query: Record<string, string> }, res: { send(body: string): void }): void;
}
declare const app: { get(path: string, route: Route): void };

app.get('/ping', (req, res) => {
  // lint: security/detect-child-process
  // ruleid: b2-command-execution-non-literal
  childProcess.exec('ping -c 1 ' + req.query.host, (_error, stdout) => res.send(stdout));
});
