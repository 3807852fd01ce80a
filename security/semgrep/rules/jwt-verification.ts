import * as jose from 'jose';
import { SignJWT, UnsecuredJWT, compactVerify, createRemoteJWKSet, jwtVerify } from 'jose';

/** The surface of `jsonwebtoken` the rule knows (the project itself uses jose). */
declare const jwt: {
  verify(token: string, key: string, options?: object | ((err: Error | null) => void)): unknown;
  sign(payload: object, key: string, options?: object): string;
};

const ALGORITHM = 'EdDSA';
const keys = createRemoteJWKSet(new URL('https://b2.example/.well-known/jwks.json'));
const verifyOptions = { algorithms: [ALGORITHM], issuer: 'b2', audience: 'b2-api' };

export async function verifyAll(token: string, key: CryptoKey, secret: string): Promise<void> {
  // ruleid: b2-jwt-verify-without-pinned-algorithm
  await jwtVerify(token, key);
  // ruleid: b2-jwt-verify-without-pinned-algorithm
  await jose.jwtVerify(token, keys, { issuer: 'b2', audience: 'b2-api' });
  // ruleid: b2-jwt-verify-without-pinned-algorithm
  await compactVerify(token, key);
  // ok: b2-jwt-verify-without-pinned-algorithm
  await jwtVerify(token, keys, { algorithms: [ALGORITHM], issuer: 'b2', audience: 'b2-api' });
  // ok: b2-jwt-verify-without-pinned-algorithm
  await jwtVerify(token, keys, verifyOptions);
  // ok: b2-jwt-verify-without-pinned-algorithm
  await compactVerify(token, key, { algorithms: ['ES256'] });

  // ruleid: b2-jwt-verify-without-pinned-algorithm
  jwt.verify(token, secret);
  // ruleid: b2-jwt-verify-without-pinned-algorithm
  jwt.verify(token, secret, { audience: 'b2-api' });
  // ok: b2-jwt-verify-without-pinned-algorithm
  jwt.verify(token, secret, { algorithms: ['HS256'], audience: 'b2-api', issuer: 'b2' });
}

export async function unsecured(token: string, key: CryptoKey, secret: string): Promise<void> {
  // ruleid: b2-jwt-alg-none
  await jwtVerify(token, key, { algorithms: ['EdDSA', 'none'], issuer: 'b2', audience: 'b2-api' });
  // ruleid: b2-jwt-alg-none
  jwt.sign({ sub: 'user' }, secret, { algorithm: 'none' });
  // ruleid: b2-jwt-alg-none
  const unsigned = new UnsecuredJWT({ sub: 'user' }).encode();
  // ruleid: b2-jwt-alg-none
  jose.UnsecuredJWT.decode(unsigned);
  // ok: b2-jwt-alg-none
  await new SignJWT({ sub: 'user' }).setProtectedHeader({ alg: ALGORITHM, kid: 'current' }).sign(key);
  const header = {
    kid: 'current',
    // ruleid: b2-jwt-alg-none
    alg: 'None',
  };
  await new SignJWT({ sub: 'user' }).setProtectedHeader(header).sign(key);
}

export async function claims(token: string, key: CryptoKey): Promise<void> {
  // ruleid: b2-jwt-verify-without-issuer-audience
  await jwtVerify(token, key, { algorithms: [ALGORITHM] });
  // ruleid: b2-jwt-verify-without-issuer-audience
  await jose.jwtVerify(token, key, { algorithms: [ALGORITHM], issuer: 'b2' });
  const issuer = 'b2';
  const audience = 'b2-api';
  // ok: b2-jwt-verify-without-issuer-audience
  await jwtVerify(token, key, { algorithms: [ALGORITHM], audience, issuer, maxTokenAge: '15m' });
  // ok: b2-jwt-verify-without-issuer-audience
  await jwtVerify(token, key, verifyOptions);
}
