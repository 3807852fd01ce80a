/**
 * The security headers of B2's answers, defined once. On AWS, CloudFront's response headers
 * policy sends the web front end's (stages/stacks/web-stack.ts builds it from these); locally the
 * plain-Node server sends the same ones with the page; the API sends its own on both.
 */

export interface StrictTransportSecurity {
  readonly maxAgeSeconds: number;
  readonly includeSubdomains: boolean;
  readonly preload: boolean;
}

export interface WebSecurityHeaders {
  /** Where the page may load from and connect to: itself and its API, nothing inline. */
  readonly contentSecurityPolicy: string;
  /** Browsers ignore it over plain HTTP (the local run), and keep to HTTPS once seen over it. */
  readonly strictTransportSecurity: StrictTransportSecurity;
  readonly contentTypeOptions: 'nosniff';
  /** For browsers older than CSP's `frame-ancestors`: no site may frame the page. */
  readonly frameOptions: 'DENY';
  readonly referrerPolicy: 'strict-origin-when-cross-origin';
  /**
   * `0`: the legacy XSS auditor is off. OWASP's advice, since the auditor itself let pages leak
   * across origins and modern browsers removed it; the CSP is the protection.
   */
  readonly xssProtection: '0';
}

/** A year, with subdomains: what the HSTS preload list asks for. */
const HSTS: StrictTransportSecurity = { maxAgeSeconds: 365 * 24 * 3600, includeSubdomains: true, preload: true };

/**
 * The web front end's headers. `apiOrigin` is where the API is when it is not on the page's own
 * origin (on AWS, API Gateway's); locally the API is on the same origin.
 */
export function webSecurityHeaders(apiOrigin?: string): WebSecurityHeaders {
  return {
    contentSecurityPolicy: [
      "default-src 'self'",
      apiOrigin ? `connect-src 'self' ${apiOrigin}` : "connect-src 'self'",
      "img-src 'self' data:",
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
    strictTransportSecurity: HSTS,
    contentTypeOptions: 'nosniff',
    frameOptions: 'DENY',
    referrerPolicy: 'strict-origin-when-cross-origin',
    xssProtection: '0',
  };
}

function strictTransportSecurity({ maxAgeSeconds, includeSubdomains, preload }: StrictTransportSecurity): string {
  return [`max-age=${maxAgeSeconds}`, includeSubdomains ? 'includeSubDomains' : '', preload ? 'preload' : '']
    .filter(Boolean)
    .join('; ');
}

/** The headers as a server writes them. */
export function webHeaderValues(headers: WebSecurityHeaders): Record<string, string> {
  return {
    'Content-Security-Policy': headers.contentSecurityPolicy,
    'Strict-Transport-Security': strictTransportSecurity(headers.strictTransportSecurity),
    'X-Content-Type-Options': headers.contentTypeOptions,
    'X-Frame-Options': headers.frameOptions,
    'Referrer-Policy': headers.referrerPolicy,
    'X-XSS-Protection': headers.xssProtection,
  };
}

/**
 * Every API answer's: JSON is never sniffed as anything else, and an answer is never a page to
 * render or frame (OWASP's REST security headers).
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};
