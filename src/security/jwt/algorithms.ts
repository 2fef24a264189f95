/**
 * The JWS algorithms a Weft verifier may accept, and the key each one needs.
 *
 * Only asymmetric algorithms are listed, on purpose. `none` carries no signature, and the
 * HMAC family (HS*) turns any byte string into a key: a verifier that accepts HS256 and
 * holds an RSA public key can be fooled by a token "signed" with that public PEM as the
 * HMAC secret (the classic algorithm-confusion attack, RFC 8725 clause 2.1). Keeping them
 * out of this table makes them impossible to configure, not just off by default.
 * Pure: no I/O.
 */
export interface AlgorithmKeyType {
  /** JWK "kty" the key must have. */
  kty: 'RSA' | 'EC' | 'OKP';
  /** JWK "crv" the key must have (EC and OKP only). */
  crv?: string;
}

export const ASYMMETRIC_ALGORITHMS: Readonly<Record<string, AlgorithmKeyType>> = Object.freeze({
  RS256: { kty: 'RSA' },
  RS384: { kty: 'RSA' },
  RS512: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
  PS384: { kty: 'RSA' },
  PS512: { kty: 'RSA' },
  ES256: { kty: 'EC', crv: 'P-256' },
  ES384: { kty: 'EC', crv: 'P-384' },
  ES512: { kty: 'EC', crv: 'P-521' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  Ed25519: { kty: 'OKP', crv: 'Ed25519' },
});

/** What issue 4 asks for; covers Keycloak/Auth0/Entra (RS256), Weft's own issuer (ES256) and devices (EdDSA). */
export const DEFAULT_ALGORITHMS: readonly string[] = Object.freeze(['RS256', 'ES256', 'EdDSA']);

export function keyTypeFor(alg: string): AlgorithmKeyType | undefined {
  return Object.hasOwn(ASYMMETRIC_ALGORITHMS, alg) ? ASYMMETRIC_ALGORITHMS[alg] : undefined;
}

/**
 * Checks a configured algorithm list once, at start-up: a typo or an `HS256` in the config
 * must stop the server with a clear message rather than silently weaken verification.
 */
export function validateAlgorithms(algorithms: readonly string[] | undefined): ReadonlySet<string> {
  const list = algorithms ?? DEFAULT_ALGORITHMS;
  if (list.length === 0) throw new Error('jwt: at least one signing algorithm must be allowed');
  for (const alg of list) {
    if (keyTypeFor(alg) === undefined) {
      throw new Error(
        `jwt: algorithm "${alg}" cannot be allowed; only asymmetric algorithms are accepted (${Object.keys(ASYMMETRIC_ALGORITHMS).join(', ')})`,
      );
    }
  }
  return new Set(list);
}
