/**
 * The audit log adapter (issue 4): the AuditSink the AccessGuard records into and the
 * AuditReader broker/audit.ts reads through, kept in <dataDir>/audit.sqlite.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../ops/logger';
import { AuditLog, type AuditLogSettings, type AuditStorage } from './log';
import { MemoryAuditStorage, WorkerAuditStorage } from './storage';
import { AuditTable } from './table';

export { AuditLog, DEFAULT_AUDIT_SETTINGS, type AuditLogSettings, type AuditStats, type AuditStorage } from './log';
export { MemoryAuditStorage, WorkerAuditStorage } from './storage';
export { AuditTable } from './table';
export { CoalescingAuditSink } from './coalesce';

/** The audit database's file name inside the data directory. */
export const AUDIT_FILE = 'audit.sqlite';

export interface AuditLogOptions extends Partial<AuditLogSettings> {
  /** Directory holding audit.sqlite (created if missing); ignored in memory mode. */
  dataDir: string;
  /** Ephemeral: an in-memory database, nothing written to dataDir. */
  memory: boolean;
  log: Logger;
}

/**
 * The storage openAuditLog uses: in memory, or the file written by a worker thread. The file
 * and its schema are created here, synchronously (once, at open), so that a database that
 * cannot be opened throws now and the main thread's read-only connection can open.
 */
export function openAuditStorage(opts: { dataDir: string; memory: boolean }): AuditStorage {
  if (opts.memory) return new MemoryAuditStorage();
  mkdirSync(opts.dataDir, { recursive: true });
  const location = join(opts.dataDir, AUDIT_FILE);
  new AuditTable(location).close();
  return new WorkerAuditStorage(location);
}

/**
 * Opens (creating if needed) the audit database, deletes events past their retention and
 * starts the flush and retention timers (unref'd: they never keep the process alive).
 * Throws when the database cannot be opened: a broker that must audit should not start
 * without its audit log. Close it after the last request (close() flushes and ends the
 * writer thread).
 */
export function openAuditLog(opts: AuditLogOptions): AuditLog {
  const { dataDir, memory, log, ...settings } = opts;
  const storage = openAuditStorage({ dataDir, memory });
  try {
    return new AuditLog(storage, log, settings);
  } catch (err) {
    storage.close().catch(() => undefined);
    throw err;
  }
}
