/** Shared fixtures for the device-identity tests: real device key pairs and a token builder for shapes signDeviceToken refuses to make. */
import { strict as assert } from 'node:assert';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import type { DevicePublicKey } from '../../../src/devices/model';
import { NgsiError } from '../../../src/ngsi/errors';
import { parseDevicePublicKey } from '../../../src/security/devices/device-key';
import { DeviceAuthError, type DeviceAuthReason, type DeviceTokenExpectation } from '../../../src/security/devices/device-token';

export type Alg = 'ES256' | 'EdDSA' | 'RS256';

export interface DeviceKey {
  alg: Alg;
  privateKey: CryptoKey;
  /** As provisioning stores it (kid = thumbprint unless given). */
  stored: DevicePublicKey;
}

export async function makeDeviceKey(alg: Alg, kid?: string): Promise<DeviceKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const stored = await parseDevicePublicKey(kid === undefined ? jwk : { ...jwk, kid }, 'test');
  return { alg, privateKey, stored };
}

/** Epoch seconds of the fixed test clock: 2026-01-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 0, 1) / 1000;

export const expectation = (extra: Partial<DeviceTokenExpectation> = {}): DeviceTokenExpectation => ({
  deviceId: 'sensor-1',
  audience: 'weft-mqtt',
  maxLifetimeSec: 3600,
  clockToleranceSec: 0,
  nowMs: T0 * 1000,
  ...extra,
});

export interface TokenShape {
  alg?: string;
  kid?: string | null; // null: no kid header
  sub?: string | null;
  aud?: string | string[] | null;
  iat?: number | null;
  exp?: number | null;
  nbf?: number;
}

/** A device token with every claim controllable; defaults: valid for sensor-1, 10 minutes from T0. */
export async function deviceToken(key: DeviceKey, s: TokenShape = {}): Promise<string> {
  const payload: JWTPayload = {};
  if (s.sub !== null) payload.sub = s.sub ?? 'sensor-1';
  if (s.aud !== null) payload.aud = s.aud ?? 'weft-mqtt';
  if (s.iat !== null) payload.iat = s.iat ?? T0;
  if (s.exp !== null) payload.exp = s.exp ?? T0 + 600;
  if (s.nbf !== undefined) payload.nbf = s.nbf;
  const header: { alg: string; kid?: string } = { alg: s.alg ?? key.alg };
  if (s.kid !== null) header.kid = s.kid ?? key.stored.kid;
  return new SignJWT(payload).setProtectedHeader(header).sign(key.privateKey);
}

export const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Asserts a DeviceAuthError of this reason and returns it. */
export async function rejectsWith(promise: Promise<unknown>, reason: DeviceAuthReason): Promise<DeviceAuthError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof DeviceAuthError, `expected a DeviceAuthError, got ${String(err)}`);
    assert.equal(err.reason, reason, `expected ${reason}, got ${err.reason} (${err.message}; ${err.detail ?? ''})`);
    return err;
  }
  assert.fail(`expected a rejection with reason ${reason}`);
}

/** Asserts an NgsiError BadRequestData whose detail matches, and returns the detail. */
export async function badRequest(promise: Promise<unknown>, detail: RegExp): Promise<string> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof NgsiError, `expected an NgsiError, got ${String(err)}`);
    assert.equal(err.problem, 'BadRequestData');
    assert.match(err.detail, detail);
    return err.detail;
  }
  assert.fail(`expected BadRequestData matching ${detail}`);
}
