import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from './scratch-project';
import { CORPUS_DIR } from '../../security/sast';

/**
 * The SAST corpus (security/corpus): `<case>.vulnerable.ts` snippets, each with its safe lookalike
 * `<case>.safe.ts`. A line a ruleset must report carries annotations on the comment lines above it:
 * `// ruleid: <semgrep rule>, ...` (semgrep's own test annotation, so it sits right above the line)
 * and `// lint: <eslint rule>, ...`. Nothing else may be reported.
 */

export const CORPUS_ROOT = path.join(PROJECT_ROOT, CORPUS_DIR);

/** One finding as `<file> <line> <rule>`, the file relative to the project. */
export type Expectation = string;

export function corpusFiles(kind: 'vulnerable' | 'safe'): string[] {
  return readdirSync(CORPUS_ROOT)
    .filter((file) => file.endsWith(`.${kind}.ts`))
    .sort()
    .map((file) => path.posix.join(CORPUS_DIR, file));
}

const ANNOTATION = /^\s*\/\/ (ruleid|lint): (.+)$/;

/** What the corpus says `ruleset` must report in `file` (relative to the project). */
export function expectedFindings(file: string, ruleset: 'ruleid' | 'lint'): Expectation[] {
  const lines = readFileSync(path.join(PROJECT_ROOT, file), 'utf8').split('\n');
  return lines.flatMap((line, index) => {
    const annotation = ANNOTATION.exec(line);
    if (annotation?.[1] !== ruleset) return [];
    // The annotated line is the first one below that is not a comment.
    const target = lines.findIndex((candidate, i) => i > index && !/^\s*\/\//.test(candidate));
    return annotation[2].split(',').map((rule) => `${file} ${target + 1} ${rule.trim()}`);
  });
}

export function describeFinding(file: string, line: number, rule: string): Expectation {
  return `${file} ${line} ${rule}`;
}

/**
 * Issue 19's three snippets in one file, in shapes the project's own code does not use: eval (line
 * 5) and the Function constructor (line 10) over the body of a standard Request, and a filter
 * expression concatenated from a function parameter (line 16).
 */
export const REQUEST_HANDLER_SNIPPETS = `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';

export async function POST(req: Request): Promise<Response> {
  return Response.json({ result: eval((await req.json()).code) as unknown });
}

export async function PUT(req: Request): Promise<Response> {
  const body = (await req.json()) as { code: string };
  return Response.json({ result: new Function(body.code)() as unknown });
}

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export async function byTitle(userInput: string): Promise<unknown> {
  return documents.send(new ScanCommand({ TableName: 'notes', FilterExpression: 'title = ' + userInput }));
}
`;
