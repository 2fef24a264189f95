/**
 * Where the audit log keeps its events (the AuditStorage of log.ts).
 *
 * A file database is written on a worker thread: a batch of ~200 rows took ~2.6 ms on the
 * event loop (13 ms with a busy disk), which showed in the notification p99. The thread owns
 * the only write connection (schema, one transaction per batch, retention steps) and answers
 * each request in order with `{ ok, ... }` or `{ error }`. Reads stay synchronous SQL on a
 * read-only connection of the main thread: WAL lets them run beside the writer, and AuditLog
 * waits for the writes a reader must see before it reads.
 *
 * If the thread dies or cannot open the file, its requests fail like any storage error
 * (AuditLog keeps the events and retries); the next request starts a new thread. A batch the
 * dead thread committed without answering is not stored again on the retry: each batch
 * carries its events' recording sequence number, and the file keeps the last one committed.
 *
 * An in-memory database (':memory:') cannot be shared between connections: memory mode
 * writes in the calling thread through the same AuditTable, behind the same async interface.
 */
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { AuditEvent } from '../../broker/access';
import type { AuditCriteria, AuditPage, AuditQueryResult } from '../../broker/audit';
import type { AuditStorage } from './log';
import { AUDIT_SQL, AuditTable, auditRow } from './table';

/**
 * Plain JavaScript run by the writer thread (eval'd: no TypeScript loader needed under
 * tests). The SQL comes from table.ts through workerData. Failing to open the file throws at
 * the top level: the main thread sees it as the thread's 'error'.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const sql = workerData.sql;
let db, insertMany, prune;
try {
  db = new Database(workerData.location);
  for (const p of sql.pragmas) db.pragma(p);
  db.exec(sql.schema);
  const insert = db.prepare(sql.insert);
  const lastBatch = db.prepare(sql.lastBatch);
  const setLastBatch = db.prepare(sql.setLastBatch);
  insertMany = db.transaction((rows, session, seq) => {
    const last = lastBatch.get();
    const skip = last !== undefined && last.session === session ? Math.max(0, last.nextSeq - seq) : 0;
    for (let i = skip; i < rows.length; i++) insert.run(rows[i]);
    setLastBatch.run(session, seq + rows.length);
  });
  prune = db.prepare(sql.prune);
} catch (err) {
  if (db) db.close();
  // A SqliteError crosses to the main thread as { code } alone: a plain Error keeps the message.
  throw new Error('cannot open ' + workerData.location + ': ' + String((err && err.message) || err) + (err && err.code ? ' (' + err.code + ')' : ''));
}
parentPort.on('message', (m) => {
  let reply;
  try {
    if (m.op === 'append') {
      insertMany(m.rows, workerData.session, m.seq);
      reply = { id: m.id, ok: true, written: m.rows.length };
    } else if (m.op === 'prune') {
      reply = { id: m.id, ok: true, deleted: prune.run(m.cutoffMs, m.limit).changes };
    } else if (m.op === 'close') {
      db.close();
      reply = { id: m.id, ok: true };
    } else {
      throw new Error('unknown request ' + m.op);
    }
  } catch (err) {
    reply = { id: m.id, error: String((err && err.message) || err), code: err && typeof err.code === 'string' ? err.code : undefined };
  }
  parentPort.postMessage(reply);
});
`;

type Request = { op: 'append'; rows: unknown[]; seq: number } | { op: 'prune'; cutoffMs: number; limit: number } | { op: 'close' };
interface Reply {
  id: number;
  ok?: true;
  written?: number;
  deleted?: number;
  error?: string;
  code?: string;
}

/** A file database written by a worker thread, read on the calling thread. */
export class WorkerAuditStorage implements AuditStorage {
  private worker: Worker | undefined = undefined;
  private nextId = 1;
  /** Requests posted to `worker`, not answered yet. */
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (err: Error) => void }>();
  private starts = 0;
  /** Names this storage's batches in the file (see AUDIT_SQL.lastBatch). */
  private readonly session = randomUUID();
  /** A new thread may have created a new file (the old one removed): reopen before reading. */
  private readerStale = false;
  private closed = false;

  /**
   * `location`: the database file, which must exist with its schema (AuditTable creates it)
   * so the reader can open; the thread starts with the first write.
   */
  constructor(
    private readonly location: string,
    private reader: AuditTable = new AuditTable(location, { readonly: true }),
  ) {}

  async append(events: readonly AuditEvent[], seq: number): Promise<void> {
    if (events.length === 0) return;
    const rows = events.map(auditRow);
    const r = await this.request({ op: 'append', rows, seq });
    if (r.written !== rows.length) throw new Error(`audit writer wrote ${String(r.written)} of ${rows.length} events`);
  }

  async pruneStep(cutoffMs: number, limit: number): Promise<number> {
    return (await this.request({ op: 'prune', cutoffMs, limit })).deleted ?? 0;
  }

  query(criteria: AuditCriteria, page: AuditPage): AuditQueryResult {
    if (this.readerStale) {
      try {
        const fresh = new AuditTable(this.location, { readonly: true });
        this.reader.close();
        this.reader = fresh;
        this.readerStale = false;
      } catch {
        // Still no file: the old connection reads what it has.
      }
    }
    return this.reader.query(criteria, page);
  }

  /** Closes the reader, then the writer's connection, and waits for the thread to end. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // The reader first: the writer, closing last, checkpoints the WAL into the file.
    this.reader.close();
    const worker = this.worker;
    if (worker === undefined) return;
    try {
      await this.post(worker, { op: 'close' });
    } finally {
      this.worker = undefined;
      await worker.terminate();
    }
  }

  /** Whether a writer thread is running (tests). */
  get writerRunning(): boolean {
    return this.worker !== undefined;
  }

  /** Test hook: stops the writer thread as a crash would; the next write starts another. */
  async killWriterForTest(): Promise<void> {
    await this.worker?.terminate();
  }

  private request(req: Request): Promise<Reply> {
    if (this.closed) return Promise.reject(new Error('audit storage is closed'));
    return this.post(this.worker ?? this.start(), req);
  }

  private post(worker: Worker, req: Request): Promise<Reply> {
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      // Referenced while an answer is due (close() at exit must get it), idle otherwise.
      if (this.waiting.size === 1) worker.ref();
      worker.postMessage({ ...req, id });
    });
  }

  private start(): Worker {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver: require.resolve('better-sqlite3'), location: this.location, sql: AUDIT_SQL, session: this.session },
    });
    worker.on('message', (r: Reply) => {
      const w = this.waiting.get(r.id);
      if (w === undefined) return;
      this.waiting.delete(r.id);
      if (this.waiting.size === 0) worker.unref();
      if (r.error !== undefined) w.reject(Object.assign(new Error(r.error), { code: r.code }));
      else w.resolve(r);
    });
    // What the thread threw (opening the file): a SqliteError arrives as a plain object.
    worker.on('error', (err: unknown) => this.died(worker, asError(err)));
    worker.on('exit', (code) => this.died(worker, new Error(`the audit writer thread stopped (exit code ${code})`)));
    // After the listeners: adding a 'message' listener refs the worker again.
    worker.unref();
    if (this.starts++ > 0) this.readerStale = true;
    this.worker = worker;
    return worker;
  }

  /** Its requests fail (AuditLog keeps their events); the next request starts a new thread. */
  private died(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of waiting) w.reject(err);
  }
}

function asError(err: unknown): Error {
  if (err instanceof Error) return err;
  const o = err as { message?: unknown; code?: unknown } | null;
  const message = typeof o?.message === 'string' ? o.message : String(err);
  return Object.assign(new Error(message), { code: typeof o?.code === 'string' ? o.code : undefined });
}

/** Memory mode: the same AuditTable, written in this thread. */
export class MemoryAuditStorage implements AuditStorage {
  constructor(private readonly table: AuditTable = new AuditTable(':memory:')) {}

  append(events: readonly AuditEvent[]): Promise<void> {
    try {
      this.table.append(events);
    } catch (err) {
      return Promise.reject(err);
    }
    // Written already; answered a tick later, as a thread would, so a backlog written batch
    // after batch lets the event loop run in between.
    return new Promise((resolve) => setImmediate(resolve));
  }

  pruneStep(cutoffMs: number, limit: number): Promise<number> {
    try {
      return Promise.resolve(this.table.pruneStep(cutoffMs, limit));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  query(criteria: AuditCriteria, page: AuditPage): AuditQueryResult {
    return this.table.query(criteria, page);
  }

  async close(): Promise<void> {
    this.table.close();
  }
}
