import { CfnTemplate } from './pipeline-synthesis';

/** One CodePipeline action as the template declares it. */
export interface PipelineAction {
  readonly Name: string;
  readonly ActionTypeId: { readonly Category: string; readonly Provider: string };
  readonly RunOrder?: number;
  readonly Configuration?: Record<string, unknown>;
}

export interface PipelineStageJson {
  readonly Name: string;
  readonly Actions: readonly PipelineAction[];
}

/** What a CodeBuild buildspec says, as far as the checks read it. */
export interface BuildSpecJson {
  readonly phases?: Record<
    string,
    { readonly commands?: readonly string[]; readonly 'runtime-versions'?: Record<string, string> } | undefined
  >;
  readonly reports?: Record<string, { readonly 'base-directory'?: string; readonly files?: readonly string[] }>;
  readonly artifacts?: { readonly 'base-directory'?: string };
}

/** The properties of the one CodePipeline in a template. */
export function pipelineOf(template: CfnTemplate): Record<string, unknown> & { Stages: PipelineStageJson[] } {
  const pipelines = Object.values(template.Resources).filter((r) => r.Type === 'AWS::CodePipeline::Pipeline');
  if (pipelines.length !== 1) throw new Error(`expected one pipeline, found ${pipelines.length}`);
  return pipelines[0].Properties as Record<string, unknown> & { Stages: PipelineStageJson[] };
}

export function stageNamed(template: CfnTemplate, name: string): PipelineStageJson {
  const stage = pipelineOf(template).Stages.find((s) => s.Name === name);
  if (!stage) throw new Error(`the pipeline has no stage ${name}`);
  return stage;
}

/** The logical id a `{ Ref }` or `{ Fn::GetAtt }` points at. */
export function referencedId(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const ref = (value as { Ref?: unknown }).Ref;
  if (typeof ref === 'string') return ref;
  const getAtt = (value as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'];
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

/** A buildspec with its `Fn::Join` parts: the text, and the resources referenced inside it. */
function buildSpecParts(buildSpec: unknown): { text: string; references: string[] } {
  if (typeof buildSpec === 'string') return { text: buildSpec, references: [] };
  const join = (buildSpec as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`unreadable buildspec ${JSON.stringify(buildSpec).slice(0, 200)}`);
  const references: string[] = [];
  const text = join[1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const id = referencedId(part);
      if (!id) throw new Error(`unreadable buildspec part ${JSON.stringify(part)}`);
      references.push(id);
      return `<${id}>`;
    })
    .join(join[0]);
  return { text, references };
}

/** The CodeBuild project of a CodeBuild action, with its buildspec and what the buildspec references. */
export function projectOf(
  template: CfnTemplate,
  action: PipelineAction,
): { id: string; buildSpec: BuildSpecJson; references: string[]; properties: Record<string, unknown> } {
  const id = referencedId(action.Configuration?.ProjectName);
  const project = id ? template.Resources[id] : undefined;
  if (!id || project?.Type !== 'AWS::CodeBuild::Project') throw new Error(`${action.Name} runs no CodeBuild project`);
  const properties = project.Properties ?? {};
  const { text, references } = buildSpecParts((properties.Source as { BuildSpec?: unknown }).BuildSpec);
  return { id, buildSpec: JSON.parse(text) as BuildSpecJson, references, properties };
}

/** The CodeBuild actions of a stage. */
export function codeBuildActions(stage: PipelineStageJson): PipelineAction[] {
  return stage.Actions.filter((a) => a.ActionTypeId.Category === 'Build' && a.ActionTypeId.Provider === 'CodeBuild');
}

/**
 * What is wrong with the approval of a stage: it must exist, and run before every deploy
 * action of the stage (CodePipeline runs lower run orders first).
 */
export function approvalProblems(template: CfnTemplate, stageName: string): string[] {
  const stage = stageNamed(template, stageName);
  const approvals = stage.Actions.filter((a) => a.ActionTypeId.Category === 'Approval');
  if (approvals.length === 0) return [`${stageName} has no approval action`];
  const approvedAt = Math.max(...approvals.map((a) => a.RunOrder ?? 1));
  return stage.Actions.filter((a) => a.ActionTypeId.Category === 'Deploy' && (a.RunOrder ?? 1) <= approvedAt).map(
    (a) => `${stageName}: ${a.Name} runs at ${a.RunOrder ?? 1}, not after the approval at ${approvedAt}`,
  );
}
