/**
 * Device passwords (MQTT CONNECT), stored as scrypt hashes: a leaked device table must not
 * hand out working credentials. No I/O besides crypto.
 *
 * Format: `scrypt$<N>$<r>$<p>$<salt b64url>$<hash b64url>`. The parameters travel with the
 * hash so that raising them later leaves existing rows verifiable.
 *
 * Cost: N = 2^13, r = 8, p = 1 (8 MiB per hash). Measured on the 2-core development VM
 * (AMD EPYC, Node 20.20): ~27 ms of CPU per hash or verify (wall ~27 ms on a free core,
 * up to ~65 ms at load average 6); N = 2^14 took ~55 ms, N = 2^12 ~10 ms. Device passwords
 * are usually machine-generated, so this buys time against offline guessing of the weak
 * ones without letting a reconnect storm of thousands of devices saturate the CPU for
 * long. scrypt runs on libuv's thread pool (async): the event loop keeps serving meanwhile,
 * but at most 4 (UV_THREADPOOL_SIZE) hash at once, queued with other pool work.
 *
 * Verification reads N, r and p from the stored string, i.e. from a database row: they are
 * bounded so that a tampered or corrupted row is refused instead of making one CONNECT cost
 * minutes of CPU or gigabytes of memory.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** What hashPassword writes. */
export const PASSWORD_HASH_PARAMS = Object.freeze({ N: 2 ** 13, r: 8, p: 1, saltBytes: 16, keyBytes: 32 });

// Room to raise the default 8x (work) and 8x (memory) before old rows stop verifying, no more.
const MIN_N = 2 ** 10;
const MAX_N = 2 ** 16;
const MAX_R = 32;
const MAX_P = 16;
/** N * r * p, the number of block mixes: proportional to the time one verification takes. */
const MAX_WORK = 2 ** 19;
/** 128 * N * r bytes is what scrypt allocates. */
const MAX_MEMORY = 64 * 1024 * 1024;
const MIN_BYTES = 16;
const MAX_BYTES = 64;

const PREFIX = 'scrypt';
const DECIMAL = /^[1-9][0-9]{0,9}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export async function hashPassword(password: string): Promise<string> {
  if (typeof password !== 'string' || password.length === 0) throw new TypeError('hashPassword: the password must be a non-empty string');
  const { N, r, p, saltBytes, keyBytes } = PASSWORD_HASH_PARAMS;
  const salt = randomBytes(saltBytes);
  const hash = await derive(password, salt, keyBytes, { N, r, p });
  return [PREFIX, N, r, p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** False for a wrong password and for anything that is not a hash Weft could have written; never throws. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (typeof password !== 'string' || password.length === 0) return false;
  const parsed = parseStored(stored);
  if (parsed === undefined) return false;
  try {
    const actual = await derive(password, parsed.salt, parsed.hash.length, parsed.params);
    return timingSafeEqual(actual, parsed.hash);
  } catch {
    return false;
  }
}

interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

function derive(password: string, salt: Buffer, keyBytes: number, params: ScryptParams): Promise<Buffer> {
  const { N, r, p } = params;
  // Node's default maxmem (32 MiB) would refuse parameters the bounds accept; OpenSSL needs
  // 128*r*(N+2) for V plus 128*r*p for B, with a little slack.
  const options: ScryptOptions = { N, r, p, maxmem: 128 * r * (N + 2) + 128 * r * p + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyBytes, options, (err, key) => (err === null ? resolve(key) : reject(err)));
  });
}

function parseStored(stored: unknown): { params: ScryptParams; salt: Buffer; hash: Buffer } | undefined {
  if (typeof stored !== 'string' || stored.length > 512) return undefined;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== PREFIX) return undefined;
  const [N, r, p] = parts.slice(1, 4).map((s) => (DECIMAL.test(s) ? Number(s) : NaN));
  if (!(N >= MIN_N && N <= MAX_N && (N & (N - 1)) === 0)) return undefined;
  if (!(r >= 1 && r <= MAX_R && p >= 1 && p <= MAX_P)) return undefined;
  if (N * r * p > MAX_WORK || 128 * N * r > MAX_MEMORY) return undefined;
  const salt = decode(parts[4]);
  const hash = decode(parts[5]);
  if (salt === undefined || hash === undefined) return undefined;
  return { params: { N, r, p }, salt, hash };
}

function decode(text: string): Buffer | undefined {
  if (!BASE64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  // Buffer ignores trailing bits and odd lengths; only the canonical encoding is Weft's.
  if (bytes.length < MIN_BYTES || bytes.length > MAX_BYTES || bytes.toString('base64url') !== text) return undefined;
  return bytes;
}
