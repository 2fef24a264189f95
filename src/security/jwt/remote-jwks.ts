/**
 * KeySource over an identity provider's JWKS URL (Keycloak's .../protocol/openid-connect/certs,
 * Auth0's /.well-known/jwks.json, ...), built on jose's createRemoteJWKSet, which already:
 *   - caches the key set (`cacheMaxAgeMs`, then refetches on next use);
 *   - refetches when a token names a kid it does not know, i.e. after the IdP rotated keys,
 *     but at most once per `cooldownMs`: otherwise tokens with random kids would make Weft
 *     hammer the IdP (the refresh is the rate limit);
 *   - shares one in-flight fetch between concurrent callers, aborts after `timeoutMs`, and
 *     does not follow redirects.
 * This file adds the transport rule (https, or http only to loopback) and maps failures to
 * AuthError reasons: an unknown kid is the client's problem (401), an unreachable or broken
 * JWKS endpoint is ours (keys_unavailable, 503).
 *
 * Known limit (jose 6): once the cached set is older than cacheMaxAgeMs, a failed refetch fails
 * verification instead of falling back to the stale keys. The verifier's token cache keeps
 * already-seen tokens working through such an outage.
 */
import { createRemoteJWKSet } from 'jose';
import { AuthError } from './errors';
import type { KeySource, VerificationKey } from './key-source';
import type { TokenHeader } from './token-header';

export interface RemoteJwksOptions {
  url: string | URL;
  /** Abort a JWKS fetch after this long (ms). Default 5000. */
  timeoutMs?: number;
  /** Minimum time between refetches triggered by unknown kids (ms). Default 30000. */
  cooldownMs?: number;
  /** Refetch the set on the first use after this long (ms). Default 600000 (10 min). */
  cacheMaxAgeMs?: number;
  /** Plain http to a non-loopback host lets anyone on the path swap the keys; off unless set. */
  allowInsecureHttp?: boolean;
  /** Extra request headers (e.g. an API gateway key). */
  headers?: Record<string, string>;
}

type RemoteSet = ReturnType<typeof createRemoteJWKSet>;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export class RemoteJwksKeySource implements KeySource {
  readonly url: URL;
  private readonly remote: RemoteSet;

  constructor(opts: RemoteJwksOptions) {
    this.url = new URL(String(opts.url));
    const plainHttpOk = this.url.protocol === 'http:' && (LOOPBACK.has(this.url.hostname) || opts.allowInsecureHttp === true);
    if (this.url.protocol !== 'https:' && !plainHttpOk) {
      throw new Error(`jwt: JWKS URL must use https (plain http only to loopback, or with allowInsecureHttp): ${this.url.href}`);
    }
    this.remote = createRemoteJWKSet(this.url, {
      timeoutDuration: opts.timeoutMs ?? 5_000,
      cooldownDuration: opts.cooldownMs ?? 30_000,
      cacheMaxAge: opts.cacheMaxAgeMs ?? 600_000,
      headers: opts.headers,
    });
  }

  async keysFor(header: TokenHeader): Promise<readonly VerificationKey[]> {
    try {
      return [await this.remote(header)];
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') {
        // No kid in the token and several keys of its type: jose hands over every candidate.
        const keys: VerificationKey[] = [];
        for await (const key of err as AsyncIterable<VerificationKey>) keys.push(key);
        if (keys.length > 0) return keys;
        throw new AuthError('unknown_key', undefined, 'no usable key among several candidates');
      }
      if (code === 'ERR_JWKS_NO_MATCHING_KEY') {
        throw new AuthError('unknown_key', undefined, header.kid === undefined ? 'no key for this alg' : `no key with kid ${JSON.stringify(header.kid)}`);
      }
      throw new AuthError('keys_unavailable', undefined, `JWKS ${this.url.href}: ${describe(err)}`);
    }
  }

  /** True while an unknown kid would not trigger a refetch (a fetch happened within cooldownMs). */
  get coolingDown(): boolean {
    return this.remote.coolingDown;
  }

  /** Forces a refetch (e.g. an admin "rotate now" action). Rejects if the fetch fails. */
  async reload(): Promise<void> {
    await this.remote.reload();
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const cause = (err as { cause?: unknown }).cause as { code?: unknown; message?: unknown } | undefined;
  const causeText = cause === undefined ? '' : ` (${String(cause.code ?? cause.message)})`;
  return `${typeof code === 'string' ? `${code}: ` : ''}${err.message}${causeText}`;
}

export function remoteJwksKeySource(opts: RemoteJwksOptions): RemoteJwksKeySource {
  return new RemoteJwksKeySource(opts);
}
