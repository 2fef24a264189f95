/**
 * Remembers verification outcomes by token hash, so a client sending the same bearer token
 * on every request pays one signature check per token instead of one per request (jose
 * ES256 verify is ~7k/s on our hardware, below the HTTP ceiling: see FACTS.md). Pure: the
 * clock is passed in, keys are computed by the caller.
 *
 * Successes and failures live in separate maps with separate bounds, so a flood of bad
 * tokens can evict other bad tokens but never the good tokens of legitimate clients.
 */
// The one bounded LRU of the code base (bounded: keys come from the network).
import { Lru } from '../../ngsi/jsonld/lru';

interface Entry<T> {
  value: T;
  /** Epoch ms after which the entry must not be used. */
  until: number;
}

export interface TokenCacheOptions {
  /** Successes kept at most this long (ms), even if the token lives longer: bounds how long a revoked key stays trusted. */
  ttlMs: number;
  maxEntries: number;
  /** Failures kept this long (ms); 0 disables negative caching. */
  negativeTtlMs: number;
  negativeMaxEntries: number;
}

export class TokenCache<T, E> {
  private readonly ok: Lru<string, Entry<T>> | undefined;
  private readonly failed: Lru<string, Entry<E>> | undefined;
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;

  constructor(opts: TokenCacheOptions) {
    this.ttlMs = opts.ttlMs;
    this.negativeTtlMs = opts.negativeTtlMs;
    this.ok = opts.ttlMs > 0 && opts.maxEntries > 0 ? new Lru(opts.maxEntries) : undefined;
    this.failed = opts.negativeTtlMs > 0 && opts.negativeMaxEntries > 0 ? new Lru(opts.negativeMaxEntries) : undefined;
  }

  get enabled(): boolean {
    return this.ok !== undefined;
  }

  /** A remembered success, a remembered failure, or undefined when the token must be verified. */
  lookup(key: string, now: number): { ok: T } | { failed: E } | undefined {
    const hit = this.ok?.get(key);
    if (hit !== undefined) {
      if (now < hit.until) return { ok: hit.value };
      this.ok?.delete(key);
    }
    const miss = this.failed?.get(key);
    if (miss !== undefined) {
      if (now < miss.until) return { failed: miss.value };
      this.failed?.delete(key);
    }
    return undefined;
  }

  /** `notAfter` is the token's own limit (exp, or iat + maxTokenAge): the entry never outlives it. */
  remember(key: string, value: T, now: number, notAfter: number): void {
    const until = Math.min(notAfter, now + this.ttlMs);
    if (this.ok !== undefined && until > now) this.ok.set(key, { value, until });
  }

  rememberFailure(key: string, error: E, now: number): void {
    this.failed?.set(key, { value: error, until: now + this.negativeTtlMs });
  }

  get sizes(): { ok: number; failed: number } {
    return { ok: this.ok?.size ?? 0, failed: this.failed?.size ?? 0 };
  }

  clear(): void {
    this.ok?.clear();
    this.failed?.clear();
  }
}
