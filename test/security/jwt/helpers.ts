/** Shared fixtures for the jwt tests: real keys from jose, hand-crafted tokens, a counting key source. */
import { strict as assert } from 'node:assert';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { AuthError, type AuthErrorReason } from '../../../src/security/jwt/errors';
import { JwkKeySet } from '../../../src/security/jwt/jwk-key-set';
import type { KeySource, PublicJwk, VerificationKey } from '../../../src/security/jwt/key-source';
import type { TokenHeader } from '../../../src/security/jwt/token-header';

export interface TestKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: PublicJwk;
}

export async function makeKey(alg: 'ES256' | 'RS256' | 'EdDSA' | 'PS256' | 'ES384', kid?: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = (await exportJWK(publicKey)) as PublicJwk;
  const id = kid ?? (await calculateJwkThumbprint(jwk));
  return { alg, kid: id, privateKey, publicKey, publicJwk: { ...jwk, kid: id } };
}

/** Epoch seconds of the fixed test clock: 2026-01-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 0, 1) / 1000;

/** A clock the test moves by hand (epoch ms). */
export function testClock(startSec = T0): { now: () => number; set(sec: number): void; advance(sec: number): void } {
  let ms = startSec * 1000;
  return {
    now: () => ms,
    set: (sec) => {
      ms = sec * 1000;
    },
    advance: (sec) => {
      ms += sec * 1000;
    },
  };
}

export interface SignOptions {
  kid?: string | null; // null = no kid header
  iat?: number | null; // null = no iat claim
  exp?: number | null; // null = no exp
  nbf?: number;
  iss?: string | null;
  aud?: string | string[];
  sub?: string | null;
}

export async function sign(key: TestKey, claims: JWTPayload = {}, o: SignOptions = {}): Promise<string> {
  const header: { alg: string; kid?: string; typ: string } = { alg: key.alg, typ: 'JWT' };
  if (o.kid !== null) header.kid = o.kid ?? key.kid;
  const iat = o.iat ?? T0;
  const jwt = new SignJWT({ ...claims }).setProtectedHeader(header);
  if (o.iat !== null) jwt.setIssuedAt(iat);
  if (o.sub !== null) jwt.setSubject(o.sub ?? 'user-1');
  if (o.iss !== null) jwt.setIssuer(o.iss ?? 'https://idp.test');
  if (o.exp !== null) jwt.setExpirationTime(o.exp ?? iat + 3600);
  if (o.nbf !== undefined) jwt.setNotBefore(o.nbf);
  if (o.aud !== undefined) jwt.setAudience(o.aud);
  return jwt.sign(key.privateKey);
}

export const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A compact token assembled by hand, for shapes jose refuses to produce. */
export function craft(header: unknown, payload: unknown, signature = ''): string {
  return `${b64(header)}.${b64(payload)}.${signature}`;
}

/** Wraps a KeySource and counts how often the verifier consults it. */
export class CountingKeySource implements KeySource {
  calls = 0;
  constructor(readonly inner: KeySource) {}
  keysFor(header: TokenHeader): Promise<readonly VerificationKey[]> {
    this.calls++;
    return this.inner.keysFor(header);
  }
}

export function keySet(...keys: TestKey[]): CountingKeySource {
  return new CountingKeySource(new JwkKeySet(keys.map((k) => k.publicJwk)));
}

/** Asserts the promise rejects with an AuthError of this reason, and returns it. */
export async function rejectsWith(promise: Promise<unknown>, reason: AuthErrorReason): Promise<AuthError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof AuthError, `expected an AuthError, got ${String(err)}`);
    assert.equal(err.reason, reason, `expected reason ${reason}, got ${err.reason} (${err.message}; ${err.detail ?? ''})`);
    return err;
  }
  assert.fail(`expected a rejection with reason ${reason}`);
}
