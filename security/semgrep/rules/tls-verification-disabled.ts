import * as https from 'node:https';
import * as tls from 'node:tls';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { Agent } from 'undici';

export function clients(caBundle: string): void {
  // ruleid: b2-tls-verification-disabled
  new https.Agent({ keepAlive: true, rejectUnauthorized: false });
  // ruleid: b2-tls-verification-disabled
  new Agent({ connect: { rejectUnauthorized: false } });
  // ruleid: b2-tls-verification-disabled
  tls.connect({ host: 'b2.example', port: 443, checkServerIdentity: () => undefined });
  // ok: b2-tls-verification-disabled
  new https.Agent({ keepAlive: true, ca: caBundle });
  // ok: b2-tls-verification-disabled
  new Agent({ connect: { rejectUnauthorized: true, ca: caBundle } });
  // ok: b2-tls-verification-disabled
  tls.connect({ host: 'b2.example', port: 443, servername: 'b2.example' });
}

export function disableEverywhere(): void {
  // ruleid: b2-tls-verification-disabled
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  // ok: b2-tls-verification-disabled
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '1';
}

export function fn(scope: Construct, code: lambda.Code): lambda.Function {
  return new lambda.Function(scope, 'Api', {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code,
    environment: {
      B2_ENVIRONMENT: 'dev',
      // ruleid: b2-tls-verification-disabled
      NODE_TLS_REJECT_UNAUTHORIZED: '0',
    },
  });
}

export const loadOptions = {
  scenarios: {},
  // ruleid: b2-tls-verification-disabled
  insecureSkipTLSVerify: true,
};

// ok: b2-tls-verification-disabled
export const verifiedLoadOptions = { scenarios: {}, insecureSkipTLSVerify: false };
