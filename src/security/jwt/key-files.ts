/**
 * KeySource from local files: public keys an operator copied from the identity provider.
 * Accepted formats, detected from the content:
 *   - PEM: SPKI "PUBLIC KEY", PKCS#1 "RSA PUBLIC KEY", an X.509 "CERTIFICATE", or a private
 *     key PEM (its public half is used; better not to give Weft the private key at all);
 *   - JSON: one JWK, or a JWKS `{ "keys": [...] }` (private members are ignored).
 * Files are read and checked once at start-up, so a wrong path or a weak key stops the
 * server with the file name in the message instead of failing every request later.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { JWK } from 'jose';
import { JwkKeySet } from './jwk-key-set';
import { toPublicJwk, type PublicJwk } from './key-source';

/** A path, or a path with the kid its key answers to (PEM files carry no kid of their own). */
export type KeyFileSpec = string | { path: string; kid?: string };

/** jose refuses shorter RSA keys at verify time (RFC 7518 clause 3.3); refuse them at load time instead. */
const MIN_RSA_BITS = 2048;

export async function loadKeyFiles(files: readonly KeyFileSpec[]): Promise<JwkKeySet> {
  if (files.length === 0) throw new Error('jwt: no key files given');
  const keys: PublicJwk[] = [];
  for (const spec of files) {
    const { path, kid } = typeof spec === 'string' ? { path: spec, kid: undefined } : spec;
    const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new Error(`jwt: cannot read key file ${path}: ${err.code ?? err.message}`);
    });
    const found = parseKeyFile(text, path);
    if (kid !== undefined) {
      if (found.length !== 1) throw new Error(`jwt: key file ${path} holds ${found.length} keys; a kid can only be given for a single key`);
      found[0] = { ...found[0], kid };
    }
    keys.push(...found);
  }
  const kids = keys.map((k) => k.kid).filter((k): k is string => k !== undefined);
  const duplicate = kids.find((k, i) => kids.indexOf(k) !== i);
  if (duplicate !== undefined) throw new Error(`jwt: kid ${JSON.stringify(duplicate)} appears on more than one key`);
  return new JwkKeySet(keys);
}

/** Exported for tests; parses one file's content into public JWKs. */
export function parseKeyFile(text: string, path: string): PublicJwk[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch {
      throw new Error(`jwt: key file ${path} is not valid JSON`);
    }
    const members = isJwks(doc) ? doc.keys : [doc as JWK];
    if (members.length === 0) throw new Error(`jwt: key file ${path} holds an empty JWKS`);
    return members.map((jwk, i) => checked(toPublicJwk(jwk, `key file ${path}${members.length > 1 ? ` (key #${i + 1})` : ''}`), path));
  }
  if (trimmed.startsWith('-----BEGIN')) {
    let key: KeyObject;
    try {
      key = createPublicKey(trimmed);
    } catch (err) {
      throw new Error(`jwt: key file ${path} holds no usable public key: ${(err as Error).message}`);
    }
    return [checked(toPublicJwk(key.export({ format: 'jwk' }) as JWK, `key file ${path}`), path)];
  }
  throw new Error(`jwt: key file ${path} is neither PEM nor JSON (JWK/JWKS)`);
}

function isJwks(doc: unknown): doc is { keys: JWK[] } {
  return typeof doc === 'object' && doc !== null && Array.isArray((doc as { keys?: unknown }).keys);
}

/** Lets node:crypto parse the key now, so a corrupt modulus or curve point fails at start-up. */
function checked(jwk: PublicJwk, path: string): PublicJwk {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch (err) {
    throw new Error(`jwt: key file ${path} holds an invalid ${jwk.kty} key: ${(err as Error).message}`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (jwk.kty === 'RSA' && bits !== undefined && bits < MIN_RSA_BITS) {
    throw new Error(`jwt: key file ${path} holds a ${bits}-bit RSA key; at least ${MIN_RSA_BITS} bits are required`);
  }
  return jwk;
}
