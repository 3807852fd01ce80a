import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CodeBuildStep, IFileSetProducer } from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';
import {
  Gate,
  GATE_INPUTS,
  gateEnvironment,
  LOAD_GATES,
  LOAD_REMOTE_TARGET_VARIABLE,
  GateInput,
  GateInputValues,
  installToolsCommand,
  INSTALL_DEPENDENCIES_COMMAND,
  REPORTS_FOLDER,
  runTaskCommand,
} from '../model';
import { ToolName, toolVersionVariable, TOOLS } from '../toolchain/versions';

/** The exact version of each gate tool a step installs. */
export type ToolVersions = Readonly<Record<ToolName, string>>;

/** The language runtimes of the CodeBuild image a step selects (`runtime-versions` of the buildspec). */
export interface RuntimeVersions {
  /** Every step runs Node (projen, the gates, the CDK CLI); the pipeline selects it for all of them. */
  readonly nodejs: string;
  /** For the tools installed from PyPI (semgrep, cfn-lint). */
  readonly python: string;
  /** For DynamoDB Local, installed with Maven. */
  readonly java: string;
}

/** The runtimes a gate's tools are installed with, beside the Node every step has. */
function toolRuntimes(tools: readonly ToolName[], runtimes: RuntimeVersions): Record<string, string> {
  const kinds = new Set(tools.map((tool) => TOOLS[tool].source.kind));
  return {
    ...(kinds.has('pypi') ? { python: runtimes.python } : {}),
    ...(kinds.has('maven') ? { java: runtimes.java } : {}),
    // Go tools need no runtime selection: `go install` fetches the toolchain a module asks for.
  };
}

/**
 * What the pipeline has for the inputs of the gate contract (`pipeline/model/contract.ts`): a
 * value known when the pipeline is synthesized, or a stack output of the environment just
 * deployed, which the step reads when it runs.
 */
export type GateInputSources = Partial<Record<GateInput, string | CfnOutput>>;

/**
 * Stands in for an input the step reads from a stack output, so that the contract's check (every
 * declared input has a value) covers those inputs too; it never reaches the step.
 */
const FROM_STACK_OUTPUT = '<a stack output, read when the step runs>';

/**
 * The variables a gate step gives its gate, exactly the inputs the gate declares: those known at
 * synthesis in the step's environment, those from stack outputs through CodePipeline's variables.
 * Throws `GateInputError` naming every declared input the pipeline has no source for, so a gate
 * that would start without one fails the synthesis instead of the run.
 */
export function gateStepVariables(
  gate: Gate,
  sources: GateInputSources,
): { env: Record<string, string>; envFromCfnOutputs: Record<string, CfnOutput> } {
  const values: GateInputValues = Object.fromEntries(
    Object.entries(sources).map(([input, source]) => [input, source instanceof CfnOutput ? FROM_STACK_OUTPUT : source]),
  );
  const variables = gateEnvironment(gate, values);
  const envFromCfnOutputs = Object.fromEntries(
    gate.inputs.flatMap((input) => {
      const source = sources[input];
      return source instanceof CfnOutput ? [[GATE_INPUTS[input].variable, source]] : [];
    }),
  ) as Record<string, CfnOutput>;
  const env = Object.fromEntries(Object.entries(variables).filter(([variable]) => !(variable in envFromCfnOutputs)));
  return { env, envFromCfnOutputs };
}

export interface GateReportGroupsProps {
  readonly gate: Gate;
}

/**
 * The CodeBuild report groups of one gate step: one TEST report group per JUnit report the gate
 * declares. CodeBuild keeps a report even when the build fails, which is when it matters most.
 */
export class GateReportGroups extends Construct {
  readonly gate: Gate;
  /** Each JUnit report of the gate (its path under the reports folder) with its report group. */
  readonly groups: readonly { readonly path: string; readonly reportGroup: codebuild.ReportGroup }[];

  constructor(scope: Construct, id: string, props: GateReportGroupsProps) {
    super(scope, id);
    this.gate = props.gate;
    this.groups = props.gate.reports
      .filter((report) => report.format === 'junit')
      .map((report, index) => ({
        path: report.path,
        reportGroup: new codebuild.ReportGroup(this, index === 0 ? 'Tests' : `Tests${index + 1}`, {
          type: codebuild.ReportGroupType.TEST,
          // The reports are the evidence of past releases: they outlive a pipeline rebuild.
          removalPolicy: RemovalPolicy.RETAIN,
        }),
      }));
  }

  /** The `reports` section of the step's buildspec: each report file into its group. */
  buildSpecReports(): Record<string, unknown> {
    return Object.fromEntries(
      this.groups.map(({ path, reportGroup }) => {
        const slash = path.lastIndexOf('/');
        return [
          reportGroup.reportGroupArn,
          {
            'base-directory': `${REPORTS_FOLDER}/${path.slice(0, slash)}`,
            files: [path.slice(slash + 1)],
            'file-format': 'JUNITXML',
          },
        ];
      }),
    );
  }

  /** What the step's role needs to write into the groups. */
  policyStatements(): iam.PolicyStatement[] {
    if (this.groups.length === 0) return [];
    return [
      new iam.PolicyStatement({
        actions: ['codebuild:CreateReport', 'codebuild:UpdateReport', 'codebuild:BatchPutTestCases'],
        resources: this.groups.map(({ reportGroup }) => reportGroup.reportGroupArn),
      }),
    ];
  }
}

export interface GateStepProps {
  /** The checkout the gate runs in. */
  readonly input: IFileSetProducer;
  readonly reportGroups: GateReportGroups;
  readonly toolVersions: ToolVersions;
  readonly runtimeVersions: RuntimeVersions;
  /**
   * Where the step takes each input of the gate contract from. Only the inputs the gate declares
   * reach it, and each of them must be here.
   */
  readonly inputs: GateInputSources;
  /**
   * What the step's role may do beyond running the gate, for its inputs (reading the load baselines).
   * @default - nothing more
   */
  readonly rolePolicyStatements?: iam.PolicyStatement[];
}

/**
 * One gate as a CodeBuild step: install the dependencies and the gate's tools (at the versions
 * given), run the gate's projen task, publish its JUnit reports into the report groups and its
 * report folder as the step's artifact. The command is the task: nothing else runs.
 */
export class GateStep extends CodeBuildStep {
  readonly gate: Gate;

  constructor(props: GateStepProps) {
    const gate = props.reportGroups.gate;
    const runtimes = Object.entries(toolRuntimes(gate.tools, props.runtimeVersions));
    const install = [INSTALL_DEPENDENCIES_COMMAND, ...(gate.tools.length > 0 ? [installToolsCommand(gate.tools)] : [])];
    const { env, envFromCfnOutputs } = gateStepVariables(gate, props.inputs);
    super(gate.name, {
      input: props.input,
      installCommands: install,
      commands: [runTaskCommand(gate.task)],
      env: {
        ...env,
        // The environments a CodeBuild step checks are deployed, not on its machine.
        ...(LOAD_GATES.includes(gate.name) ? { [LOAD_REMOTE_TARGET_VARIABLE]: '1' } : {}),
        ...Object.fromEntries(gate.tools.map((tool) => [toolVersionVariable(tool), props.toolVersions[tool]])),
      },
      envFromCfnOutputs: Object.keys(envFromCfnOutputs).length > 0 ? envFromCfnOutputs : undefined,
      // A gate that writes no report has no folder to keep; CodeBuild would fail on the missing path.
      primaryOutputDirectory: gate.reports.length > 0 ? `${REPORTS_FOLDER}/${gate.name}` : undefined,
      partialBuildSpec: codebuild.BuildSpec.fromObject({
        ...(runtimes.length > 0 ? { phases: { install: { 'runtime-versions': Object.fromEntries(runtimes) } } } : {}),
        ...(props.reportGroups.groups.length > 0 ? { reports: props.reportGroups.buildSpecReports() } : {}),
      }),
      rolePolicyStatements: [...props.reportGroups.policyStatements(), ...(props.rolePolicyStatements ?? [])],
      timeout: Duration.minutes(gate.timeoutMinutes),
    });
    this.gate = gate;
  }
}
