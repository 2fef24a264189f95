/**
 * The quick-start issuer: when no identity provider is configured, Weft signs its own
 * tokens (`weft token --role admin --tenant t --ttl 1h`) with an ES256 key kept in its data
 * directory, and verifies them with the public half like any other KeySource.
 *
 * Files, under `<dataDir>/auth/` (directory mode 0700):
 *   issuer-key.json   the private JWK (with kid, alg, use), mode 0600. The only source of truth.
 *   issuer-jwks.json  its public JWKS, for other services that want to verify Weft's tokens.
 * The key is created once, atomically (written to a temporary file, then hard-linked into
 * place, which fails if another process won the race), so two instances starting together
 * on one data directory end up sharing one key instead of each overwriting the other's.
 * A key file others can read or write is refused: whoever reads it can mint admin tokens.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { JwkKeySet } from './jwk-key-set';
import { toPublicJwk, type PublicJwk } from './key-source';

export const LOCAL_ISSUER_ALG = 'ES256';
export const ISSUER_KEY_FILE = join('auth', 'issuer-key.json');
export const ISSUER_JWKS_FILE = join('auth', 'issuer-jwks.json');

export interface IssueRequest {
  subject: string;
  roles: readonly string[];
  /** Tenants the token is limited to; omitted = the claim is absent (the policy decides). */
  tenants?: readonly string[];
  /** OAuth-style space-separated scope string. */
  scope?: string;
  /** Lifetime in seconds; required and positive, because Weft's verifier refuses tokens without exp. */
  ttlSec: number;
  audience?: string | string[];
  issuer: string;
}

export interface LocalIssuerOptions {
  /** Epoch ms; injectable for tests. */
  now?: () => number;
}

export class LocalIssuer {
  readonly kid: string;
  readonly publicJwk: PublicJwk;
  readonly keySource: JwkKeySet;
  readonly keyPath: string;
  /** True when this open() generated the key (worth one log line: "created signing key at ..."). */
  readonly created: boolean;
  private readonly privateKey: CryptoKey;
  private readonly now: () => number;

  private constructor(keyPath: string, kid: string, publicJwk: PublicJwk, privateKey: CryptoKey, created: boolean, now: () => number) {
    this.keyPath = keyPath;
    this.kid = kid;
    this.publicJwk = publicJwk;
    this.keySource = new JwkKeySet([publicJwk]);
    this.privateKey = privateKey;
    this.created = created;
    this.now = now;
  }

  /** Loads the key from `<dataDir>/auth/`, creating it on first use. */
  static async open(dataDir: string, opts: LocalIssuerOptions = {}): Promise<LocalIssuer> {
    const dir = join(dataDir, 'auth');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const keyPath = join(dataDir, ISSUER_KEY_FILE);
    let created = false;
    let privateJwk = await readPrivateKey(keyPath);
    if (privateJwk === undefined) {
      created = await createKeyFile(keyPath);
      privateJwk = await readPrivateKey(keyPath);
      if (privateJwk === undefined) throw new Error(`jwt: issuer key ${keyPath} vanished while being created`);
    }
    const publicJwk = toPublicJwk(privateJwk, `issuer key ${keyPath}`);
    const kid = publicJwk.kid ?? (await calculateJwkThumbprint(publicJwk));
    const withKid: PublicJwk = { ...publicJwk, kid, alg: LOCAL_ISSUER_ALG, use: 'sig' };
    await writePublicJwks(join(dataDir, ISSUER_JWKS_FILE), withKid);
    const privateKey = await importJWK({ ...privateJwk, kid, key_ops: undefined }, LOCAL_ISSUER_ALG);
    if (privateKey instanceof Uint8Array) throw new Error(`jwt: issuer key ${keyPath} is not an EC key`);
    return new LocalIssuer(keyPath, kid, withKid, privateKey, created, opts.now ?? Date.now);
  }

  async issue(req: IssueRequest): Promise<string> {
    if (typeof req.subject !== 'string' || req.subject.length === 0) throw new Error('jwt: issue() needs a subject');
    if (typeof req.issuer !== 'string' || req.issuer.length === 0) throw new Error('jwt: issue() needs an issuer');
    if (!Array.isArray(req.roles) || !req.roles.every((r) => typeof r === 'string' && r.length > 0)) throw new Error('jwt: roles must be non-empty strings');
    if (!Number.isFinite(req.ttlSec) || req.ttlSec <= 0) throw new Error('jwt: ttlSec must be a positive number of seconds');
    const iat = Math.floor(this.now() / 1000);
    const claims: Record<string, unknown> = { roles: [...req.roles] };
    if (req.tenants !== undefined) claims.tenants = [...req.tenants];
    if (req.scope !== undefined) claims.scope = req.scope;
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: LOCAL_ISSUER_ALG, kid: this.kid, typ: 'JWT' })
      .setSubject(req.subject)
      .setIssuer(req.issuer)
      .setIssuedAt(iat)
      .setExpirationTime(iat + Math.ceil(req.ttlSec))
      // A unique id lets the audit log tell tokens apart and leaves room for a deny list.
      .setJti(randomUUID());
    if (req.audience !== undefined) jwt.setAudience(req.audience);
    return jwt.sign(this.privateKey);
  }
}

async function readPrivateKey(path: string): Promise<JWK | undefined> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  // Windows has no POSIX modes; there the directory ACLs have to protect the file.
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new Error(`jwt: issuer key ${path} is accessible by other users (mode ${(mode & 0o777).toString(8)}); run: chmod 600 ${path}`);
  }
  let jwk: JWK;
  try {
    jwk = JSON.parse(await readFile(path, 'utf8')) as JWK;
  } catch {
    throw new Error(`jwt: issuer key ${path} is not valid JSON`);
  }
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') {
    throw new Error(`jwt: issuer key ${path} is not a private P-256 (ES256) JWK`);
  }
  return jwk;
}

/** Returns false when another process created the file first (its key is then used). */
async function createKeyFile(path: string): Promise<boolean> {
  const { privateKey } = await generateKeyPair(LOCAL_ISSUER_ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(toPublicJwk(jwk));
  const body = `${JSON.stringify({ ...jwk, kid, alg: LOCAL_ISSUER_ALG, use: 'sig' }, null, 2)}\n`;
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, body, { mode: 0o600, flag: 'wx' });
  try {
    await chmod(tmp, 0o600); // the process umask may have narrowed, never widened, but be explicit
    await link(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

async function writePublicJwks(path: string, jwk: PublicJwk): Promise<void> {
  const body = `${JSON.stringify({ keys: [jwk] }, null, 2)}\n`;
  const current = await readFile(path, 'utf8').catch(() => undefined);
  // Rewritten only when missing or stale, so a read-only data directory still works after the first start.
  if (current !== body) await writeFile(path, body, { mode: 0o644 });
}
