/**
 * The audit log adapter (issue 4): the AuditSink the AccessGuard records into and the
 * AuditReader broker/audit.ts reads through, kept in <dataDir>/audit.sqlite.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../ops/logger';
import { AuditLog, type AuditLogSettings } from './log';
import { AuditTable } from './table';

export { AuditLog, DEFAULT_AUDIT_SETTINGS, type AuditLogSettings, type AuditStats, type AuditStorage } from './log';
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
 * Opens (creating if needed) the audit database, deletes events past their retention and
 * starts the flush and retention timers (unref'd: they never keep the process alive).
 * Throws when the database cannot be opened: a broker that must audit should not start
 * without its audit log. Close it after the last request (close() flushes).
 */
export function openAuditLog(opts: AuditLogOptions): AuditLog {
  const { dataDir, memory, log, ...settings } = opts;
  if (!memory) mkdirSync(dataDir, { recursive: true });
  const table = new AuditTable(memory ? ':memory:' : join(dataDir, AUDIT_FILE));
  try {
    return new AuditLog(table, log, settings);
  } catch (err) {
    table.close();
    throw err;
  }
}
