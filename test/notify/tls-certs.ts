/**
 * Certificates for the TLS notification tests, made at test time with the openssl CLI: a
 * private CA, a server certificate for 127.0.0.1 it signed, and one for another name. EC
 * P-256 keys (fast to make); valid for two days.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  dir: string;
  /** Paths of the CA's certificate and the server's certificate and key (for mosquitto.conf). */
  caFile: string;
  certFile: string;
  keyFile: string;
  ca: string;
  cert: string;
  key: string;
  /** Signed by the same CA, for DNS:other.example only. */
  otherCert: string;
  otherKey: string;
  remove(): void;
}

/** undefined: openssl is not installed (the caller skips). */
export function opensslVersion(): string | undefined {
  try {
    return execFileSync('openssl', ['version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'weft-pki-'));
  const at = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    openssl('req', '-x509', ...ec, '-keyout', at('ca.key'), '-out', at('ca.pem'), '-days', '2', '-subj', '/CN=Weft Test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    const leaf = (name: string, san: string): void => {
      openssl('req', ...ec, '-keyout', at(`${name}.key`), '-out', at(`${name}.csr`), '-subj', `/CN=${name}`);
      writeFileSync(at(`${name}.ext`), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`);
      openssl('x509', '-req', '-in', at(`${name}.csr`), '-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-set_serial', `0x${randomBytes(8).toString('hex')}`,
        '-days', '2', '-sha256', '-extfile', at(`${name}.ext`), '-out', at(`${name}.pem`));
    };
    leaf('server', 'IP:127.0.0.1');
    leaf('other', 'DNS:other.example');
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl failed: ${(err as Error).message} ${stderr}`);
  }
  const read = (name: string): string => readFileSync(at(name), 'utf8');
  return {
    dir,
    caFile: at('ca.pem'),
    certFile: at('server.pem'),
    keyFile: at('server.key'),
    ca: read('ca.pem'),
    cert: read('server.pem'),
    key: read('server.key'),
    otherCert: read('other.pem'),
    otherKey: read('other.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
