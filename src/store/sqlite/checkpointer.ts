/**
 * WAL checkpoints, mostly on a worker thread. SQLite's automatic checkpoint runs inside
 * the commit that crosses the threshold, on the committing thread: better-sqlite3 is
 * synchronous, so every ~1,300 small commits one of them stalled the event loop for ~30 ms
 * (copying the whole WAL into the database file), which showed as the p99 of every request
 * and notification. Here a second connection per database, on one worker thread shared by
 * the process, runs PASSIVE checkpoints (they never block the writer) every few
 * milliseconds, often enough to keep up with sustained writes. The writer keeps its automatic checkpoint: under sustained writes a concurrent
 * checkpoint never catches up with the last frame, so only the writer's own checkpoint
 * lets the WAL restart from the beginning (bounding its size) — but by then the worker has
 * copied nearly every frame, so that checkpoint is short. If the worker fails, the writer's
 * checkpoints simply do all the work again. No library does this for better-sqlite3.
 */
import { Worker } from 'node:worker_threads';

const INTERVAL_MS = 20;

/** Plain JavaScript run by the worker (eval'd: no TypeScript loader needed under tests). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const dbs = new Map();
parentPort.on('message', (m) => {
  if (m.add !== undefined) {
    try {
      const db = new Database(m.add, { fileMustExist: true });
      db.pragma('busy_timeout = 100');
      dbs.set(m.add, db);
    } catch (err) {
      parentPort.postMessage({ error: String((err && err.message) || err), path: m.add });
    }
  } else if (m.remove !== undefined) {
    const db = dbs.get(m.remove);
    dbs.delete(m.remove);
    if (db) db.close();
    parentPort.postMessage({ removed: m.remove });
  }
});
setInterval(() => {
  for (const [path, db] of dbs) {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (err) {
      // SQLITE_BUSY while another checkpoint runs: the next round catches up.
      if (!String(err && err.code).startsWith('SQLITE_BUSY')) parentPort.postMessage({ error: String((err && err.message) || err), path });
    }
  }
}, workerData.intervalMs);
`;

interface Registration {
  removed?: () => void;
}

class Checkpointer {
  private worker: Worker | undefined = undefined;
  private failed = false;
  private readonly files = new Map<string, Registration>();

  /** Checkpoints the database file at `path` (open in WAL mode) from now on. */
  add(path: string): void {
    if (this.failed) return;
    this.files.set(path, {});
    this.start().postMessage({ add: path });
  }

  /** Resolves once the worker's connection to `path` is closed. */
  remove(path: string): Promise<void> {
    const reg = this.files.get(path);
    if (reg === undefined || this.failed || this.worker === undefined) {
      this.files.delete(path);
      return Promise.resolve();
    }
    // Referenced while waiting, or a process with nothing else to do would exit before
    // the answer (and before the caller's final close).
    const worker = this.worker;
    worker.ref();
    return new Promise((resolve) => {
      reg.removed = () => {
        worker.unref();
        resolve();
      };
      worker.postMessage({ remove: path });
    });
  }

  private start(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver: require.resolve('better-sqlite3'), intervalMs: INTERVAL_MS } });
    worker.on('message', (m: { error?: string; path?: string; removed?: string }) => {
      if (m.removed !== undefined) {
        const reg = this.files.get(m.removed);
        this.files.delete(m.removed);
        reg?.removed?.();
      } else if (m.error !== undefined) {
        process.emitWarning(`background WAL checkpoints of ${m.path ?? '?'} failed (the writer's checkpoints still run): ${m.error}`);
      }
    });
    worker.on('error', (err) => this.fail(err));
    // Idle between checkpoints, it must not keep the process alive. After the listeners:
    // adding a 'message' listener refs the worker again.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private fail(err: Error): void {
    this.failed = true;
    process.emitWarning(`the WAL checkpoint worker failed (the writers' checkpoints still run): ${err.message}`);
    for (const reg of this.files.values()) reg.removed?.();
    this.files.clear();
  }
}

/** One worker for the whole process, whatever the number of stores and tenants. */
export const checkpointer = new Checkpointer();
