import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { runMain } from '../../pipeline/kit/cli';
import { renderJunit } from '../../pipeline/kit/junit';
import { reportDir } from '../../pipeline/kit/reports';
import { MissingToolError, requireTool } from '../../pipeline/toolchain/probe';

const run = promisify(execFile);

/**
 * CDK emits a DependsOn on a function's role next to the GetAtt that already orders them:
 * redundant, harmless, and not ours to change.
 */
const IGNORED_CHECKS = ['W3005'];
/** Templates the manifest does not place in a region are linted against CDK's default one. */
const DEFAULT_REGION = 'us-east-1';

interface Manifest {
  readonly artifacts?: Record<
    string,
    { type: string; environment?: string; properties?: { templateFile?: string; directoryName?: string } }
  >;
}

/** One cfn-lint finding, as its JSON formatter writes it. */
interface Finding {
  readonly Filename: string;
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Message: string;
  readonly Rule: { readonly Id: string };
  readonly Location: { readonly Start: { readonly LineNumber: number } };
}

/**
 * The region of every stack template the cloud assembly (and its nested stage assemblies)
 * declares. Only declared templates are linted: another app's assembly kept in a subfolder of
 * the output (the pipeline's `cdk.out/pipeline`) is its own, and may be stale.
 */
function templateRegions(dir: string, regions = new Map<string, string>()): Map<string, string> {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) return regions;
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
  for (const artifact of Object.values(manifest.artifacts ?? {})) {
    if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      templateRegions(path.join(dir, artifact.properties.directoryName), regions);
    }
    if (artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile) {
      const region = artifact.environment?.split('/').pop();
      const known = region && region !== 'unknown-region' ? region : DEFAULT_REGION;
      regions.set(path.join(dir, artifact.properties.templateFile), known);
    }
  }
  return regions;
}

async function lint(cfnLint: string, region: string, templates: string[]): Promise<Finding[]> {
  const args = ['--format', 'json', '--regions', region, '--ignore-checks', ...IGNORED_CHECKS, '--', ...templates];
  // cfn-lint exits non-zero whenever it reports anything; the JSON on stdout is the verdict.
  const { stdout, stderr } = await run(cfnLint, args, { maxBuffer: 64 * 1024 * 1024 }).catch(
    (err: { stdout?: string; stderr?: string }) => ({ stdout: err.stdout ?? '', stderr: err.stderr ?? '' }),
  );
  try {
    return JSON.parse(stdout) as Finding[];
  } catch {
    throw new Error(`cfn-lint did not report (${stderr.trim().split('\n').pop() ?? 'no output'})`);
  }
}

/** The lint as JUnit: one test case per template, failing with its cfn-lint errors, one line each. */
function renderInfraJunit(
  assembly: string,
  templates: readonly string[],
  findings: readonly Finding[],
  seconds: number,
): string {
  const errors = findings.filter((f) => f.Level === 'Error');
  // An error in a file outside the templates (none expected) still gets a case, so none is lost.
  const files = [...new Set([...templates, ...errors.map((f) => path.resolve(f.Filename))])];
  const cases = files.map((file) => {
    const name = path.relative(assembly, file);
    const own = errors.filter((f) => path.resolve(f.Filename) === file);
    const lines = own.map((f) => `${f.Rule.Id} ${name}:${f.Location.Start.LineNumber} ${f.Message}`);
    return {
      name,
      failure:
        own.length === 0
          ? undefined
          : { message: `${own.length} cfn-lint error(s)`, type: 'cfn-lint', details: lines.join('\n') },
    };
  });
  return renderJunit({ name: 'infra', suites: [{ name: 'cfn-lint', cases, seconds }] });
}

/** `check:infra`: cfn-lint over every synthesized template, each against its stack's region. */
async function main(): Promise<number> {
  const assembly = path.resolve(process.argv[2] ?? 'cdk.out');
  if (!existsSync(assembly)) throw new Error(`${assembly} does not exist: run \`npx projen synth\` first`);
  const cfnLint = await requireTool('cfn-lint').catch((err: unknown) => {
    if (!(err instanceof MissingToolError)) throw err;
    const { found, tool } = err.state;
    const state = found ? `cfn-lint ${found} is installed but ${tool.version} is pinned` : 'cfn-lint is not installed';
    throw new Error(`${state}: run \`npx projen tools:install cfn-lint\``);
  });
  const regions = templateRegions(assembly);
  const templates = [...regions.keys()].sort();
  if (templates.length === 0) {
    throw new Error(`${assembly} declares no CloudFormation template: run \`npx projen synth\` first`);
  }

  const byRegion = new Map<string, string[]>();
  for (const template of templates) {
    const region = regions.get(template) as string;
    byRegion.set(region, [...(byRegion.get(region) ?? []), template]);
  }
  const started = performance.now();
  const findings = (await Promise.all([...byRegion].map(([region, files]) => lint(cfnLint, region, files)))).flat();

  const count = (level: Finding['Level']) => findings.filter((f) => f.Level === level).length;
  const summary = {
    tool: 'cfn-lint',
    templates: templates.map((t) => path.relative(assembly, t)),
    ignoredChecks: IGNORED_CHECKS,
    errors: count('Error'),
    warnings: count('Warning'),
    informational: count('Informational'),
    findings,
  };
  const report = path.join(reportDir('infra'), 'cfn-lint.json');
  writeFileSync(report, `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(
    path.join(reportDir('infra'), 'junit.xml'),
    renderInfraJunit(assembly, templates, findings, (performance.now() - started) / 1000),
  );

  for (const finding of findings) {
    const where = `${path.relative(process.cwd(), finding.Filename)}:${finding.Location.Start.LineNumber}`;
    console.log(`${finding.Level.toLowerCase()} ${finding.Rule.Id} ${where} ${finding.Message}`);
  }
  console.log(
    `cfn-lint: ${templates.length} templates, ${summary.errors} errors, ${summary.warnings} warnings (report: ${path.relative(process.cwd(), report)})`,
  );
  return summary.errors === 0 ? 0 : 1;
}

runMain(main);
