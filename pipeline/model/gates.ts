import { GateInput } from './contract';
import { LOAD_SCENARIOS, LoadScenario, LoadScenarioName } from './load';
import type { ToolName } from '../toolchain/versions';

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
  | 'api-compat'
  | 'integration'
  | 'dast'
  | 'e2e'
  | `load-${LoadScenarioName}`
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
  /** What the gate reads from the engine (`contract.ts`); every engine must set each of them. */
  readonly inputs: readonly GateInput[];
  /** How long the gate may run before the engine stops it and fails it, on every engine. */
  readonly timeoutMinutes: number;
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

/** Every pre-deploy gate checks the checkout and writes its reports: that is all it reads. */
const CHECKOUT_INPUTS: readonly GateInput[] = ['reportsDir'];

/**
 * Most gates finish in a few minutes; the slowest (unit with coverage on two cores) in under
 * five. Thirty minutes stops a gate that hangs without cutting one that is merely slow.
 */
const GATE_TIMEOUT_MINUTES = 30;

/** A k6 gate: one scenario of the load profile, judged against the last promoted release. */
function loadGate(scenario: LoadScenario): Gate {
  const name = `load-${scenario.name}` as const;
  return {
    name,
    task: `load:${scenario.name}`,
    title: scenario.title,
    phase: 'post-deploy',
    tools: ['k6'],
    reports: [
      { format: 'junit', path: `${name}/junit.xml` },
      { format: 'json', path: `${name}/summary.json` },
      { format: 'html', path: `${name}/report.html` },
    ],
    inputs: ['reportsDir', 'apiUrl', 'loadBaseline'],
    timeoutMinutes: GATE_TIMEOUT_MINUTES,
  };
}

const LOAD_GATE_LIST = Object.values(LOAD_SCENARIOS).map(loadGate);

/** The gates that run k6; each also exports k6's web dashboard beside its report. */
export const LOAD_GATES: readonly GateName[] = LOAD_GATE_LIST.map((gate) => gate.name);

export const GATES: Record<GateName, Gate> = {
  lint: {
    name: 'lint',
    task: 'lint',
    title: 'eslint and prettier',
    phase: 'pre-deploy',
    tools: [],
    reports: [],
    inputs: CHECKOUT_INPUTS,
    timeoutMinutes: GATE_TIMEOUT_MINUTES,
  },
  typecheck: {
    name: 'typecheck',
    task: 'typecheck',
    title: 'tsc over every folder',
    phase: 'pre-deploy',
    tools: [],
    reports: [],
    inputs: CHECKOUT_INPUTS,
    timeoutMinutes: GATE_TIMEOUT_MINUTES,
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
    inputs: CHECKOUT_INPUTS,
    timeoutMinutes: GATE_TIMEOUT_MINUTES,
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
    inputs: CHECKOUT_INPUTS,
    timeoutMinutes: GATE_TIMEOUT_MINUTES,
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
    inputs: CHECKOUT_INPUTS,
    timeoutMinutes: GATE_TIMEOUT_MINUTES,
  },
  unit: {
    name: 'unit',
    task: 'test:unit',
    title: 'unit tests with coverage, CDK assertions and cdk-nag',
    phase: 'pre-deploy',
    // cfn-lint: the unit tier lints the synthesized pipeline stack; node: it starts a release on
    // the pinned Node of the Lambda runtime's major.
    tools: ['dynamodb-local', 'cfn-lint', 'node'],
    reports: [{ format: 'junit', path: 'unit/junit.xml' }],
    inputs: CHECKOUT_INPUTS,
    timeoutMinutes: GATE_TIMEOUT_MINUTES,
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
    inputs: CHECKOUT_INPUTS,
    timeoutMinutes: GATE_TIMEOUT_MINUTES,
  },
  'api-compat': {
    name: 'api-compat',
    task: 'api:compat',
    title: "oasdiff: the API contract against production's",
    phase: 'pre-deploy',
    tools: ['oasdiff'],
    reports: [
      { format: 'json', path: 'api-compat/changes.json' },
      { format: 'junit', path: 'api-compat/junit.xml' },
      // The candidate's contract as compared: the promotion after production keeps it for the next release.
      { format: 'json', path: 'api-compat/candidate.json' },
    ],
    // Production's contract is kept with its baselines; a breaking change is for production's approval to accept.
    inputs: ['reportsDir', 'expectedVersion', 'loadBaseline', 'changeAcceptance'],
    timeoutMinutes: GATE_TIMEOUT_MINUTES,
  },
  integration: {
    name: 'integration',
    task: 'test:integration',
    title: 'API tests over HTTP',
    phase: 'post-deploy',
    tools: [],
    reports: [{ format: 'junit', path: 'integration/junit.xml' }],
    // The web front end's origin is the one CORS must allow: the tests send it as Origin.
    inputs: ['reportsDir', 'apiUrl', 'webUrl'],
    timeoutMinutes: GATE_TIMEOUT_MINUTES,
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
    inputs: ['reportsDir', 'webUrl'],
    timeoutMinutes: GATE_TIMEOUT_MINUTES,
  },
  dast: {
    name: 'dast',
    task: 'dast',
    title: 'schemathesis against the contract the environment serves',
    phase: 'post-deploy',
    tools: ['schemathesis'],
    reports: [
      { format: 'junit', path: 'dast/junit.xml' },
      { format: 'json', path: 'dast/schemathesis.json' },
      { format: 'html', path: 'dast/html/index.html' },
    ],
    inputs: ['reportsDir', 'apiUrl'],
    // Bounded by its own time budget (45 s by default); the rest is start-up and the reports.
    timeoutMinutes: GATE_TIMEOUT_MINUTES,
    unavailableExitCode: 3,
  },
  ...(Object.fromEntries(LOAD_GATE_LIST.map((gate) => [gate.name, gate])) as Record<`load-${LoadScenarioName}`, Gate>),
  smoke: {
    name: 'smoke',
    task: 'smoke',
    title: 'health and critical paths',
    phase: 'post-deploy',
    tools: [],
    reports: [{ format: 'junit', path: 'smoke/junit.xml' }],
    inputs: ['reportsDir', 'apiUrl', 'expectedVersion', 'expectedEnvironment'],
    timeoutMinutes: GATE_TIMEOUT_MINUTES,
  },
};
