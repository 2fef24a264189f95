/**
 * Device identities (issue 4): how a device proves who it is at MQTT CONNECT (password or
 * device-signed token), and how provisioning input becomes stored credentials. Pure apart
 * from crypto; the MQTT adapter looks the device up and calls authenticateDevice.
 */
import type { DeviceCredentials, DevicePublicKey } from '../../devices/model';
import { NgsiError } from '../../ngsi/errors';
import { parseDevicePublicKey } from './device-key';
import { DeviceAuthError, verifyDeviceToken, type DeviceTokenExpectation } from './device-token';
import { hashPassword, verifyPassword } from './password';
import { VerifiedPasswords } from './verified-passwords';

export { DEVICE_ALGORITHMS, MAX_RSA_BITS, MIN_RSA_BITS, deviceKeyAlgorithm, parseDevicePublicKey, type DeviceAlgorithm } from './device-key';
export { DeviceAuthError, isDeviceAuthError, signDeviceToken, verifyDeviceToken, type DeviceAuthReason, type DeviceTokenExpectation } from './device-token';
export { PASSWORD_HASH_PARAMS, hashPassword, verifyPassword } from './password';
export { VerifiedPasswords } from './verified-passwords';

/** Longer passwords gain nothing and only make hashing input unbounded. */
export const MAX_PASSWORD_LENGTH = 1024;
/** Enough for rotation (old and new key side by side) with room to spare. */
export const MAX_DEVICE_KEYS = 10;

/**
 * Whether a CONNECT password is a device token: three base64url parts whose first decodes to
 * a JSON object. Stricter than "has two dots" so that a password like `my.pass.word` stays a
 * password; provisioning refuses passwords this would take for tokens.
 */
export function looksLikeDeviceToken(secret: string): boolean {
  const parts = secret.split('.');
  if (parts.length !== 3 || !parts.every((p) => /^[A-Za-z0-9_-]*$/.test(p)) || parts[0].length === 0) return false;
  try {
    const header: unknown = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && !Array.isArray(header);
  } catch {
    return false;
  }
}

/**
 * MQTT CONNECT: the password field is either a device token (looks like a compact JWS)
 * checked against credentials.publicKeys, or a password checked against
 * credentials.passwordHash. Resolves, or rejects with DeviceAuthError whose reason the
 * caller logs before refusing the CONNECT.
 */
export async function authenticateDevice(credentials: DeviceCredentials, secret: string, expect: DeviceTokenExpectation): Promise<void> {
  if (typeof secret !== 'string' || secret.length === 0) throw new DeviceAuthError('no_credentials', 'the device presented no password or token');
  if (looksLikeDeviceToken(secret)) {
    const keys = credentials.publicKeys ?? [];
    if (keys.length === 0) throw new DeviceAuthError('no_credentials', 'the device presented a token but has no registered public key');
    await verifyDeviceToken(secret, keys, expect);
    return;
  }
  const stored = credentials.passwordHash;
  if (stored === undefined) throw new DeviceAuthError('no_credentials', 'the device presented a password but has none registered');
  if (!(await recentlyVerified.verify(secret, stored, verifyPassword))) throw new DeviceAuthError('bad_password');
}

/**
 * The process' memory of passwords that verified (verified-passwords.ts): reconnects skip
 * scrypt. One per process, like the devices it serves.
 */
export const recentlyVerified = new VerifiedPasswords();

/** Provisioning input -> stored credentials: hashes the password, validates keys. Throws NgsiError BadRequestData. */
export async function toDeviceCredentials(input: { password?: string; publicKeys?: unknown[] }, where: string): Promise<DeviceCredentials> {
  const fail = (why: string): NgsiError => new NgsiError('BadRequestData', `${where}: ${why}`);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw fail('credentials must be an object');
  const { password, publicKeys } = input as { password?: unknown; publicKeys?: unknown };
  if (password !== undefined) {
    if (typeof password !== 'string' || password.length === 0) throw fail('password must be a non-empty string');
    if (password.length > MAX_PASSWORD_LENGTH) throw fail(`password must be at most ${MAX_PASSWORD_LENGTH} characters`);
    if (looksLikeDeviceToken(password)) throw fail('password must not have the shape of a signed token (three base64url parts); register a public key for token authentication instead');
  }
  if (publicKeys !== undefined) {
    if (!Array.isArray(publicKeys)) throw fail('publicKeys must be an array of public JWKs');
    if (publicKeys.length > MAX_DEVICE_KEYS) throw fail(`at most ${MAX_DEVICE_KEYS} public keys per device`);
  }
  const [passwordHash, keys] = await Promise.all([
    password === undefined ? undefined : hashPassword(password),
    Promise.all(((publicKeys as unknown[] | undefined) ?? []).map((jwk, i) => parseDevicePublicKey(jwk, `${where}.publicKeys[${i}]`))),
  ]);
  checkDistinctKids(keys, fail);
  const credentials: DeviceCredentials = {};
  if (passwordHash !== undefined) credentials.passwordHash = passwordHash;
  if (keys.length > 0) credentials.publicKeys = keys;
  return credentials;
}

function checkDistinctKids(keys: readonly DevicePublicKey[], fail: (why: string) => NgsiError): void {
  const seen = new Set<string>();
  for (const key of keys) {
    // Tokens select their key by kid: two keys under one name would make that choice ambiguous.
    if (seen.has(key.kid)) throw fail(`two public keys share the kid ${JSON.stringify(key.kid)}`);
    seen.add(key.kid);
  }
}
