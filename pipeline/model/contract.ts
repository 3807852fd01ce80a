/**
 * The contract between an engine and a gate: the inputs a gate reads, each as one environment
 * variable, declared once. A gate declares which inputs it needs (`Gate.inputs`); every engine
 * fills them from its own sources (locally the environment it has just deployed; on AWS stack
 * outputs, the release being deployed and the pipeline's baseline store; in the GitHub workflow
 * the reports folder) through `gateEnvironment`, which refuses to start a gate with an input unset.
 */
export type GateInput =
  'reportsDir' | 'apiUrl' | 'webUrl' | 'expectedVersion' | 'expectedEnvironment' | 'loadBaseline' | 'changeAcceptance';

/**
 * The API contract of the release promoted last, kept at the baseline location beside its load
 * summaries: what the api-compat gate compares a candidate's contract with.
 */
export const CONTRACT_BASELINE = 'openapi.json';

export interface GateInputSpec {
  /** The environment variable the gate reads it from. */
  readonly variable: string;
  readonly description: string;
}

export const GATE_INPUTS: Readonly<Record<GateInput, GateInputSpec>> = {
  reportsDir: {
    variable: 'B2_REPORTS_DIR',
    description: 'the folder the gate writes its reports under, in its own `<gate>/` folder',
  },
  apiUrl: { variable: 'B2_API_URL', description: "the deployed environment's API base URL" },
  webUrl: { variable: 'B2_WEB_URL', description: "the deployed environment's web front end URL" },
  expectedVersion: {
    variable: 'B2_EXPECTED_VERSION',
    description: 'the release the environment must be serving (the version `/health` reports)',
  },
  expectedEnvironment: {
    variable: 'B2_EXPECTED_ENVIRONMENT',
    description: 'the environment name `/health` must report',
  },
  loadBaseline: {
    variable: 'B2_LOAD_BASELINE_LOCATION',
    description:
      "where the last promoted release's load summaries (`load-<scenario>.json`) and its API contract (`openapi.json`) are kept: a folder, or an s3:// prefix",
  },
  changeAcceptance: {
    variable: 'B2_CHANGE_ACCEPTANCE',
    description:
      '`approval` when the approval before production sees the changes the gate reports and must accept the breaking ones by name; otherwise the gate fails on them',
  },
};

/** The values an engine has for the inputs, by input. */
export type GateInputValues = Partial<Record<GateInput, string>>;

/** What a gate reads, as far as the contract is concerned. */
export interface ContractedGate {
  readonly name: string;
  readonly inputs: readonly GateInput[];
}

/**
 * A gate that reads nothing but the checkout (and writes its reports): it can run wherever the
 * code is, a pull request included. Others read what a pipeline keeps or deploys.
 */
export function readsOnlyTheCheckout(gate: ContractedGate): boolean {
  return gate.inputs.every((input) => input === 'reportsDir');
}

/** The inputs a gate declares that are unset (or empty) among the variables it would be given. */
export function missingInputs(
  gate: ContractedGate,
  variables: Readonly<Record<string, string | undefined>>,
): GateInput[] {
  return gate.inputs.filter((input) => !variables[GATE_INPUTS[input].variable]);
}

/** Thrown when an engine would start a gate without an input it reads. */
export class GateInputError extends Error {
  constructor(
    readonly gate: string,
    readonly missing: readonly GateInput[],
  ) {
    super(
      `gate ${gate} cannot start: ${missing.map((input) => `${GATE_INPUTS[input].variable} (${GATE_INPUTS[input].description})`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set`,
    );
    this.name = 'GateInputError';
  }
}

/**
 * The environment variables a gate process is given: exactly the inputs it declares, from the
 * engine's values. Throws `GateInputError` naming every input the engine left unset.
 */
export function gateEnvironment(gate: ContractedGate, values: GateInputValues): Record<string, string> {
  const variables = Object.fromEntries(
    gate.inputs.flatMap((input) => (values[input] ? [[GATE_INPUTS[input].variable, values[input]]] : [])),
  ) as Record<string, string>;
  const missing = missingInputs(gate, variables);
  if (missing.length > 0) throw new GateInputError(gate.name, missing);
  return variables;
}
