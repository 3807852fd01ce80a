import { dictionary } from '@zxcvbn-ts/language-common';
import { z } from 'zod';

/**
 * A new password as NIST SP 800-63B §3.1.1.2 asks: at least 8 characters, long passphrases
 * allowed, no composition rules (no "one digit, one symbol"), and refused when it is one that
 * attackers try first — on a list of common and breached passwords, or one character repeated.
 * Every refusal says why, so a person can choose better rather than guess.
 */

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 128;

/**
 * zxcvbn-ts's list of the most common passwords of public breach corpora, lower-cased: `Password`
 * and `PASSWORD` are as guessable as `password`. Only those long enough to pass the length
 * rule matter.
 */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  dictionary['passwords-common']
    .filter((password) => password.length >= MIN_PASSWORD_LENGTH)
    .map((password) => password.toLowerCase()),
);

/** Why a password of the right length is still refused, or undefined when it is not. */
export function weakPasswordReason(password: string): string | undefined {
  if (password.trim() === '') return 'must not be only spaces';
  if (/^(.)\1*$/su.test(password)) return 'must not be one character repeated';
  if (COMMON_PASSWORDS.has(password.toLowerCase())) {
    return 'is one of the most common passwords, which are guessed first: choose another';
  }
  return undefined;
}

/** The password field of a registration. */
export const newPassword = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `must be at most ${MAX_PASSWORD_LENGTH} characters`)
  .superRefine((password, ctx) => {
    const reason = weakPasswordReason(password);
    if (reason) ctx.addIssue({ code: 'custom', message: reason });
  });
