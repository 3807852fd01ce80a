import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GATES } from '../../pipeline/model/gates';
import { declaredReport, missingReports } from '../harness/gate-reports';
import { ScratchProject } from '../harness/scratch-project';

/**
 * Keys are generated when the test runs, so none is ever written into the project's own files
 * (where the project's own secret scan would rightly find it).
 */
function awsAccessKeyId(): string {
  // Sixteen different characters: the rule waves through a key too plain to be real (entropy
  // under 3), and sixteen drawn with repeats were that about once in 3,000 runs.
  const alphabet = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'];
  for (let i = alphabet.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [alphabet[i], alphabet[j]] = [alphabet[j], alphabet[i]];
  }
  return `AKIA${alphabet.slice(0, 16).join('')}`;
}

function privateKeyPem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
}

/**
 * A random 32-character key that gitleaks' generic-api-key rule always reads as one. Letters
 * alternate with digits: the rule waves through a value that holds one of its 1,448 stopwords
 * (words of three letters or more, such as "beta" or "entry") or no digit at all, and a key drawn
 * freely from letters and digits did that about once in 65 runs.
 */
function genericApiKey(): string {
  const letters = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ';
  const digits = '23456789';
  return Array.from(
    { length: 16 },
    () => `${letters[randomInt(letters.length)]}${digits[randomInt(digits.length)]}`,
  ).join('');
}

describe('the secrets gate', () => {
  let project: ScratchProject;
  let reports: string;
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=B2 Test', '-c', 'user.email=test@b2.example', ...args], {
      cwd: project.root,
      encoding: 'utf8',
    }).trim();
  const runSecrets = (args: string[] = []) => {
    reports = mkdtempSync(path.join(tmpdir(), 'b2-secrets-reports-'));
    return project.run('secrets', args, { B2_REPORTS_DIR: reports });
  };

  beforeAll(() => {
    project = new ScratchProject();
    git('add', '--all');
    git('commit', '--quiet', '--message', 'The project as it is');
  });
  afterAll(() => project.dispose());
  afterEach(() => rmSync(reports, { recursive: true, force: true }));

  it('passes on the project working tree and its history, and writes one SARIF run and one JUnit case for each', () => {
    const result = runSecrets();
    expect(result.output).toMatch(/secrets passed: no secret in \d+ files and the git history \(every commit\)/);
    expect(result.status).toBe(0);
    expect(missingReports(GATES.secrets, reports)).toEqual([]);
    const sarif = JSON.parse(declaredReport(GATES.secrets, 'sarif', reports));
    expect(sarif.runs.map((run: { automationDetails: { id: string } }) => run.automationDetails.id)).toEqual([
      'secrets/working-tree/',
      'secrets/git-history/',
    ]);
    const junit = declaredReport(GATES.secrets, 'junit', reports);
    expect(junit).toContain('<testsuite name="secrets" tests="2" failures="0" skipped="0"');
    expect(junit).toContain('name="no secret in the working tree" time="0"/>');
    expect(junit).toContain('name="no secret in the git history" time="0"/>');
  });

  it('catches an AWS access key planted in the working tree, naming the file and line but never the key', () => {
    const key = awsAccessKeyId();
    project.write('stages/config/deploy-account.ts', `export const DEPLOY_KEY_ID = '${key}';\n`);
    try {
      const result = runSecrets();
      expect(result.status).not.toBe(0);
      expect(result.output).toContain('aws-access-token stages/config/deploy-account.ts:1 in the working tree');
      expect(result.output).toContain('secrets FAILED: 1 secret(s)');
      expect(missingReports(GATES.secrets, reports)).toEqual([]);
      const sarif = declaredReport(GATES.secrets, 'sarif', reports);
      expect(sarif).toContain('stages/config/deploy-account.ts');
      const junit = declaredReport(GATES.secrets, 'junit', reports);
      expect(junit).toContain('<testsuite name="secrets" tests="2" failures="1" skipped="0"');
      expect(junit).toMatch(
        /name="no secret in the working tree"[^>]*>\s*<failure message="1 secret\(s\)" type="secret">aws-access-token stages\/config\/deploy-account\.ts:1 in the working tree<\/failure>/,
      );
      expect(junit).toContain('name="no secret in the git history" time="0"/>');
      expect(`${result.output}${sarif}${junit}`).not.toContain(key);
    } finally {
      rmSync(path.join(project.root, 'stages/config/deploy-account.ts'));
    }
  });

  it('exempts only the allowlisted fixture: the same key in a file beside it is caught', () => {
    project.write('security/semgrep/rules/another-fixture.ts', `export const KEY_ID = '${awsAccessKeyId()}';\n`);
    try {
      const result = runSecrets();
      expect(result.status).not.toBe(0);
      expect(result.output).toContain('aws-access-token security/semgrep/rules/another-fixture.ts:1');
      expect(result.output).not.toContain('hardcoded-secret.ts');
    } finally {
      rmSync(path.join(project.root, 'security/semgrep/rules/another-fixture.ts'));
    }
  });

  it('lets setting names and secret ARNs pass, but not a generic key written beside them', () => {
    const apiSecret = genericApiKey();
    project.write(
      'service/src/planted-settings.ts',
      [
        `export const signingKeysSecretArn = 'B2_PLANTED_SIGNING_KEYS_SECRET_ARN';`,
        `export const keysArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod-b2-planted-keys';`,
        `export const apiSecret = '${apiSecret}';`,
        '',
      ].join('\n'),
    );
    try {
      const result = runSecrets();
      expect(result.status).not.toBe(0);
      expect(result.output).toContain('generic-api-key service/src/planted-settings.ts:3 in the working tree');
      expect(result.output).not.toContain('planted-settings.ts:1');
      expect(result.output).not.toContain('planted-settings.ts:2');
    } finally {
      rmSync(path.join(project.root, 'service/src/planted-settings.ts'));
    }
  });

  it('catches a private key that was committed and deleted again, from the history', () => {
    project.write('service/keys/signing.pem', privateKeyPem());
    git('add', '--all');
    git('commit', '--quiet', '--message', 'Add a signing key');
    const leak = git('rev-parse', 'HEAD');
    git('rm', '--quiet', 'service/keys/signing.pem');
    git('commit', '--quiet', '--message', 'Remove the signing key');

    const result = runSecrets();
    expect(result.status).not.toBe(0);
    expect(result.output).toContain(`private-key service/keys/signing.pem:1 in commit ${leak.slice(0, 12)}`);
    const junit = declaredReport(GATES.secrets, 'junit', reports);
    expect(junit).toContain('name="no secret in the working tree" time="0"/>');
    expect(junit).toContain(
      `<failure message="1 secret(s)" type="secret">private-key service/keys/signing.pem:1 in commit ${leak.slice(0, 12)}</failure>`,
    );

    // A change's own range (as a pull request check passes it) no longer holds the leak.
    const change = runSecrets(['--log-opts', `${leak}..HEAD`]);
    expect(change.output).toContain(`the git history (${leak}..HEAD)`);
    expect(change.output).toContain('secrets passed');
    expect(change.status).toBe(0);
  });
});
