import { randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { SIGNING_ALGORITHM, SigningKeyRing } from './signing-keys';
import { ApiError } from '../errors';

/** RFC 9068's type for access tokens: a refresh token or an ID token cannot pass for one. */
const TOKEN_TYPE = 'at+jwt';
/** Clock skew between the instances that issue and check a token. */
const CLOCK_TOLERANCE_SECONDS = 5;

export interface AccessTokenSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
}

/** Who a verified access token speaks for. */
export interface Principal {
  readonly userId: string;
  readonly email: string;
}

const unauthorized = (code: 'invalid_token' | 'token_expired', message: string): ApiError =>
  new ApiError(401, code, message, { 'WWW-Authenticate': `Bearer error="invalid_token"` });

export class AccessTokens {
  constructor(
    private readonly keyRing: SigningKeyRing,
    private readonly settings: AccessTokenSettings,
  ) {}

  get ttlSeconds(): number {
    return this.settings.ttlSeconds;
  }

  async issue(principal: Principal): Promise<string> {
    const { current } = await this.keyRing.keys();
    return new SignJWT({ email: principal.email })
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: current.kid, typ: TOKEN_TYPE })
      .setSubject(principal.userId)
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setIssuedAt()
      .setExpirationTime(`${this.settings.ttlSeconds}s`)
      .setJti(randomUUID())
      .sign(current.secret);
  }

  /**
   * Accepts only HS256 tokens of this environment's issuer and audience, signed by the current
   * or the previous key (by kid), unexpired and no older than their lifetime. Anything else is
   * a 401; an expired token gets its own code so a client knows to refresh.
   */
  async verify(token: string): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          const key = header.kid ? await this.keyRing.find(header.kid) : undefined;
          if (!key) throw unauthorized('invalid_token', 'the access token was signed with an unknown key');
          return key.secret;
        },
        {
          algorithms: [SIGNING_ALGORITHM],
          typ: TOKEN_TYPE,
          issuer: this.settings.issuer,
          audience: this.settings.audience,
          requiredClaims: ['sub', 'iat', 'exp', 'jti'],
          maxTokenAge: this.settings.ttlSeconds + CLOCK_TOLERANCE_SECONDS,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
        },
      );
      if (typeof payload.sub !== 'string' || typeof payload.email !== 'string') {
        throw unauthorized('invalid_token', 'the access token lacks its subject');
      }
      return { userId: payload.sub, email: payload.email };
    } catch (err) {
      if (err instanceof ApiError) throw err;
      if (err instanceof errors.JWTExpired) throw unauthorized('token_expired', 'the access token has expired');
      if (err instanceof errors.JOSEAlgNotAllowed) {
        throw unauthorized('invalid_token', `the access token must be signed with ${SIGNING_ALGORITHM}`);
      }
      if (err instanceof errors.JWTClaimValidationFailed) {
        throw unauthorized('invalid_token', `the access token's ${err.claim} claim is not accepted`);
      }
      if (err instanceof errors.JOSEError) throw unauthorized('invalid_token', 'the access token is not valid');
      throw err;
    }
  }
}
