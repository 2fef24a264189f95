/**
 * A KeySource over a fixed list of public JWKs: what key files and the local issuer
 * provide. Imports each (key, alg) pair into a CryptoKey once and keeps it, because
 * importing costs more than verifying (and jose would otherwise convert on every call).
 */
import { importJWK } from 'jose';
import { AuthError } from './errors';
import { selectJwks, toPublicJwk, type KeySource, type PublicJwk, type VerificationKey } from './key-source';
import type { TokenHeader } from './token-header';

export class JwkKeySet implements KeySource {
  readonly keys: readonly PublicJwk[];
  private readonly imported = new Map<string, Promise<VerificationKey>>();

  constructor(keys: readonly PublicJwk[]) {
    // Normalised again so a caller cannot slip a private or symmetric JWK in.
    this.keys = Object.freeze(keys.map((k, i) => Object.freeze(toPublicJwk(k, `key #${i + 1}`))));
  }

  async keysFor(header: TokenHeader): Promise<readonly VerificationKey[]> {
    const candidates = selectJwks(this.keys, header);
    if (candidates.length === 0) throw new AuthError('unknown_key');
    return Promise.all(candidates.map((jwk) => this.importFor(jwk, header.alg)));
  }

  /** The public keys as a JWKS document (RFC 7517 clause 5), e.g. to publish them. */
  toJwks(): { keys: PublicJwk[] } {
    return { keys: this.keys.map((k) => ({ ...k })) };
  }

  private importFor(jwk: PublicJwk, alg: string): Promise<VerificationKey> {
    const cacheKey = `${this.keys.indexOf(jwk)}:${alg}`;
    let pending = this.imported.get(cacheKey);
    if (pending === undefined) {
      pending = importJWK(jwk, alg).then(
        (key) => {
          if (key instanceof Uint8Array) throw new AuthError('unknown_key', undefined, 'a public JWK imported as a secret'); // unreachable: oct keys are refused
          return key;
        },
        (err: unknown) => {
          // A broken configured key is the key's fault, not the client's; keep the why for the logs.
          throw new AuthError('unknown_key', undefined, `unusable key${jwk.kid === undefined ? '' : ` ${jwk.kid}`}: ${String(err)}`);
        },
      );
      // A failed import (e.g. a malformed modulus) must not stay cached as a rejected promise forever.
      pending.catch(() => this.imported.delete(cacheKey));
      this.imported.set(cacheKey, pending);
    }
    return pending;
  }
}
