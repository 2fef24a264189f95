/**
 * Where each tenant's database lives. One file per tenant gives full isolation (a tenant's
 * data can be backed up, moved or dropped as a file). Tenant names come from the
 * NGSILD-Tenant header, so they are encoded before touching the file system:
 * [a-z0-9-] stay readable, every other UTF-8 byte (upper case included, so that
 * case-insensitive file systems cannot merge 'A' and 'a') becomes `_xx` in hex.
 */
import path from 'node:path';
import { NgsiError } from '../../ngsi/errors';

/** Keeps encoded names well under the 255-byte file name limit of common file systems. */
export const MAX_ENCODED_TENANT_LENGTH = 200;
const TENANT_SUFFIX = '.sqlite';

export function encodeTenant(tenant: string): string {
  let out = '';
  for (const byte of Buffer.from(tenant, 'utf8')) {
    const keep = (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x2d;
    out += keep ? String.fromCharCode(byte) : '_' + byte.toString(16).padStart(2, '0');
    if (out.length > MAX_ENCODED_TENANT_LENGTH) {
      throw new NgsiError('BadRequestData', 'Tenant name is too long');
    }
  }
  return out;
}

/** Inverse of encodeTenant; undefined for names this module did not produce. */
export function decodeTenant(encoded: string): string | undefined {
  if (!/^(?:[a-z0-9-]|_[0-9a-f]{2})+$/.test(encoded)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === '_') {
      bytes.push(parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(encoded.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

export function defaultDatabasePath(dataDir: string): string {
  return path.join(dataDir, 'default' + TENANT_SUFFIX);
}

export function tenantsDirectory(dataDir: string): string {
  return path.join(dataDir, 'tenants');
}

export function tenantDatabasePath(dataDir: string, tenant: string): string {
  return path.join(tenantsDirectory(dataDir), encodeTenant(tenant) + TENANT_SUFFIX);
}

/** The tenant a database file in the tenants directory belongs to, if it is one of ours. */
export function tenantOfFileName(fileName: string): string | undefined {
  if (!fileName.endsWith(TENANT_SUFFIX)) return undefined;
  return decodeTenant(fileName.slice(0, -TENANT_SUFFIX.length));
}
