import { SecretValue } from 'aws-cdk-lib';
import * as cdk from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

// The values below are random, generated for this fixture; none was ever a credential.

// ruleid: b2-hardcoded-secret
const ACCESS_KEY_ID = 'AKIAUJZDEGXDNCF32EPF';
// ruleid: b2-hardcoded-secret
const signingKey = 'p1vRt-1fjORS_6ilI8ihN5KXSc7Tvo_hBKqFYY_kv5Z';
export const DEPLOY_KEY =
  // ruleid: b2-hardcoded-secret
  '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIEx6CMMWqRcF8trJpUeELQkPD2l7jNYT0FsLLq3Dw5Ow\n-----END PRIVATE KEY-----\n';

export const awsCredentials = {
  accessKeyId: ACCESS_KEY_ID,
  // ruleid: b2-hardcoded-secret
  secretAccessKey: '2hpChYgCfrL1spNxnyVmihA+2O76UMFxFkM+R5Kj',
};

// ok: b2-hardcoded-secret
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };
// ok: b2-hardcoded-secret
const passwordHint = 'at least 12 characters';
// ok: b2-hardcoded-secret
export const signingKeysSecretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:b2-dev-signing-keys';
// ok: b2-hardcoded-secret
export const tokenType = 'Bearer';

export function session(config: { token?: string }): string {
  // ok: b2-hardcoded-secret
  return config.token ?? process.env.B2_SESSION_TOKEN ?? '';
}

export function keys(scope: Construct): void {
  new secretsmanager.Secret(scope, 'Inline', {
    // ruleid: b2-hardcoded-secret
    secretStringValue: SecretValue.unsafePlainText(
      '{"current":{"kid":"k1","secret":"p1vRt-1fjORS_6ilI8ihN5KXSc7Tvo_hBKqFYY_kv5Z"}}',
    ),
  });
  new secretsmanager.Secret(scope, 'InlineNamespaced', {
    // ruleid: b2-hardcoded-secret
    secretStringValue: cdk.SecretValue.unsafePlainText('not-so-secret'),
  });
  // ok: b2-hardcoded-secret
  new secretsmanager.Secret(scope, 'Generated', { generateSecretString: { passwordLength: 32 } });
}

// ruleid: b2-hardcoded-secret
export function adminLogin(email: string, adminPassword = 'hunter2!') {
  return { email, password: adminPassword };
}

export const seedUser = {
  email: 'seed@b2.example',
  // ruleid: b2-hardcoded-secret
  password: 'correct horse battery staple',
};

/** The browser's autocomplete hint of each form's password field. */
export const PASSWORD_FIELDS = {
  // ok: b2-hardcoded-secret
  signIn: { name: 'password', password: 'current-password' },
  // ok: b2-hardcoded-secret
  register: { name: 'password', password: 'new-password' },
};

export function blankForm(): { email: string; password: string } {
  // ok: b2-hardcoded-secret
  return { email: '', password: '' };
}

export class Client {
  // ruleid: b2-hardcoded-secret
  private apiKey = '2hpChYgCfrL1spNxnyVmihA+2O76UMFx';
  constructor(private readonly hint = passwordHint) {}
  header(): string {
    return `${this.apiKey} ${signingKey} ${this.hint}`;
  }
}
