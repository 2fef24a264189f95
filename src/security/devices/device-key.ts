/**
 * The public keys devices register for attestation (issue 4): validated once, at
 * provisioning, so that verifying a device token later only has to select and use a key.
 * No I/O besides crypto.
 *
 * One algorithm per key type (ES256 for P-256, EdDSA for Ed25519, RS256 for RSA): a key
 * that verifies under exactly one algorithm leaves the token's `alg` nothing to choose, which
 * is what closes algorithm confusion (RFC 8725 clause 3.1).
 */
import { calculateJwkThumbprint, importJWK, type JWK } from 'jose';
import type { DevicePublicKey } from '../../devices/model';
import { NgsiError } from '../../ngsi/errors';
import { keyTypeFor, validateAlgorithms } from '../jwt/algorithms';
import { toPublicJwk } from '../jwt/key-source';

export type DeviceAlgorithm = 'ES256' | 'EdDSA' | 'RS256';

export const DEVICE_ALGORITHMS: readonly DeviceAlgorithm[] = Object.freeze(['ES256', 'EdDSA', 'RS256'] as const);

/** Fails at load if the list ever names something algorithms.ts does not consider asymmetric. */
export const DEVICE_ALGORITHM_SET: ReadonlySet<string> = validateAlgorithms(DEVICE_ALGORITHMS);

export const MIN_RSA_BITS = 2048;
/** Verification time grows with the modulus; nothing sensible on a device needs more. */
export const MAX_RSA_BITS = 8192;

/** Members that only a private or symmetric key has (RFC 7518 clauses 6.2.2, 6.3.2, 6.4.1; RFC 8037 clause 2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** kids end up in logs and audit records: printable ASCII, no spaces, bounded. */
const KID = /^[\x21-\x7e]{1,256}$/;

/** The algorithm a device key verifies under, undefined for a key type devices may not use. */
export function deviceKeyAlgorithm(key: { kty?: unknown; crv?: unknown }): DeviceAlgorithm | undefined {
  return DEVICE_ALGORITHMS.find((alg) => {
    const want = keyTypeFor(alg);
    return want !== undefined && key.kty === want.kty && (want.crv === undefined || key.crv === want.crv);
  });
}

/**
 * A provisioned public JWK -> the key as stored: only the public members, `alg` set to the
 * pinned algorithm, `kid` as given or else the RFC 7638 thumbprint.
 */
export async function parseDevicePublicKey(jwk: unknown, where: string): Promise<DevicePublicKey> {
  const fail = (why: string): NgsiError => new NgsiError('BadRequestData', `${where}: ${why}`);
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw fail('a public key must be a JWK object');
  const source = jwk as Record<string, unknown>;
  const { kty, crv, kid, use, alg } = source;
  if (kty === 'oct') throw fail('a symmetric (oct) key cannot attest a device; register the public half of an EC P-256, Ed25519 or RSA key pair');
  const carried = PRIVATE_MEMBERS.filter((m) => Object.hasOwn(source, m));
  // Refused rather than stripped: a device that sent its private key has leaked it (to logs,
  // proxies, this server) and must generate a new pair, which silent stripping would hide.
  if (carried.length > 0) {
    throw fail(`the key carries private members (${carried.join(', ')}); send only the public key and treat this key pair as compromised`);
  }
  if (kty !== 'EC' && kty !== 'OKP' && kty !== 'RSA') throw fail(`unsupported key type ${JSON.stringify(kty)}; use EC (P-256), OKP (Ed25519) or RSA`);
  const pinned = deviceKeyAlgorithm(source);
  if (pinned === undefined) {
    throw fail(`unsupported ${kty} curve ${JSON.stringify(crv)}; use ${kty === 'EC' ? 'P-256' : 'Ed25519'}`);
  }
  if (alg !== undefined && alg !== pinned) throw fail(`a ${kty} ${crv === undefined ? '' : `${String(crv)} `}key signs with ${pinned}, not ${JSON.stringify(alg)}`);
  if (use !== undefined && use !== 'sig') throw fail(`"use" must be "sig" for a key that signs device tokens, not ${JSON.stringify(use)}`);
  if (Array.isArray(source.key_ops) && !source.key_ops.includes('verify')) throw fail('"key_ops" does not allow "verify"');
  if (kid !== undefined && (typeof kid !== 'string' || !KID.test(kid))) throw fail('"kid" must be a string of 1 to 256 printable ASCII characters without spaces');

  let pub: JWK;
  try {
    pub = toPublicJwk(source as JWK, 'the key');
  } catch (err) {
    throw fail(String((err as Error).message).replace(/^jwt: /, ''));
  }
  for (const member of ['crv', 'x', 'y', 'n', 'e'] as const) {
    const value = pub[member];
    if (member !== 'crv' && value !== undefined && !BASE64URL.test(value)) throw fail(`"${member}" is not base64url`);
  }
  if (kty === 'RSA') checkRsa(pub, fail);

  try {
    await importJWK(pub, pinned);
  } catch (err) {
    throw fail(`the key does not import as an ${pinned} public key (${err instanceof Error ? err.message : String(err)})`);
  }
  const id = typeof kid === 'string' ? kid : await calculateJwkThumbprint(pub, 'sha256');
  const stored: Record<string, unknown> = { kty };
  for (const member of ['crv', 'x', 'y', 'n', 'e'] as const) if (pub[member] !== undefined) stored[member] = pub[member];
  stored.alg = pinned;
  if (use !== undefined) stored.use = use;
  stored.kid = id;
  return stored as DevicePublicKey;
}

function checkRsa(pub: JWK, fail: (why: string) => NgsiError): void {
  const bits = bitLength(Buffer.from(pub.n ?? '', 'base64url'));
  if (bits < MIN_RSA_BITS) throw fail(`the RSA key has ${bits} bits; at least ${MIN_RSA_BITS} are required`);
  if (bits > MAX_RSA_BITS) throw fail(`the RSA key has ${bits} bits; at most ${MAX_RSA_BITS} are accepted`);
  // Verification costs one modular exponentiation by e: a huge exponent would make every
  // token check slow. Real keys use 65537 (3 bytes).
  const e = Buffer.from(pub.e ?? '', 'base64url');
  if (bitLength(e) < 2 || e.length > 4 || (e[e.length - 1] & 1) === 0) throw fail('the RSA public exponent must be an odd number of at most 32 bits (usually 65537, "AQAB")');
}

function bitLength(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]));
}
