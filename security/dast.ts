import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DastFinding, dastFindings } from './dast-findings';
import { parseCommandLine, runMain } from '../pipeline/kit/cli';
import { reportDir } from '../pipeline/kit/reports';
import { GATES } from '../pipeline/model/gates';
import { PROJECT_ROOT } from '../pipeline/toolchain/paths';
import { requireTool } from '../pipeline/toolchain/probe';
import { CONTRACT_PATH } from '../service/src/contract/document';
import { apiUrlFromEnvironment, reachApi } from '../test/integration/support/api';

/**
 * The DAST gate (`npx projen dast`): schemathesis sends generated requests to a deployed
 * environment (`B2_API_URL`), driven by the contract that environment serves at /openapi.json,
 * signed in as a user it registers (`security/dast/b2_session.py`). It fails on a server error,
 * an answer off its schema, a status code or a content type the contract does not state, and
 * names the route and the request that showed it.
 */

/** The checks that block; schemathesis's other checks judge what a contract with refinements cannot say. */
export const DAST_CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
] as const;

/** The exit code with which the gate says it could not check (the API did not answer), as the model names it. */
const UNAVAILABLE = GATES.dast.unavailableExitCode ?? 3;

const HOOKS_DIR = path.join(PROJECT_ROOT, 'security', 'dast');
const HOOKS_MODULE = 'b2_session';

export interface DastProps {
  /** The schemathesis executable. */
  readonly schemathesis: string;
  /** The environment's API base URL. */
  readonly apiUrl: string;
  /** Where the reports go: `junit.xml`, `schemathesis.json`, `html/`. */
  readonly reportDir: string;
  /**
   * Test cases per operation and phase.
   * @default 10
   */
  readonly maxExamples?: number;
  /**
   * The whole run's time budget, in seconds: fuzzing and stateful phases stop when it is spent.
   * @default 45
   */
  readonly maxSeconds?: number;
  /**
   * The random seed; the report records it, so a failure can be replayed with the same one.
   * @default a new one each run
   */
  readonly seed?: number;
  /**
   * The path templates of the contract the environment serves, to name the operation a
   * stateful finding's request went to.
   * @default none: such a finding is named after its phase
   */
  readonly paths?: readonly string[];
}

export interface DastResult {
  readonly exitCode: number;
  readonly findings: readonly DastFinding[];
  /** Test cases schemathesis generated and sent. */
  readonly testCases: number;
  readonly operations: number;
  readonly seconds: number;
  /** The seed schemathesis used (a 128-bit integer, kept as its digits). */
  readonly seed?: string;
  /** Errors that stopped schemathesis from checking (a schema it could not read, a hook that failed). */
  readonly errors: readonly string[];
}

export const DAST_REPORTS = { junit: 'junit.xml', json: 'schemathesis.json', html: 'html' } as const;

interface SchemathesisJson {
  readonly test_cases?: { readonly generated?: number };
  readonly operations?: { readonly tested?: number };
  readonly running_time?: number;
  readonly errors?: ReadonlyArray<{ readonly title?: string; readonly message?: string } | string>;
}

/** Runs schemathesis against the environment and reads its reports back. */
export async function runDast(props: DastProps): Promise<DastResult> {
  const reports = props.reportDir;
  for (const report of Object.values(DAST_REPORTS)) {
    rmSync(path.join(reports, report), { recursive: true, force: true });
  }
  const args = [
    'run',
    `${props.apiUrl}${CONTRACT_PATH}`,
    '--checks',
    DAST_CHECKS.join(','),
    '--max-examples',
    String(props.maxExamples ?? 10),
    '--max-time',
    String(props.maxSeconds ?? 45),
    // One worker: on two cores the release under test needs the other.
    '--workers',
    '1',
    '--request-timeout',
    '10',
    // Nothing is kept between runs in the checkout: each run's seed, in its report, replays it.
    '--generation-database',
    ':memory:',
    '--no-color',
    '--report',
    'junit,json,html',
    '--report-junit-path',
    path.join(reports, DAST_REPORTS.junit),
    '--report-json-path',
    path.join(reports, DAST_REPORTS.json),
    '--report-html-path',
    path.join(reports, DAST_REPORTS.html),
    ...(props.seed !== undefined ? ['--seed', String(props.seed)] : []),
  ];
  const exitCode = await new Promise<number>((resolve, reject) => {
    const child = spawn(props.schemathesis, args, {
      // schemathesis keeps the crashes it found under `.schemathesis/` there, for `schemathesis replay`.
      cwd: reports,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        B2_API_URL: props.apiUrl,
        SCHEMATHESIS_HOOKS: HOOKS_MODULE,
        PYTHONPATH: [HOOKS_DIR, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
      },
    });
    child.on('error', (err) => reject(new Error(`schemathesis could not start: ${err.message}`)));
    child.on('close', (code) => resolve(code ?? 1));
  });
  const junit = path.join(reports, DAST_REPORTS.junit);
  const json = path.join(reports, DAST_REPORTS.json);
  const text = existsSync(json) ? readFileSync(json, 'utf8') : '{}';
  const run = JSON.parse(text) as SchemathesisJson;
  return {
    exitCode,
    findings: existsSync(junit)
      ? dastFindings(readFileSync(junit, 'utf8'), { apiUrl: props.apiUrl, paths: props.paths ?? [] })
      : [],
    testCases: run.test_cases?.generated ?? 0,
    operations: run.operations?.tested ?? 0,
    seconds: run.running_time ?? 0,
    // Read as text: the seed is wider than a JavaScript number.
    seed: /"seed":\s*(\d+)/.exec(text)?.[1],
    errors: (run.errors ?? []).map((e) =>
      typeof e === 'string' ? e : [e.title, e.message].filter(Boolean).join(': '),
    ),
  };
}

/**
 * The API and its contract must answer before schemathesis starts: an unreachable environment
 * is said so (the integration tests' own check of `/health`), never a result. Answers the
 * contract's path templates, or why it could not be read.
 */
async function readContract(apiUrl: string): Promise<{ paths: string[] } | { unreachable: string }> {
  try {
    await reachApi(apiUrl);
  } catch (err) {
    return { unreachable: (err as Error).message };
  }
  const answer = await fetch(`${apiUrl}${CONTRACT_PATH}`, { signal: AbortSignal.timeout(10_000) });
  if (answer.status !== 200) {
    return {
      unreachable: `${apiUrl}${CONTRACT_PATH} answered ${answer.status}: does this release serve its contract?`,
    };
  }
  const document = (await answer.json().catch(() => ({}))) as { paths?: Record<string, unknown> };
  return { paths: Object.keys(document.paths ?? {}) };
}

runMain(async () => {
  const { values } = parseCommandLine(process.argv.slice(2), {
    'max-examples': { type: 'string' },
    'max-seconds': { type: 'string' },
    seed: { type: 'string' },
  });
  const apiUrl = apiUrlFromEnvironment();
  const reports = reportDir('dast');
  const contract = await readContract(apiUrl);
  if ('unreachable' in contract) {
    const unreachable = contract.unreachable;
    // `npx projen` turns every failure into exit code 1: the engines read "could not check" here.
    writeFileSync(
      path.join(reports, DAST_REPORTS.json),
      `${JSON.stringify({ status: 'unavailable', reason: unreachable }, null, 2)}\n`,
    );
    console.error(`dast could not check: ${unreachable}`);
    return UNAVAILABLE;
  }
  const number = (name: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} ${raw} is not a whole number of at least 1`);
    return value;
  };
  const result = await runDast({
    schemathesis: await requireTool('schemathesis'),
    apiUrl,
    reportDir: reports,
    maxExamples: number('max-examples', values['max-examples']),
    maxSeconds: number('max-seconds', values['max-seconds']),
    seed: number('seed', values.seed),
    paths: contract.paths,
  });
  console.log(`reports: ${path.join(reports, DAST_REPORTS.junit)}, ${path.join(reports, DAST_REPORTS.html)}`);
  const ran = `${result.testCases} requests over ${result.operations} operations in ${result.seconds.toFixed(0)} s (seed ${result.seed ?? 'unknown'})`;
  if (result.findings.length > 0) {
    for (const finding of result.findings) {
      const foundBy = finding.foundBy ? ` (found by schemathesis's ${finding.foundBy})` : '';
      console.log(
        `FAIL ${finding.route}: ${finding.check}${foundBy}${finding.request ? `\n     ${finding.request}` : ''}`,
      );
    }
    const first = result.findings[0];
    console.log(
      `dast FAILED against ${apiUrl}: ${result.findings.length} finding${result.findings.length === 1 ? '' : 's'}, first ${first.route}: ${first.check}${first.request ? ` (${first.request})` : ''}; ${ran}`,
    );
    return 1;
  }
  if (result.exitCode !== 0 || result.errors.length > 0 || result.testCases === 0) {
    console.log(
      `dast could not check ${apiUrl}: schemathesis exited ${result.exitCode}${result.errors.length ? `: ${result.errors.join('; ')}` : ''}${result.testCases === 0 ? ' and sent no request' : ''}`,
    );
    return 2;
  }
  console.log(`dast passed against ${apiUrl}: ${ran}`);
  return 0;
});
