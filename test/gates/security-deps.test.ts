import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GATES } from '../../pipeline/model/gates';
import { AdvisoryServer, FixtureAdvisory } from '../harness/advisory-server';
import { missingReports } from '../harness/gate-reports';
import { PROJECT_ROOT, TaskResult } from '../harness/scratch-project';

/** lodash 4.17.20 in production, minimist 1.2.5 in development: both have published advisories. */
const FIXTURE_PROJECT = path.join(__dirname, 'fixtures', 'vulnerable-project');

const LODASH_COMMAND_INJECTION: FixtureAdvisory = {
  id: 1106913,
  url: 'https://github.com/advisories/GHSA-35jh-r3h4-6jhm',
  title: 'Command Injection in lodash',
  severity: 'high',
  vulnerable_versions: '<4.17.21',
  cwe: ['CWE-77', 'CWE-94'],
  cvss: { score: 7.2, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H' },
};
const LODASH_REDOS: FixtureAdvisory = {
  id: 1096305,
  url: 'https://github.com/advisories/GHSA-29mw-wpgm-hmr9',
  title: 'Regular Expression Denial of Service (ReDoS) in lodash',
  severity: 'moderate',
  vulnerable_versions: '>=4.0.0 <4.17.21',
  cwe: ['CWE-400', 'CWE-1333'],
  cvss: { score: 5.3, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L' },
};
const MINIMIST_PROTOTYPE_POLLUTION: FixtureAdvisory = {
  id: 1097678,
  url: 'https://github.com/advisories/GHSA-xvch-5gv4-984h',
  title: 'Prototype Pollution in minimist',
  severity: 'critical',
  vulnerable_versions: '<1.2.6',
  cwe: ['CWE-1321'],
  cvss: { score: 9.8, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
};

const DAY = 24 * 60 * 60 * 1000;

interface Decision {
  readonly decision: 'ignore' | 'postpone' | 'fix';
  readonly reason?: string;
  readonly madeAt?: number;
  readonly expiresAt?: number;
}

function ignore(expiresInDays: number, reason: string): Decision {
  return { decision: 'ignore', reason, madeAt: Date.now() - DAY, expiresAt: Date.now() + expiresInDays * DAY };
}

/**
 * Runs a command without blocking this process: the advisory server answering it lives here.
 */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<TaskResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env: { ...process.env, CI: 'true', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr, output: `${stdout}\n${stderr}` }));
  });
}

/** A port nothing listens on: taken from the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the deps gate', () => {
  let advisories: AdvisoryServer;
  let work: string;
  let project: string;
  let reports: string;

  beforeAll(async () => {
    advisories = await AdvisoryServer.start({
      advisories: { lodash: [LODASH_COMMAND_INJECTION, LODASH_REDOS], minimist: [MINIMIST_PROTOTYPE_POLLUTION] },
      packages: [
        { name: 'lodash', versions: ['4.17.20', '4.17.21'], latest: '4.17.21' },
        { name: 'minimist', versions: ['1.2.5', '1.2.6'], latest: '1.2.6' },
      ],
    });
  });
  afterAll(() => advisories.close());

  beforeEach(() => {
    work = mkdtempSync(path.join(tmpdir(), 'b2-deps-test-'));
    project = path.join(work, 'project');
    reports = path.join(work, 'reports');
    cpSync(FIXTURE_PROJECT, project, { recursive: true });
    mkdirSync(path.join(project, 'security'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  const decide = (decisions: Record<string, Decision>) =>
    writeFileSync(
      path.join(project, 'security', 'audit-resolve.json'),
      JSON.stringify({ version: 1, decisions, rules: {} }, null, 2),
    );
  const env = () => ({
    B2_REPORTS_DIR: reports,
    // A cache of its own: npm keeps computed advisories in its cache.
    npm_config_cache: path.join(work, 'npm-cache'),
  });
  const runDeps = (registry: string, args: string[] = []) =>
    run('npx', ['projen', 'deps', '--project', project, '--registry', registry, ...args], env());
  const auditReport = () => JSON.parse(readFileSync(path.join(reports, 'deps', 'audit.json'), 'utf8'));
  const sbomComponents = () =>
    JSON.parse(readFileSync(path.join(reports, 'deps', 'sbom.cdx.json'), 'utf8')).components.map(
      (c: { name: string; version: string }) => `${c.name}@${c.version}`,
    );

  it('blocks unresolved advisories of production and dev dependencies alike, naming each and its decision key', async () => {
    decide({});
    const result = await runDeps(advisories.url);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('deps: high lodash: Command Injection in lodash (advisory 1106913');
    expect(result.output).toContain('decision key "1106913|lodash"');
    expect(result.output).toContain('deps: critical minimist: Prototype Pollution in minimist (advisory 1097678');
    expect(result.output).not.toContain('ReDoS');
    expect(result.output).toContain('deps FAILED: 2 advisory(ies) unresolved at high or above');
    expect(missingReports(GATES.deps, reports)).toEqual([]);
    expect(auditReport().status).toBe('blocked');
    expect(auditReport().npmAudit.metadata.vulnerabilities).toMatchObject({ high: 1, critical: 1, moderate: 0 });
  });

  it('writes the SBOM of the production dependencies only, whatever the verdict', async () => {
    decide({});
    await runDeps(advisories.url);
    const sbom = JSON.parse(readFileSync(path.join(reports, 'deps', 'sbom.cdx.json'), 'utf8'));
    expect(sbom.bomFormat).toBe('CycloneDX');
    expect(sbomComponents()).toEqual(['lodash@4.17.20']);
  });

  it('passes when each blocking advisory has an unexpired ignore decision with a reason', async () => {
    decide({
      '1106913|lodash': ignore(30, 'templates are compiled from constants only; upgrade planned with the next release'),
      '1097678|minimist': ignore(30, 'dev dependency of the build only; never parses untrusted arguments'),
    });
    const before = advisories.bulkRequests;
    const result = await runDeps(advisories.url);
    expect(result.output).toContain(
      'deps passed: 3 advisory(ies), 2 covered by unexpired decisions, 1 unresolved below high',
    );
    expect(result.status).toBe(0);
    expect(missingReports(GATES.deps, reports)).toEqual([]);
    expect(advisories.bulkRequests).toBeGreaterThan(before);
    expect(auditReport().status).toBe('passed');
  });

  it('blocks again once a decision has expired', async () => {
    decide({
      '1106913|lodash': ignore(30, 'templates are compiled from constants only'),
      '1097678|minimist': ignore(-1, 'dev dependency of the build only'),
    });
    const result = await runDeps(advisories.url);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('deps: critical minimist: Prototype Pollution in minimist (advisory 1097678');
    expect(result.output).toContain('via minimist (decision expired)');
    expect(result.output).not.toContain('deps: high lodash');
    expect(auditReport().status).toBe('blocked');
  });

  it('blocks an advisory below the default threshold when the threshold is lowered to it', async () => {
    decide({
      '1106913|lodash': ignore(30, 'templates are compiled from constants only'),
      '1097678|minimist': ignore(30, 'dev dependency of the build only'),
    });
    const result = await runDeps(advisories.url, ['--audit-level', 'moderate']);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('deps: moderate lodash: Regular Expression Denial of Service (ReDoS) in lodash');
    expect(result.output).toContain('unresolved at moderate or above');
  });

  it('refuses a decision that gives no reason', async () => {
    decide({
      '1106913|lodash': { decision: 'ignore', madeAt: Date.now(), expiresAt: Date.now() + 30 * DAY },
      '1097678|minimist': ignore(30, 'dev dependency of the build only'),
    });
    const result = await runDeps(advisories.url);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(
      /audit-resolve\.json is not a file of dependency decisions: decisions\.1106913\|lodash\.reason: .*reason/,
    );
    expect(result.output).not.toContain('deps passed');
  });

  it('fails closed, in one line, when the advisory service cannot be reached', async () => {
    decide({
      '1106913|lodash': ignore(30, 'templates are compiled from constants only'),
      '1097678|minimist': ignore(30, 'dev dependency of the build only'),
    });
    const down = `http://127.0.0.1:${await closedPort()}`;
    const result = await runDeps(down);
    expect(result.status).not.toBe(0);
    const lines = result.output.split('\n').filter((line) => line.trim() && !line.startsWith('👾'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^advisory service unreachable: request to .*127\.0\.0\.1.* failed, reason: connect ECONNREFUSED/,
    );
    expect(result.output).not.toMatch(/passed/);
    expect(auditReport().status).toBe('unavailable');
    expect(sbomComponents()).toEqual(['lodash@4.17.20']);

    // Run directly, the gate says "could not check" with the pipeline model's own exit code.
    const direct = await run('npx', ['tsx', 'security/deps.ts', '--project', project, '--registry', down], env());
    expect(direct.status).toBe(3);
  });

  it('fails closed when the registry refuses the audit request, as a registry without the advisory service does', async () => {
    decide({});
    // What the npm registry answers from this network: 405, only GET and HEAD allowed.
    const refusing = createHttpServer((_request, response) => {
      response.writeHead(405, { allow: 'GET, HEAD' });
      response.end();
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = refusing.address() as { port: number };
      const result = await runDeps(`http://127.0.0.1:${port}`);
      expect(result.status).not.toBe(0);
      expect(result.output).toMatch(
        /advisory service unreachable: 405 Method Not Allowed - POST http:\/\/127\.0\.0\.1:\d+\/-\/npm\/v1\/security\/advisories\/bulk/,
      );
      expect(result.output).not.toMatch(/passed/);
      expect(auditReport().status).toBe('unavailable');
    } finally {
      refusing.closeAllConnections();
      await new Promise<void>((resolve) => refusing.close(() => resolve()));
    }
  });
});
