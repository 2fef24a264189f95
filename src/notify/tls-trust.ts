/**
 * Extra certificate authorities for notifications over TLS (https: receivers, mqtts: brokers):
 * `--notify-ca-file`, for receivers and brokers with certificates from a private CA. Trusted
 * in addition to Node's bundled CAs, with verification on as always (the safer equivalent of
 * Orion-LD's -insecureNotif). NODE_EXTRA_CA_CERTS does the same for the whole process, and
 * only when set before it starts.
 */
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';

export interface NotifyTlsOptions {
  /** PEM: one or more certificates trusted besides the default CAs. */
  ca?: string | Buffer;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/**
 * The certificates of a PEM text, each checked to parse; throws when there is none or one is
 * broken (`source` names the text in the message). Other PEM blocks (a key) are ignored.
 */
export function pemCertificates(pem: string | Buffer, source: string): string[] {
  const text = typeof pem === 'string' ? pem : pem.toString('utf8');
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new Error(`${source}: no PEM certificate in it (expected "-----BEGIN CERTIFICATE-----" blocks)`);
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch (err) {
      throw new Error(`${source}: certificate ${i + 1} of ${blocks.length} is not a valid X.509 certificate: ${(err as Error).message}`);
    }
  });
  return blocks;
}

/** Reads and checks a CA file (see pemCertificates); the message says which file and why. */
export function readCaFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the CA file ${path}: ${(err as Error).message}`);
  }
  pemCertificates(text, `CA file ${path}`);
  return text;
}

/** What createSenders takes for a --notify-ca-file ('' : no extra CAs). Reads the file now. */
export function notifyTls(caFile: string): NotifyTlsOptions {
  return caFile === '' ? {} : { ca: readCaFile(caFile) };
}

/**
 * The default CAs plus the extra ones: Node's `ca` option replaces the defaults, so both go
 * in. The defaults are Node's bundled CAs and, when set, the NODE_EXTRA_CA_CERTS file (which
 * Node itself adds to its bundled ones for every connection that gives no `ca`).
 */
export function trustedCas(extra: string | Buffer, env: NodeJS.ProcessEnv = process.env): string[] {
  return [...rootCertificates, ...nodeExtraCaCerts(env), ...pemCertificates(extra, 'notification CA')];
}

/** The NODE_EXTRA_CA_CERTS certificates; none when unset or unreadable (Node only warns about that too). */
function nodeExtraCaCerts(env: NodeJS.ProcessEnv): string[] {
  const file = env.NODE_EXTRA_CA_CERTS;
  if (file === undefined || file === '') return [];
  try {
    return pemCertificates(readFileSync(file, 'utf8'), 'NODE_EXTRA_CA_CERTS');
  } catch {
    return [];
  }
}

/**
 * One TLS context trusting the default and the extra CAs, shared by every notification
 * connection; undefined without extra CAs (Node's default context). Built once: a `ca` list
 * handed to each tls.connect would make Node build a context per connection, ~40 ms of CPU
 * for the ~140 bundled CAs (measured, Node 20).
 */
export function notifySecureContext(options: NotifyTlsOptions | undefined): SecureContext | undefined {
  if (options?.ca === undefined || options.ca.length === 0) return undefined;
  return createSecureContext({ ca: trustedCas(options.ca) });
}
