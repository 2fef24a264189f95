/**
 * Bearer token verification: header pre-check, key lookup, signature and claims (jose),
 * then a cache so repeat tokens cost a hash and a map lookup instead of a signature check.
 *
 * Order of checks, and why:
 *   1. shape and `alg` (token-header.ts): cheap, and refuses `none`/HS* before any key is
 *      fetched, so hostile tokens cannot trigger JWKS refreshes or algorithm confusion;
 *   2. cache, by SHA-256 of the token: hashing keeps bearer tokens out of the heap (a heap
 *      dump of the cache yields nothing replayable);
 *   3. KeySource.keysFor(header) -> jose jwtVerify with the allowed algorithms, issuer,
 *      audience, clock tolerance, `exp` required (zero-trust: tokens must expire) and `sub`
 *      required (every decision and audit record names a subject).
 *
 * The cache never changes an answer, it only avoids recomputing it: a success is kept until
 * the moment verification itself would start failing (exp + tolerance, or iat + maxTokenAge
 * + tolerance), and no longer than cacheTtlSec, which bounds how long a key removed from the
 * JWKS stays trusted. Failures that cannot turn into successes (bad signature, expired, ...)
 * are kept briefly so a client retrying a bad token in a loop costs no crypto; failures that
 * can change (unknown kid before a JWKS refresh, not yet valid, IdP down) are never kept.
 */
import { hash } from 'node:crypto';
import { jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { validateAlgorithms } from './algorithms';
import { AuthError, type AuthErrorReason } from './errors';
import { authErrorFromJose } from './jose-errors';
import type { KeySource } from './key-source';
import { TokenCache } from './token-cache';
import { DEFAULT_MAX_TOKEN_LENGTH, readTokenHeader } from './token-header';

export interface VerifiedToken {
  /** The `sub` claim. */
  subject: string;
  /** Every claim of the token, deep-frozen: the object is shared by all requests that present the token. */
  claims: JWTPayload;
  /** `exp` as epoch milliseconds (comparable with Date.now() and the `now` option); absent only with allowNoExp. */
  expiresAt?: number;
}

export interface TokenVerifier {
  /** Resolves with the verified token or rejects with an AuthError. */
  verify(token: string): Promise<VerifiedToken>;
  /** Drops every cached outcome, e.g. after removing a compromised key. */
  clearCache(): void;
  readonly stats: VerifierStats;
}

export interface VerifierStats {
  /** Answered from the success cache. */
  hits: number;
  /** Answered from the failure cache. */
  negativeHits: number;
  /** Full verifications (key lookup + signature). */
  verifications: number;
}

export interface TokenCacheSettings {
  /** Upper bound on how long a success is reused, seconds. Default 60; 0 disables caching. */
  ttlSec?: number;
  /** Default 10,000 tokens (~2-3 MB with typical claims). */
  maxEntries?: number;
  /** How long a permanent failure is reused, seconds. Default 5; 0 disables. */
  negativeTtlSec?: number;
  /** Default 1,000. */
  negativeMaxEntries?: number;
}

export interface TokenVerifierOptions {
  keys: KeySource;
  /** Accepted `iss` value(s); undefined = not checked (only sensible with keys that a single issuer holds). */
  issuer?: string | string[];
  /** Accepted `aud` value(s), any one suffices; undefined = not checked. */
  audience?: string | string[];
  /** Default ['RS256', 'ES256', 'EdDSA']; only asymmetric algorithms can be listed. */
  algorithms?: readonly string[];
  /** Allowed clock skew for exp/nbf/iat, seconds. Default 30. */
  clockToleranceSec?: number;
  /** Refuse tokens issued (`iat`) longer ago than this, seconds, whatever their exp says. */
  maxTokenAgeSec?: number;
  /** Accept tokens without `exp`. Off by default: a leaked token without exp works forever. */
  allowNoExp?: boolean;
  /** Epoch milliseconds; injectable for tests. */
  now?: () => number;
  cache?: TokenCacheSettings;
  /** Longer tokens are refused before hashing or parsing. Default 16 KiB. */
  maxTokenLength?: number;
}

/** Failures that stay failures for the same token, whatever the time or key source does next. */
const PERMANENT: ReadonlySet<AuthErrorReason> = new Set<AuthErrorReason>(['malformed', 'bad_signature', 'unsupported_alg', 'expired', 'wrong_issuer', 'wrong_audience']);

export function createTokenVerifier(opts: TokenVerifierOptions): TokenVerifier {
  return new JwtVerifier(opts);
}

class JwtVerifier implements TokenVerifier {
  readonly stats: VerifierStats = { hits: 0, negativeHits: 0, verifications: 0 };
  private readonly keys: KeySource;
  private readonly allowed: ReadonlySet<string>;
  private readonly joseOptions: JWTVerifyOptions;
  private readonly toleranceSec: number;
  private readonly maxTokenAgeSec: number | undefined;
  private readonly maxTokenLength: number;
  private readonly now: () => number;
  private readonly cache: TokenCache<VerifiedToken, AuthError>;
  /** Concurrent requests with one new token share one verification (a client's burst right after login). */
  private readonly inflight = new Map<string, Promise<VerifiedToken>>();

  constructor(opts: TokenVerifierOptions) {
    this.keys = opts.keys;
    this.allowed = validateAlgorithms(opts.algorithms);
    this.toleranceSec = nonNegative(opts.clockToleranceSec ?? 30, 'clockToleranceSec');
    if (opts.maxTokenAgeSec !== undefined && !(Number.isFinite(opts.maxTokenAgeSec) && opts.maxTokenAgeSec > 0)) {
      throw new Error('jwt: maxTokenAgeSec must be a positive number');
    }
    this.maxTokenAgeSec = opts.maxTokenAgeSec;
    this.maxTokenLength = opts.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH;
    this.now = opts.now ?? Date.now;
    this.joseOptions = {
      algorithms: [...this.allowed],
      issuer: checkedNames(opts.issuer, 'issuer'),
      audience: checkedNames(opts.audience, 'audience'),
      clockTolerance: this.toleranceSec,
      maxTokenAge: opts.maxTokenAgeSec,
      requiredClaims: opts.allowNoExp === true ? ['sub'] : ['exp', 'sub'],
    };
    const c = opts.cache ?? {};
    this.cache = new TokenCache({
      ttlMs: nonNegative(c.ttlSec ?? 60, 'cache.ttlSec') * 1000,
      maxEntries: c.maxEntries ?? 10_000,
      negativeTtlMs: nonNegative(c.negativeTtlSec ?? 5, 'cache.negativeTtlSec') * 1000,
      negativeMaxEntries: c.negativeMaxEntries ?? 1_000,
    });
  }

  verify(token: string): Promise<VerifiedToken> {
    if (typeof token !== 'string' || token.length === 0) return Promise.reject(new AuthError('missing'));
    if (token.length > this.maxTokenLength) return Promise.reject(new AuthError('malformed', 'the bearer token is too long'));
    // One-shot hash: half the cost of createHash() on every request (Node >= 20.12).
    const key = hash('sha256', token, 'base64url');
    const now = this.now();
    const cached = this.cache.lookup(key, now);
    if (cached !== undefined) {
      if ('ok' in cached) {
        this.stats.hits++;
        return Promise.resolve(cached.ok);
      }
      this.stats.negativeHits++;
      return Promise.reject(cached.failed);
    }
    const pending = this.inflight.get(key);
    if (pending !== undefined) return pending;
    const run = this.verifyUncached(token, now).then(
      ({ verified, notAfter }) => {
        this.cache.remember(key, verified, now, notAfter);
        return verified;
      },
      (err: unknown) => {
        if (err instanceof AuthError && PERMANENT.has(err.reason)) this.cache.rememberFailure(key, err, now);
        throw err;
      },
    );
    this.inflight.set(key, run);
    const forget = (): void => {
      this.inflight.delete(key);
    };
    run.then(forget, forget);
    return run;
  }

  clearCache(): void {
    this.cache.clear();
  }

  private async verifyUncached(token: string, now: number): Promise<{ verified: VerifiedToken; notAfter: number }> {
    this.stats.verifications++;
    const header = readTokenHeader(token, this.allowed, this.maxTokenLength);
    const candidates = await this.keys.keysFor(header).catch((err: unknown) => {
      throw authErrorFromJose(err);
    });
    if (candidates.length === 0) throw new AuthError('unknown_key');
    const options: JWTVerifyOptions = { ...this.joseOptions, currentDate: new Date(now) };
    let failure: AuthError | undefined;
    for (const candidate of candidates) {
      try {
        const { payload } = await jwtVerify(token, candidate, options);
        return this.accept(payload);
      } catch (err) {
        failure = authErrorFromJose(err);
        // Several candidates only when the token names no kid: a wrong key shows up as a bad
        // signature, so try the next; any other failure is about the token and final.
        if (failure.reason !== 'bad_signature') throw failure;
      }
    }
    throw failure ?? new AuthError('bad_signature');
  }

  private accept(payload: JWTPayload): { verified: VerifiedToken; notAfter: number } {
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) {
      throw new AuthError('malformed', 'the bearer token has no subject ("sub" claim)');
    }
    const tol = this.toleranceSec;
    // The instants (ms) at which jose would start answering "expired": floor(now/1000) >= exp + tol,
    // and floor(now/1000) - iat - tol > maxTokenAge.
    let notAfter = payload.exp === undefined ? Infinity : (payload.exp + tol) * 1000;
    if (this.maxTokenAgeSec !== undefined && payload.iat !== undefined) {
      notAfter = Math.min(notAfter, (payload.iat + this.maxTokenAgeSec + tol + 1) * 1000);
    }
    const verified: VerifiedToken = {
      subject: payload.sub,
      claims: deepFreeze(payload),
      expiresAt: payload.exp === undefined ? undefined : payload.exp * 1000,
    };
    return { verified: Object.freeze(verified), notAfter };
  }
}

function nonNegative(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0) throw new Error(`jwt: ${name} must be a non-negative number`);
  return value;
}

function checkedNames(value: string | string[] | undefined, name: string): string | string[] | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  // An empty list would make every token fail with a misleading "wrong issuer/audience".
  if (list.length === 0 || !list.every((v) => typeof v === 'string' && v.length > 0)) {
    throw new Error(`jwt: ${name} must be a non-empty string or a non-empty list of them`);
  }
  return value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
