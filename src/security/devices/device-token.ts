/**
 * Device attestation (issue 4): the device holds a private key, Weft holds the public half
 * (device-key.ts), and at CONNECT the device presents a short-lived JWT it signed. A captured
 * token is only worth something until it expires, so the lifetime (exp - iat) is bounded by
 * the broker, not left to the device.
 *
 * Order of checks, and why:
 *   1. shape and `alg` (jwt/token-header.ts): refuses `none`, HS* and anything but the three
 *      device algorithms before a key is touched;
 *   2. key by `kid` among the device's own keys only (a device cannot point at another
 *      device's key, nor at `jku`/`jwk` headers, which are never followed);
 *   3. `alg` must be the one the selected key is pinned to: a P-256 key never verifies an
 *      RS256 token, whatever the header claims;
 *   4. signature, then claims (jose: nbf, exp with tolerance, aud), then what jose does not
 *      know: sub is this device, iat not in the future, lifetime within the bound.
 * No I/O besides crypto.
 */
import type { KeyObject } from 'node:crypto';
import { importJWK, jwtVerify, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { DevicePublicKey } from '../../devices/model';
import { AuthError, type AuthErrorReason } from '../jwt/errors';
import { authErrorFromJose } from '../jwt/jose-errors';
import { toPublicJwk } from '../jwt/key-source';
import { DEFAULT_MAX_TOKEN_LENGTH, readTokenHeader, type TokenHeader } from '../jwt/token-header';
import { DEVICE_ALGORITHM_SET, deviceKeyAlgorithm, type DeviceAlgorithm } from './device-key';

export type DeviceAuthReason =
  | 'malformed'
  | 'unknown_key'
  | 'bad_signature'
  | 'wrong_device'
  | 'wrong_audience'
  | 'expired'
  | 'not_yet_valid'
  | 'lifetime_too_long'
  | 'algorithm'
  | 'bad_password'
  /** Nothing to check: no secret presented, or no credential of the presented kind registered. */
  | 'no_credentials';

const defaultMessages: Record<DeviceAuthReason, string> = {
  malformed: 'the device token is malformed',
  unknown_key: 'the device token names no registered key of this device',
  bad_signature: 'the device token signature is invalid',
  wrong_device: 'the device token was issued for another device',
  wrong_audience: 'the device token audience is not accepted',
  expired: 'the device token has expired',
  not_yet_valid: 'the device token is not valid yet',
  lifetime_too_long: 'the device token lives longer than accepted',
  algorithm: 'the device token signing algorithm is not accepted for this key',
  bad_password: 'the device password is wrong',
  no_credentials: 'the device presented no credentials it has registered',
};

/**
 * Why a device was refused. The message never contains the token, the password or claim
 * values; `detail` (jose's error code, the underlying check) is for operators' logs.
 */
export class DeviceAuthError extends Error {
  override readonly name = 'DeviceAuthError';
  readonly reason: DeviceAuthReason;
  readonly detail: string | undefined;

  constructor(reason: DeviceAuthReason, message?: string, detail?: string) {
    super(message ?? defaultMessages[reason]);
    this.reason = reason;
    this.detail = detail;
  }
}

export function isDeviceAuthError(err: unknown): err is DeviceAuthError {
  return err instanceof DeviceAuthError;
}

export interface DeviceTokenExpectation {
  deviceId: string;
  audience: string;
  /** longest accepted exp - iat */
  maxLifetimeSec: number;
  clockToleranceSec: number;
  nowMs?: number;
}

/**
 * Throws DeviceAuthError(reason) unless: alg pinned by the key type (ES256 for P-256, EdDSA
 * for Ed25519, RS256 for RSA; never none/HS*), kid names one of `keys` (or, when the token
 * has no kid and exactly one key is registered, that key), signature valid, sub ===
 * deviceId, aud includes audience, iat and exp present, exp - iat <= maxLifetimeSec, not
 * expired / not before nbf (with tolerance), iat not in the future beyond tolerance.
 *
 * `expiresAtMs` (exp in epoch ms) lets the caller end the session when the token expires.
 */
export async function verifyDeviceToken(token: string, keys: readonly DevicePublicKey[], expect: DeviceTokenExpectation): Promise<{ expiresAtMs: number }> {
  checkExpectation(expect);
  let header: TokenHeader;
  try {
    header = readTokenHeader(token, DEVICE_ALGORITHM_SET, DEFAULT_MAX_TOKEN_LENGTH);
  } catch (err) {
    throw fromAuthError(err);
  }
  const candidates = selectKeys(keys, header.kid);
  const nowMs = expect.nowMs ?? Date.now();
  let failure: DeviceAuthError | undefined;
  for (const jwk of candidates) {
    const pinned = deviceKeyAlgorithm(jwk);
    if (pinned !== header.alg) {
      failure = new DeviceAuthError('algorithm', undefined, `token alg ${header.alg}, key ${jwk.kid} verifies ${pinned ?? 'nothing'}`);
      continue;
    }
    let payload: JWTPayload;
    try {
      const key = await importDeviceKey(jwk, pinned);
      ({ payload } = await jwtVerify(token, key, {
        algorithms: [pinned],
        audience: expect.audience,
        clockTolerance: expect.clockToleranceSec,
        currentDate: new Date(nowMs),
        requiredClaims: ['exp', 'iat', 'sub'],
      }));
    } catch (err) {
      failure = fromAuthError(err);
      // Only duplicate kids (which provisioning refuses) give several candidates: a wrong
      // key shows up as a bad signature, so try the next; anything else is about the token.
      if (failure.reason === 'bad_signature' || failure.reason === 'unknown_key') continue;
      throw failure;
    }
    return accept(payload, expect, nowMs);
  }
  throw failure ?? new DeviceAuthError('unknown_key');
}

/** For devices written in Node, tests and benchmarks: what a device does. */
export async function signDeviceToken(
  privateKey: CryptoKey | KeyObject | JWK,
  opts: { deviceId: string; kid: string; alg: DeviceAlgorithm; audience: string; ttlSec: number; nowMs?: number },
): Promise<string> {
  if (!(Number.isInteger(opts.ttlSec) && opts.ttlSec > 0)) throw new TypeError('signDeviceToken: ttlSec must be a positive integer');
  const iat = Math.floor((opts.nowMs ?? Date.now()) / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: opts.alg, kid: opts.kid, typ: 'JWT' })
    .setSubject(opts.deviceId)
    .setAudience(opts.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + opts.ttlSec)
    .sign(privateKey);
}

function checkExpectation(expect: DeviceTokenExpectation): void {
  // Wiring mistakes, not device faults: an empty audience or a NaN bound would silently weaken every check.
  if (typeof expect.deviceId !== 'string' || expect.deviceId.length === 0) throw new TypeError('verifyDeviceToken: deviceId must be a non-empty string');
  if (typeof expect.audience !== 'string' || expect.audience.length === 0) throw new TypeError('verifyDeviceToken: audience must be a non-empty string');
  if (!(Number.isFinite(expect.maxLifetimeSec) && expect.maxLifetimeSec > 0)) throw new TypeError('verifyDeviceToken: maxLifetimeSec must be a positive number');
  if (!(Number.isFinite(expect.clockToleranceSec) && expect.clockToleranceSec >= 0)) throw new TypeError('verifyDeviceToken: clockToleranceSec must be a non-negative number');
  if (expect.nowMs !== undefined && !Number.isFinite(expect.nowMs)) throw new TypeError('verifyDeviceToken: nowMs must be a finite number');
}

function selectKeys(keys: readonly DevicePublicKey[], kid: string | undefined): readonly DevicePublicKey[] {
  if (kid !== undefined) {
    const named = keys.filter((k) => k.kid === kid);
    if (named.length === 0) throw new DeviceAuthError('unknown_key');
    return named;
  }
  // Without a kid, trying every key would let one token probe them all; a device with
  // several keys (rotation) must say which one it used.
  if (keys.length === 1) return keys;
  throw new DeviceAuthError(
    'unknown_key',
    keys.length === 0 ? 'the device has no registered public key' : 'the device token names no key ("kid") and the device has several',
  );
}

function accept(payload: JWTPayload, expect: DeviceTokenExpectation, nowMs: number): { expiresAtMs: number } {
  // jose has checked exp, iat and nbf are numbers when present and exp/iat present.
  const exp = payload.exp as number;
  const iat = payload.iat as number;
  const now = Math.floor(nowMs / 1000);
  if (payload.sub !== expect.deviceId) throw new DeviceAuthError('wrong_device');
  if (exp <= iat) throw new DeviceAuthError('malformed', 'the device token expires before it was issued');
  if (iat > now + expect.clockToleranceSec) throw new DeviceAuthError('not_yet_valid', 'the device token was issued in the future', 'iat');
  if (exp - iat > expect.maxLifetimeSec) throw new DeviceAuthError('lifetime_too_long', undefined, `exp - iat = ${exp - iat} s, at most ${expect.maxLifetimeSec} s accepted`);
  return { expiresAtMs: exp * 1000 };
}

const REASONS: Record<AuthErrorReason, DeviceAuthReason> = {
  missing: 'malformed',
  malformed: 'malformed',
  bad_signature: 'bad_signature',
  expired: 'expired',
  not_yet_valid: 'not_yet_valid',
  wrong_issuer: 'malformed', // never checked for device tokens
  wrong_audience: 'wrong_audience',
  unknown_key: 'unknown_key',
  unsupported_alg: 'algorithm',
  keys_unavailable: 'unknown_key', // device keys are in hand; only a broken stored key gets here
};

/** jwt's AuthError (and jose's errors, through jwt/jose-errors.ts) -> DeviceAuthError. Unknown errors propagate: they are bugs. */
function fromAuthError(err: unknown): DeviceAuthError {
  if (err instanceof DeviceAuthError) return err;
  const auth = err instanceof AuthError ? err : authErrorFromJose(err);
  const reason = REASONS[auth.reason];
  // The bearer-token wording of jwt's messages would mislead in a device log; keep it as detail.
  const detail = [auth.message, auth.detail].filter((s) => s !== undefined && s.length > 0).join('; ');
  return new DeviceAuthError(reason, undefined, detail);
}

/**
 * Importing costs about as much as verifying, and devices reconnect with the same keys, so
 * imports are kept, keyed by the key's public members (rows read from the store are new
 * objects every time, so object identity would never hit).
 */
const MAX_IMPORTED = 1024;
const imported = new Map<string, Promise<CryptoKey>>();

function importDeviceKey(jwk: DevicePublicKey, alg: DeviceAlgorithm): Promise<CryptoKey> {
  let pub: JWK;
  try {
    // Stored keys were validated at provisioning; normalising again means a tampered row
    // with private members or key_ops cannot change what is imported.
    pub = toPublicJwk(jwk as JWK, `key ${jwk.kid}`);
  } catch (err) {
    return Promise.reject(new AuthError('unknown_key', undefined, (err as Error).message));
  }
  const cacheKey = `${alg}|${pub.kty}|${pub.crv ?? ''}|${pub.x ?? ''}|${pub.y ?? ''}|${pub.n ?? ''}|${pub.e ?? ''}`;
  const hit = imported.get(cacheKey);
  if (hit !== undefined) return hit;
  const pending = importJWK({ ...pub, alg: undefined, use: undefined }, alg).then(
    (key) => {
      if (key instanceof Uint8Array) throw new AuthError('unknown_key', undefined, 'a public JWK imported as a secret'); // unreachable: oct keys are refused
      return key;
    },
    (err: unknown) => {
      throw new AuthError('unknown_key', undefined, `unusable key ${jwk.kid}: ${String(err)}`);
    },
  );
  pending.catch(() => imported.delete(cacheKey));
  if (imported.size >= MAX_IMPORTED) imported.delete(imported.keys().next().value as string);
  imported.set(cacheKey, pending);
  return pending;
}
