/**
 * Where verification keys come from. The verifier asks a KeySource for the keys that may
 * have signed a token and never looks anywhere else (not at `jku`/`x5u`/`jwk` headers).
 *
 * The pure helpers here decide which public JWKs fit a token header; the sources that do
 * I/O (key files, a JWKS URL, the local issuer) live in their own files.
 */
import type { CryptoKey, JWK } from 'jose';
import { keyTypeFor } from './algorithms';
import type { TokenHeader } from './token-header';

export type VerificationKey = CryptoKey;

export interface KeySource {
  /**
   * Public keys that may have signed a token with this header, best match first (usually
   * exactly one). Throws AuthError('unknown_key') when none fits and
   * AuthError('keys_unavailable') when the source cannot be consulted. The verifier only
   * calls it for headers whose `alg` is allowed.
   */
  keysFor(header: TokenHeader): Promise<readonly VerificationKey[]>;
}

/** A public JWK as Weft keeps it: private members stripped, kty one of RSA/EC/OKP. */
export interface PublicJwk extends JWK {
  kty: 'RSA' | 'EC' | 'OKP';
}

const PUBLIC_MEMBERS: Record<PublicJwk['kty'], readonly string[]> = {
  RSA: ['n', 'e'],
  EC: ['crv', 'x', 'y'],
  OKP: ['crv', 'x'],
};

/**
 * Keeps only what verification needs. A private JWK (the local issuer's file, or an
 * operator pasting the wrong file) becomes its public half; a symmetric key is refused,
 * because accepting one would reopen the HS256 confusion door that algorithms.ts closes.
 * `key_ops` is dropped: on a private key it says "sign", which would make jose refuse to
 * verify with the derived public key.
 */
export function toPublicJwk(jwk: JWK, where = 'key'): PublicJwk {
  const kty: string | undefined = jwk.kty;
  if (kty === 'oct') throw new Error(`jwt: ${where} is a symmetric (oct) key; only public keys are accepted`);
  if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP') throw new Error(`jwt: ${where} has unsupported key type ${JSON.stringify(kty)}`);
  const source = jwk as Record<string, unknown>;
  const out: Record<string, unknown> = { kty };
  for (const member of PUBLIC_MEMBERS[kty]) {
    if (typeof source[member] !== 'string') throw new Error(`jwt: ${where} (${kty}) lacks "${member}"`);
    out[member] = source[member];
  }
  if (typeof jwk.kid === 'string') out.kid = jwk.kid;
  if (typeof jwk.alg === 'string') out.alg = jwk.alg;
  if (typeof jwk.use === 'string') out.use = jwk.use;
  return out as unknown as PublicJwk;
}

/**
 * The keys of `keys` that can verify a token with this header (RFC 7517 clause 4):
 * same kty (and crv) as the alg needs, `use` absent or "sig", `alg` absent or equal, and,
 * when the token names a `kid`, that kid. A key file without a kid therefore never matches a
 * token that names one: give the key a kid (JWK member, or `{ path, kid }`) instead of
 * letting any kid through.
 */
export function selectJwks<K extends JWK>(keys: readonly K[], header: Pick<TokenHeader, 'alg' | 'kid'>): K[] {
  const want = keyTypeFor(header.alg);
  if (want === undefined) return [];
  return keys.filter(
    (jwk) =>
      jwk.kty === want.kty &&
      (want.crv === undefined || jwk.crv === want.crv) &&
      (jwk.use === undefined || jwk.use === 'sig') &&
      (jwk.alg === undefined || jwk.alg === header.alg) &&
      (header.kid === undefined || jwk.kid === header.kid),
  );
}
