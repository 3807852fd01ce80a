import type { GateScenario } from '../../loadtest/plan';
import { ToolName } from '../toolchain/versions';

/**
 * The gates of the pipeline, as data. Each gate is one projen task: every engine (the CDK
 * Pipeline's CodeBuild steps, the GitHub workflow, the local engine) runs `npx projen <task>`
 * and nothing else, so a gate's command exists once, in the task.
 */
export type GateName =
  | 'lint'
  | 'typecheck'
  | 'sast'
  | 'secrets'
  | 'deps'
  | 'unit'
  | 'infra'
  | 'integration'
  | 'e2e'
  | 'load-current'
  | 'load-tenfold'
  | 'smoke';

/**
 * The reports root engines use in a checkout (the default of `reportsRoot()` in
 * `pipeline/reports.ts`); they set `B2_REPORTS_DIR` to it, so the place never depends on a default.
 */
export const REPORTS_FOLDER = 'reports';

export type ReportFormat = 'junit' | 'sarif' | 'json' | 'cyclonedx' | 'html';

export interface GateReport {
  readonly format: ReportFormat;
  /** Relative to the run's reports folder; always inside the gate's own folder (`<gate>/…`). */
  readonly path: string;
}

export interface Gate {
  readonly name: GateName;
  /** The projen task that is the gate. */
  readonly task: string;
  readonly title: string;
  /** Pre-deploy gates check the change; post-deploy gates check a deployed environment. */
  readonly phase: 'pre-deploy' | 'post-deploy';
  /** Tools the step installs before it runs the task. */
  readonly tools: readonly ToolName[];
  /** What the gate leaves in the reports folder; engines publish these (report groups, SARIF upload, links). */
  readonly reports: readonly GateReport[];
  /**
   * The gate reads the git history, not only the working tree (the secret scanner looks for a
   * secret that was committed and later deleted): engines give it a full clone.
   * @default false
   */
  readonly gitHistory?: boolean;
  /**
   * The exit code with which the gate says "could not check" (for example the advisory service
   * was unreachable), as opposed to "found something". It still fails the gate.
   */
  readonly unavailableExitCode?: number;
}

/** A k6 gate: one scenario of the load profile, and the performance report it writes. */
function loadGate(scenario: GateScenario, title: string): Gate {
  const name = `load-${scenario}` as const;
  return {
    name,
    task: `load:${scenario}`,
    title,
    phase: 'post-deploy',
    tools: ['k6'],
    reports: [
      { format: 'junit', path: `${name}/junit.xml` },
      { format: 'json', path: `${name}/summary.json` },
      { format: 'html', path: `${name}/report.html` },
    ],
  };
}

/** The gates that run k6; each also exports k6's web dashboard beside its report. */
export const LOAD_GATES: readonly GateName[] = ['load-current', 'load-tenfold'];

export const GATES: Record<GateName, Gate> = {
  lint: {
    name: 'lint',
    task: 'lint',
    title: 'eslint and prettier',
    phase: 'pre-deploy',
    tools: [],
    reports: [],
  },
  typecheck: {
    name: 'typecheck',
    task: 'typecheck',
    title: 'tsc over every folder',
    phase: 'pre-deploy',
    tools: [],
    reports: [],
  },
  sast: {
    name: 'sast',
    task: 'sast',
    title: 'semgrep with the project rules',
    phase: 'pre-deploy',
    tools: ['semgrep'],
    // SARIF for code scanning; JUnit (one test case per rule) for CodeBuild report groups.
    reports: [
      { format: 'sarif', path: 'sast/semgrep.sarif' },
      { format: 'junit', path: 'sast/junit.xml' },
    ],
  },
  secrets: {
    name: 'secrets',
    task: 'secrets',
    title: 'gitleaks over the tree and the history',
    phase: 'pre-deploy',
    tools: ['gitleaks'],
    gitHistory: true,
    reports: [
      { format: 'sarif', path: 'secrets/gitleaks.sarif' },
      { format: 'junit', path: 'secrets/junit.xml' },
    ],
  },
  deps: {
    name: 'deps',
    task: 'deps',
    title: 'npm audit with the recorded decisions; SBOM',
    phase: 'pre-deploy',
    tools: [],
    reports: [
      { format: 'json', path: 'deps/audit.json' },
      { format: 'cyclonedx', path: 'deps/sbom.cdx.json' },
    ],
    unavailableExitCode: 3,
  },
  unit: {
    name: 'unit',
    task: 'test:unit',
    title: 'unit tests with coverage, CDK assertions and cdk-nag',
    phase: 'pre-deploy',
    // cfn-lint: the unit tier lints the synthesized pipeline stack.
    tools: ['dynamodb-local', 'cfn-lint'],
    reports: [{ format: 'junit', path: 'unit/junit.xml' }],
  },
  infra: {
    name: 'infra',
    task: 'check:infra',
    title: 'cfn-lint over the synthesized templates',
    phase: 'pre-deploy',
    tools: ['cfn-lint'],
    reports: [
      { format: 'json', path: 'infra/cfn-lint.json' },
      { format: 'junit', path: 'infra/junit.xml' },
    ],
  },
  integration: {
    name: 'integration',
    task: 'test:integration',
    title: 'API tests over HTTP',
    phase: 'post-deploy',
    tools: [],
    reports: [{ format: 'junit', path: 'integration/junit.xml' }],
  },
  e2e: {
    name: 'e2e',
    task: 'e2e',
    title: 'Playwright in Chromium',
    phase: 'post-deploy',
    tools: ['chromium'],
    reports: [
      { format: 'junit', path: 'e2e/junit.xml' },
      { format: 'html', path: 'e2e/html/index.html' },
    ],
  },
  'load-current': loadGate('current', 'k6 at the current load'),
  'load-tenfold': loadGate('tenfold', 'k6 at 10x the current load'),
  smoke: {
    name: 'smoke',
    task: 'smoke',
    title: 'health and critical paths',
    phase: 'post-deploy',
    tools: [],
    reports: [{ format: 'junit', path: 'smoke/junit.xml' }],
  },
};

/**
 * The variables a post-deploy gate reads its target from. Every engine sets them from the
 * environment it has just deployed: on AWS from the stage's stack outputs, locally from the
 * environment's own ports.
 */
export const TARGET_VARIABLES = { apiUrl: 'B2_API_URL', webUrl: 'B2_WEB_URL' } as const;
