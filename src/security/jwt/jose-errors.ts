/**
 * Translates jose's error classes into Weft's AuthError reasons. Pure: no I/O.
 *
 * Matches on jose's stable `code` strings rather than `instanceof`, so a second copy of
 * jose in node_modules (or its ESM/CJS split) cannot turn a refusal into an unmapped 500.
 * jose's messages name claims but never contain the token, so they are safe as `detail`.
 */
import { AuthError } from './errors';

interface JoseLikeError {
  code?: unknown;
  claim?: unknown;
  reason?: unknown;
  message?: unknown;
}

export function authErrorFromJose(err: unknown): AuthError {
  if (err instanceof AuthError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as JoseLikeError;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const detail = code ?? (typeof e.message === 'string' ? e.message : undefined);
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      // Also raised by maxTokenAge when `iat` is too old: to the client both mean "get a new token".
      return new AuthError('expired', undefined, detail);
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return fromClaimFailure(e, detail);
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return new AuthError('bad_signature', undefined, detail);
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return new AuthError('unsupported_alg', undefined, detail);
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return new AuthError('unknown_key', undefined, detail);
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
      return new AuthError('keys_unavailable', undefined, detail);
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JOSE_NOT_SUPPORTED': // an unknown `crit` header extension (RFC 7515 clause 4.1.11)
      return new AuthError('malformed', undefined, detail);
    default:
      break;
  }
  // jose throws TypeError when the key itself is unusable for the token's alg (an RSA key
  // under 2048 bits, a key whose key_ops exclude verify). Options are validated at start-up
  // and keys are selected by kty/crv, so nothing else can raise it here: the key is at fault.
  if (err instanceof TypeError) return new AuthError('unknown_key', undefined, `unusable key: ${err.message}`);
  throw err;
}

function fromClaimFailure(e: JoseLikeError, detail: string | undefined): AuthError {
  const claim = typeof e.claim === 'string' ? e.claim : '';
  const missing = e.reason === 'missing';
  const invalid = e.reason === 'invalid'; // present but not a number (exp/nbf/iat)
  switch (claim) {
    case 'iss':
      return new AuthError('wrong_issuer', undefined, detail);
    case 'aud':
      return new AuthError('wrong_audience', undefined, detail);
    case 'nbf':
      return invalid ? new AuthError('malformed', 'the bearer token "nbf" claim is not a number', detail) : new AuthError('not_yet_valid', undefined, detail);
    case 'iat':
      if (missing) return new AuthError('malformed', 'the bearer token has no "iat" claim', detail);
      return invalid ? new AuthError('malformed', 'the bearer token "iat" claim is not a number', detail) : new AuthError('not_yet_valid', undefined, detail);
    case 'exp':
      return new AuthError('malformed', missing ? 'the bearer token has no expiry ("exp" claim)' : 'the bearer token "exp" claim is not a number', detail);
    case 'sub':
      return new AuthError('malformed', 'the bearer token has no subject ("sub" claim)', detail);
    default:
      return new AuthError('malformed', undefined, detail);
  }
}
