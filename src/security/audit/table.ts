/**
 * The audit log's SQLite file (<dataDir>/audit.sqlite, or ':memory:'): one table of events,
 * its own connections (a file: written by a worker thread, read here; see storage.ts),
 * separate from the entity store so audit writes never contend with entity transactions
 * and the file can be shipped or truncated on its own.
 *
 * `at_ms` (epoch ms) is what filters, ordering and retention use: `at` is kept verbatim for
 * display, but ISO strings only sort correctly when they all have the same shape.
 * `seq` (the rowid) breaks ties between events of the same millisecond: insertion order.
 * Every index ends in at_ms (SQLite appends the rowid), so "this subject, newest first"
 * walks one index backwards without sorting.
 */
import Database from 'better-sqlite3';
import type { AuditEvent } from '../../broker/access';
import type { AuditCriteria, AuditPage, AuditQueryResult } from '../../broker/audit';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_events (
  seq        INTEGER PRIMARY KEY,
  at         TEXT    NOT NULL,
  at_ms      INTEGER NOT NULL,
  request_id TEXT    NOT NULL,
  subject    TEXT,
  tenant     TEXT    NOT NULL,
  action     TEXT    NOT NULL,
  target     TEXT    NOT NULL,
  outcome    TEXT    NOT NULL,
  reason     TEXT,
  count      INTEGER
);
CREATE INDEX IF NOT EXISTS audit_by_time    ON audit_events (at_ms);
CREATE INDEX IF NOT EXISTS audit_by_subject ON audit_events (subject, at_ms);
CREATE INDEX IF NOT EXISTS audit_by_tenant  ON audit_events (tenant, at_ms);
CREATE INDEX IF NOT EXISTS audit_by_outcome ON audit_events (outcome, at_ms);
CREATE TABLE IF NOT EXISTS audit_writer (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  session  TEXT    NOT NULL,
  next_seq INTEGER NOT NULL
);
`;
// Indexes cost every insert (on the writer thread for a file): ~8 us per event with these
// four on a file (1,000-event transactions), ~25 us with an index on target as well. None
// on action (a handful of values, rarely better than the time index) nor on target (long,
// random entity ids); filter those within a since/until window, which the time index
// narrows. Denials are rare, so the outcome index is selective for the question
// auditors ask most ("what was denied").

/**
 * The SQL the audit database is written with, shared with the writer thread (storage.ts),
 * which receives it as data: the schema and statements exist once.
 */
export const AUDIT_SQL = {
  // WAL: the main thread's reader runs beside the writer thread. An audit trail that
  // survives process crashes; a power cut may lose the last flush.
  pragmas: ['journal_mode = WAL', 'synchronous = NORMAL', 'busy_timeout = 1000'],
  schema: SCHEMA,
  /** Bound with auditRow(event). */
  insert:
    'INSERT INTO audit_events (at, at_ms, request_id, subject, tenant, action, target, outcome, reason, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  /**
   * The writer thread's last batch (session, next_seq): a batch it committed but could not
   * acknowledge (the thread died) is skipped when the retry arrives, so nothing is stored twice.
   */
  lastBatch: 'SELECT session, next_seq AS nextSeq FROM audit_writer WHERE id = 1',
  /** (session, nextSeq). */
  setLastBatch: 'INSERT INTO audit_writer (id, session, next_seq) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET session = excluded.session, next_seq = excluded.next_seq',
  /** (cutoffMs, limit): at most `limit` events older than cutoffMs, oldest first. */
  prune: 'DELETE FROM audit_events WHERE seq IN (SELECT seq FROM audit_events WHERE at_ms < ? ORDER BY at_ms LIMIT ?)',
};

interface Row {
  at: string;
  request_id: string;
  subject: string | null;
  tenant: string;
  action: string;
  target: string;
  outcome: AuditEvent['outcome'];
  reason: string | null;
  count: number | null;
}

/** The insert's parameters for one event, in AUDIT_SQL.insert's order (structured-clonable). */
export type AuditRow = [string, number, string, string | null, string, string, string, string, string | null, number | null];

export function auditRow(e: AuditEvent): AuditRow {
  return [e.at, msOf(e.at), e.requestId, e.subject ?? null, e.tenant, e.action, e.target, e.outcome, e.reason ?? null, e.count ?? null];
}

/** Column per criterion; the values are always bound, never pasted into SQL. */
const EQUALS = [
  ['subject', 'subject'],
  ['tenant', 'tenant'],
  ['action', 'action'],
  ['outcome', 'outcome'],
  ['target', 'target'],
] as const;

/**
 * One connection to the audit database. Read-write (memory mode, and the schema check at
 * open) or read-only (the main thread's reader beside the writer thread of a file).
 */
export class AuditTable {
  private readonly db: Database.Database;
  private readonly insertMany: ((rows: readonly AuditRow[]) => void) | undefined;
  private readonly pruneStmt: Database.Statement | undefined;
  /** Prepared once per distinct WHERE shape (at most 2^7 shapes, in practice a few). */
  private readonly selects = new Map<string, { rows: Database.Statement; count: Database.Statement }>();

  constructor(location: string, opts: { readonly?: boolean } = {}) {
    if (opts.readonly === true) {
      // The file and its schema exist (written by AuditTable or the writer thread first).
      this.db = new Database(location, { readonly: true, fileMustExist: true });
      try {
        this.db.pragma('busy_timeout = 1000');
      } catch (err) {
        this.db.close();
        throw err;
      }
      this.insertMany = undefined;
      this.pruneStmt = undefined;
      return;
    }
    this.db = new Database(location);
    try {
      for (const p of AUDIT_SQL.pragmas) this.db.pragma(p);
      this.db.exec(AUDIT_SQL.schema);
    } catch (err) {
      this.db.close();
      throw err;
    }
    const insert = this.db.prepare(AUDIT_SQL.insert);
    this.insertMany = this.db.transaction((rows: readonly AuditRow[]) => {
      for (const r of rows) insert.run(r);
    });
    this.pruneStmt = this.db.prepare(AUDIT_SQL.prune);
  }

  /** The events in one transaction: all of them or (on error, thrown) none. */
  append(events: readonly AuditEvent[]): void {
    if (this.insertMany === undefined) throw new Error('audit table: read-only connection');
    if (events.length > 0) this.insertMany(events.map(auditRow));
  }

  /** Deletes at most `limit` events older than cutoffMs, oldest first; returns how many. */
  pruneStep(cutoffMs: number, limit: number): number {
    if (this.pruneStmt === undefined) throw new Error('audit table: read-only connection');
    return this.pruneStmt.run(cutoffMs, limit).changes;
  }

  query(criteria: AuditCriteria, page: AuditPage): AuditQueryResult {
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (criteria.sinceMs !== undefined) {
      where.push('at_ms >= ?');
      params.push(criteria.sinceMs);
    }
    if (criteria.untilMs !== undefined) {
      where.push('at_ms < ?');
      params.push(criteria.untilMs);
    }
    for (const [key, column] of EQUALS) {
      const v = criteria[key];
      if (v === undefined) continue;
      where.push(`${column} = ?`);
      params.push(v);
    }
    const stmts = this.statements(where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`);
    const events = page.limit === 0 ? [] : (stmts.rows.all(...params, page.limit, page.offset) as Row[]).map(toEvent);
    const out: AuditQueryResult = { events };
    if (page.count) out.count = (stmts.count.get(...params) as { n: number }).n;
    return out;
  }

  close(): void {
    this.db.close();
  }

  private statements(where: string): { rows: Database.Statement; count: Database.Statement } {
    let s = this.selects.get(where);
    if (s === undefined) {
      s = {
        rows: this.db.prepare(
          `SELECT at, request_id, subject, tenant, action, target, outcome, reason, count FROM audit_events ${where} ORDER BY at_ms DESC, seq DESC LIMIT ? OFFSET ?`,
        ),
        count: this.db.prepare(`SELECT COUNT(*) AS n FROM audit_events ${where}`),
      };
      this.selects.set(where, s);
    }
    return s;
  }
}

/** Epoch ms of an event time; an unreadable one (a bug upstream) files the event as now. */
function msOf(at: string): number {
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? Date.now() : ms;
}

function toEvent(r: Row): AuditEvent {
  const e: AuditEvent = {
    at: r.at,
    requestId: r.request_id,
    subject: r.subject ?? undefined,
    tenant: r.tenant,
    action: r.action,
    target: r.target,
    outcome: r.outcome,
  };
  if (r.reason !== null) e.reason = r.reason;
  if (r.count !== null) e.count = r.count;
  return e;
}
