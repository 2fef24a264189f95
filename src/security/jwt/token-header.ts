/**
 * Reads the protected header of a compact JWS (RFC 7515 clause 7.1) before any key lookup
 * or signature check. Pure: no I/O.
 *
 * Why not leave it all to jose: this step answers precisely ("malformed" vs "unsupported
 * alg") and cheaply, and it refuses `alg: none` and HS* before a key source is consulted,
 * so a hostile token can neither trigger a JWKS refresh nor reach a key that could be
 * misused as an HMAC secret. Header members that point at keys (`jku`, `x5u`, `jwk`,
 * `x5c`) are never followed: keys only ever come from the configured KeySource.
 */
import { AuthError } from './errors';

export interface TokenHeader {
  alg: string;
  kid?: string;
  typ?: string;
  [member: string]: unknown;
}

/** Big enough for tokens with many roles/tenants; small enough that hashing and parsing stay cheap. */
export const DEFAULT_MAX_TOKEN_LENGTH = 16 * 1024;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function readTokenHeader(token: string, allowed: ReadonlySet<string>, maxLength = DEFAULT_MAX_TOKEN_LENGTH): TokenHeader {
  if (typeof token !== 'string' || token.length === 0) throw new AuthError('missing');
  if (token.length > maxLength) throw new AuthError('malformed', 'the bearer token is too long');
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw new AuthError('malformed', 'the bearer token must be a signed JWT (three base64url parts)');
  }
  const [encodedHeader, encodedPayload, signature] = parts;
  if (encodedHeader.length === 0 || encodedPayload.length === 0 || !parts.every(isBase64url)) {
    throw new AuthError('malformed', 'the bearer token is not valid base64url');
  }
  const header = parseJsonObject(encodedHeader);
  if (header === undefined) throw new AuthError('malformed', 'the bearer token header is not a JSON object');
  const { alg, kid } = header;
  if (typeof alg !== 'string' || alg.length === 0) throw new AuthError('malformed', 'the bearer token header has no "alg"');
  // Before the signature emptiness check, so `alg: none` tokens get the precise reason.
  if (!allowed.has(alg)) throw new AuthError('unsupported_alg');
  if (kid !== undefined && typeof kid !== 'string') throw new AuthError('malformed', 'the bearer token header "kid" is not a string');
  if (signature.length === 0) throw new AuthError('malformed', 'the bearer token has no signature');
  return header as TokenHeader;
}

function isBase64url(part: string): boolean {
  // A length of 1 modulo 4 cannot come from any byte string; Buffer would silently drop it.
  return BASE64URL.test(part) && part.length % 4 !== 1;
}

function parseJsonObject(encoded: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}
