/**
 * Why a bearer token was refused. One closed set of reasons so the HTTP layer (401 with
 * `WWW-Authenticate: Bearer error="invalid_token"`, RFC 6750 clause 3.1), the audit log and
 * metrics can switch over them exhaustively instead of parsing messages.
 *
 * The message is written for the client: it never echoes the token, a claim value or the
 * configured issuer/audience, so an attacker learns which check failed but nothing about
 * the server's configuration or someone else's token.
 */
export type AuthErrorReason =
  | 'missing'
  | 'malformed'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'unknown_key'
  | 'unsupported_alg'
  /**
   * The key source could not be consulted (JWKS endpoint down, timed out, served junk).
   * Not the client's fault: the wiring should answer 503, not 401, so clients retry
   * instead of throwing their token away, and operators get paged.
   */
  | 'keys_unavailable';

const defaultMessages: Record<AuthErrorReason, string> = {
  missing: 'a bearer token is required',
  malformed: 'the bearer token is malformed',
  bad_signature: 'the bearer token signature is invalid',
  expired: 'the bearer token has expired',
  not_yet_valid: 'the bearer token is not valid yet',
  wrong_issuer: 'the bearer token issuer is not accepted',
  wrong_audience: 'the bearer token audience is not accepted',
  unknown_key: 'the bearer token was signed with an unknown key',
  unsupported_alg: 'the bearer token signing algorithm is not accepted',
  keys_unavailable: 'the token signing keys are temporarily unavailable',
};

export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly reason: AuthErrorReason;
  /**
   * Operator-facing detail for logs (e.g. jose's error code, or why a JWKS fetch failed).
   * Never contains the token or claim values; still, do not send it to clients.
   */
  readonly detail: string | undefined;

  constructor(reason: AuthErrorReason, message?: string, detail?: string) {
    super(message ?? defaultMessages[reason]);
    this.reason = reason;
    this.detail = detail;
  }
}

export function isAuthError(err: unknown): err is AuthError {
  return err instanceof AuthError;
}
