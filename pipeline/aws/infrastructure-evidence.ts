import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CloudFormationClient, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { lookupRoleArn } from './infrastructure-evidence-step';
import { parseCommandLine, runMain } from '../kit/cli';
import { compareStacks, renderInfrastructureChange, StackTemplate } from '../kit/infrastructure-change';
import { EVIDENCE_FOLDER, REPORTS_FOLDER } from '../model';

/**
 * `npx projen evidence:infra -- --environment <name> --assembly <stage assembly folder>`: the
 * AWS side of the approval's infrastructure evidence. For each stack of the stage, the template
 * deployed now (CloudFormation `GetTemplate`, through the account's bootstrap lookup role) against
 * the candidate's in the cloud assembly, compared like the local engine compares them. Writes
 * `infrastructure-<environment>.json` and `.txt` into the reports folder's evidence folder.
 */

interface AssemblyManifest {
  readonly artifacts?: Record<
    string,
    {
      readonly type: string;
      readonly environment?: string;
      readonly displayName?: string;
      readonly properties?: { readonly templateFile?: string; readonly stackName?: string };
    }
  >;
}

export interface DeployedStack {
  readonly name: string;
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  readonly templateFile: string;
}

/** The stacks of a stage's cloud assembly, with where each is deployed. */
export function stacksOf(assemblyDir: string): DeployedStack[] {
  const manifest = JSON.parse(readFileSync(path.join(assemblyDir, 'manifest.json'), 'utf8')) as AssemblyManifest;
  return Object.entries(manifest.artifacts ?? {})
    .filter(([, a]) => a.type === 'aws:cloudformation:stack' && a.properties?.templateFile)
    .map(([id, a]) => {
      const [account, region] = (a.environment ?? '').replace('aws://', '').split('/');
      return {
        // `B2Pipeline/Prod/Api` → `Api`, as the local engine names them.
        name: (a.displayName ?? id).split('/').pop() ?? id,
        stackName: a.properties?.stackName ?? id,
        account,
        region,
        templateFile: path.join(assemblyDir, a.properties!.templateFile!),
      };
    });
}

/** The template of a deployed stack; undefined when the stack does not exist yet. */
async function deployedTemplate(stack: DeployedStack, sts: STSClient): Promise<Record<string, unknown> | undefined> {
  const { Credentials } = await sts.send(
    new AssumeRoleCommand({
      RoleArn: lookupRoleArn(stack.account, stack.region),
      RoleSessionName: 'b2-infrastructure-evidence',
    }),
  );
  const cloudformation = new CloudFormationClient({
    region: stack.region,
    credentials: {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken,
    },
  });
  try {
    const { TemplateBody } = await cloudformation.send(
      new GetTemplateCommand({ StackName: stack.stackName, TemplateStage: 'Original' }),
    );
    return TemplateBody ? (JSON.parse(TemplateBody) as Record<string, unknown>) : {};
  } catch (err) {
    if (/does not exist/.test((err as Error).message)) return undefined;
    throw err;
  } finally {
    cloudformation.destroy();
  }
}

export interface InfrastructureEvidenceProps {
  readonly environment: string;
  /** The stage's folder in the cloud assembly. */
  readonly assembly: string;
  /** @default `reports/evidence` */
  readonly outDir?: string;
  /** The release compared, as the approver knows it. @default the commit CodeBuild checked out */
  readonly release?: string;
}

/** Compares the stage's deployed stacks with the candidate's and writes the evidence; resolves to its text. */
export async function writeInfrastructureEvidence(props: InfrastructureEvidenceProps): Promise<string> {
  const stacks = stacksOf(props.assembly);
  const sts = new STSClient({});
  const live: StackTemplate[] = [];
  const candidate: StackTemplate[] = [];
  try {
    for (const stack of stacks) {
      candidate.push({ name: stack.name, template: JSON.parse(readFileSync(stack.templateFile, 'utf8')) });
      const deployed = await deployedTemplate(stack, sts);
      if (deployed) live.push({ name: stack.name, template: deployed });
    }
  } finally {
    sts.destroy();
  }
  const change = compareStacks({
    environment: props.environment,
    candidateRelease: props.release ?? process.env.CODEBUILD_RESOLVED_SOURCE_VERSION ?? 'the candidate',
    // Deployed stacks carry no release id: what is live is "the deployed stacks".
    liveRelease: live.length ? 'the deployed stacks' : undefined,
    live,
    candidate,
  });
  const out = props.outDir ?? path.join(REPORTS_FOLDER, EVIDENCE_FOLDER);
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, `infrastructure-${props.environment}.json`), `${JSON.stringify(change, null, 2)}\n`);
  const text = renderInfrastructureChange(change).join('\n');
  writeFileSync(path.join(out, `infrastructure-${props.environment}.txt`), `${text}\n`);
  return text;
}

async function main(): Promise<number> {
  const { values } = parseCommandLine(process.argv.slice(2), {
    environment: { type: 'string' },
    assembly: { type: 'string' },
  });
  if (!values.environment || !values.assembly) {
    throw new Error('evidence:infra needs --environment <name> and --assembly <the stage’s cloud assembly folder>');
  }
  console.log(await writeInfrastructureEvidence({ environment: values.environment, assembly: values.assembly }));
  return 0;
}

if (require.main === module) runMain(main);
