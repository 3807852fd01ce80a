import { z } from '@hono/zod-openapi';
import { MAX_PASSWORD_LENGTH, newPassword } from './password-policy';

/**
 * RFC 5321's limit on a forward path; one spelling per address, so it is compared lower-cased.
 * The contract states zod's own pattern, so clients (and the DAST gate) know what it accepts.
 */
const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email('must be an email address'))
  .openapi({ format: 'email', pattern: z.regexes.email.source, example: 'ada@example.com' });

export const registrationSchema = z
  .strictObject({ email, password: newPassword.openapi({ example: 'correct horse battery staple' }) })
  .openapi('Registration');

/** Login does not restate the password rules: they only matter when a password is chosen. */
export const credentialsSchema = z
  .strictObject({
    email,
    password: z
      .string()
      .min(1, 'must not be empty')
      .max(MAX_PASSWORD_LENGTH, `must be at most ${MAX_PASSWORD_LENGTH} characters`),
  })
  .openapi('Credentials');

export const refreshRequestSchema = z
  .strictObject({
    refreshToken: z.string().min(1, 'must not be empty').max(256, 'is not a refresh token this API issued'),
  })
  .openapi('RefreshRequest');

export const userSchema = z.strictObject({ id: z.string(), email: z.string() }).openapi('User');

/** What signing in (or up, or refreshing) gives: a short-lived access token and a rotating refresh token. */
export const sessionSchema = z
  .strictObject({
    user: userSchema,
    accessToken: z.string().openapi({ description: 'a JWT to send as `Authorization: Bearer <token>`' }),
    refreshToken: z.string().openapi({ description: 'single use: each refresh answers with a new one' }),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int().positive().openapi({ description: "the access token's lifetime in seconds" }),
  })
  .openapi('Session');

export type Session = z.output<typeof sessionSchema>;
export type User = z.output<typeof userSchema>;
