import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { newSigningKeysDocument, parseSigningKeysDocument } from '../../../service/src/auth/signing-keys';
import { tableName } from '../../../service/src/data/table-design';
import { SETTING } from '../../../service/src/settings';
import { workspace } from '../../kit/workspace';

export interface EnvironmentSettingsProps {
  readonly environment: string;
  /** The port of the environment's front: its origin is the only one CORS allows. */
  readonly port: number;
  readonly dynamodbEndpoint: string;
  /** The `iss` and `aud` of the environment's access tokens (from the environment config). */
  readonly token?: { readonly issuer: string; readonly audience: string };
}

export const signingKeysFile = (environment: string): string =>
  path.join(workspace.environment(environment), 'signing-keys.json');

/**
 * The environment's signing keys, generated the first time and then kept: a key that changed
 * with every deploy would sign every user out on each release.
 */
export function signingKeysOf(environment: string): string {
  const file = signingKeysFile(environment);
  if (existsSync(file)) {
    const document = readFileSync(file, 'utf8');
    parseSigningKeysDocument(document);
    return document;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const document = JSON.stringify(newSigningKeysDocument());
  writeFileSync(file, document, { mode: 0o600 });
  return document;
}

/** The browser origins of a local environment: the same front, reached by address or by name. */
export function localOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

/**
 * What each release of the environment runs with (the service's SETTING names): its own table
 * in the shared DynamoDB Local, its own keys, and CORS open to its own origin only.
 */
export function environmentSettings(props: EnvironmentSettingsProps): Record<string, string> {
  return {
    [SETTING.environment]: props.environment,
    [SETTING.tableName]: tableName(props.environment),
    [SETTING.dynamodbEndpoint]: props.dynamodbEndpoint,
    [SETTING.corsOrigins]: localOrigins(props.port).join(','),
    [SETTING.signingKeys]: signingKeysOf(props.environment),
    ...(props.token
      ? { [SETTING.tokenIssuer]: props.token.issuer, [SETTING.tokenAudience]: props.token.audience }
      : {}),
  };
}
