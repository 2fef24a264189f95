/**
 * The audit log (issue 4: "every write and every denial ... to a structured log stream and
 * queryable at an admin endpoint"): the AuditSink the AccessGuard records into and the
 * AuditReader the admin endpoint reads through.
 *
 * record() runs on the write path (once per committed transaction, ~13k/s in the entity
 * benchmarks), so it only puts the event in a ring buffer: O(1), no I/O, nothing that can
 * throw. A flush (every flushIntervalMs, or as soon as flushSize events wait) writes the
 * buffer to storage in one transaction and one info line per event to the `audit` log
 * stream. While storage fails, events stay buffered and the flush is retried; beyond
 * maxPending the OLDEST are dropped and counted (stats().dropped): memory stays bounded and
 * the most recent activity, the likeliest to matter, is kept. The log stream still gets
 * every event that was not dropped, once, whatever storage does.
 *
 * Retention: events older than maxAgeMs are deleted when the log opens and every
 * pruneIntervalMs, in small chunks between which the event loop runs.
 */
import type { AuditEvent, AuditSink } from '../../broker/access';
import type { AuditCriteria, AuditPage, AuditQueryResult, AuditReader } from '../../broker/audit';
import type { Logger } from '../../ops/logger';

/** Where events are kept (table.ts; a fake in tests). Calls may throw. */
export interface AuditStorage {
  /** events[from, to) in one transaction. */
  append(events: readonly AuditEvent[], from?: number, to?: number): void;
  pruneStep(cutoffMs: number, limit: number): number;
  query(criteria: AuditCriteria, page: AuditPage): AuditQueryResult;
  close(): void;
}

export interface AuditLogSettings {
  /** Events older than this are deleted (default 30 days; 0: kept forever). */
  maxAgeMs: number;
  /** Buffered events are written at least this often (default 200 ms). */
  flushIntervalMs: number;
  /** ... and as soon as this many wait (default 1,000). */
  flushSize: number;
  /** Most events buffered while storage fails; older ones are dropped (default 100,000). */
  maxPending: number;
  /** How often retention runs (default hourly). */
  pruneIntervalMs: number;
  /** After a failed write, the next attempt waits this long (default 1 s). */
  retryDelayMs: number;
  nowMs: () => number;
}

export const DEFAULT_AUDIT_SETTINGS: Readonly<AuditLogSettings> = {
  maxAgeMs: 30 * 86_400_000,
  flushIntervalMs: 200,
  flushSize: 1_000,
  maxPending: 100_000,
  pruneIntervalMs: 3_600_000,
  retryDelayMs: 1_000,
  nowMs: () => Date.now(),
};

export interface AuditStats {
  /** Events handed to record() since the log opened. */
  recorded: number;
  /** Events written to storage. */
  written: number;
  /** Events lost: pushed out of a full buffer, recorded after close, or unwritable at close. */
  dropped: number;
  /** Events waiting for the next flush. */
  pending: number;
  failedFlushes: number;
  /** Events deleted by retention. */
  pruned: number;
  /** The last storage error while it persists; undefined when the last write succeeded. */
  lastError: string | undefined;
}

/** Events per retention DELETE: each chunk blocks the event loop for a few milliseconds. */
const PRUNE_CHUNK = 5_000;
/** A timer flush writes at most this many flushSize batches, then yields (a backlog after recovery). */
const MAX_BATCHES_PER_TICK = 10;
/** While storage keeps failing, one warning per this interval. */
const FAILURE_LOG_INTERVAL_MS = 60_000;

export class AuditLog implements AuditSink, AuditReader {
  private readonly settings: AuditLogSettings;
  private readonly stream: Logger;
  /** Ring buffer of pending events: oldest at `head`, `size` of them. */
  private readonly ring: Array<AuditEvent | undefined>;
  private head = 0;
  private size = 0;
  /** The newest `unlogged` pending events have not been written to the log stream yet. */
  private unlogged = 0;
  private flushScheduled = false;
  private retryAt = 0;
  private lastFailureLogAt = -Infinity;
  private droppedSinceWarning = 0;
  private closed = false;
  private pruning: Promise<number> | undefined = undefined;
  private readonly flushTimer: NodeJS.Timeout;
  private readonly pruneTimer: NodeJS.Timeout | undefined;
  private readonly counters = { recorded: 0, written: 0, dropped: 0, failedFlushes: 0, pruned: 0 };
  private lastError: string | undefined = undefined;
  private readonly flushSoon = (): void => {
    this.flushScheduled = false;
    this.flush(MAX_BATCHES_PER_TICK);
  };

  constructor(
    private readonly storage: AuditStorage,
    log: Logger,
    settings: Partial<AuditLogSettings> = {},
  ) {
    this.settings = { ...DEFAULT_AUDIT_SETTINGS, ...settings };
    const s = this.settings;
    if (!(s.flushSize >= 1 && s.maxPending >= s.flushSize && s.flushIntervalMs > 0 && s.maxAgeMs >= 0 && s.pruneIntervalMs > 0)) {
      throw new Error('audit log: need flushSize >= 1, maxPending >= flushSize, flushIntervalMs > 0, maxAgeMs >= 0, pruneIntervalMs > 0');
    }
    this.stream = log.child({ stream: 'audit' });
    this.ring = new Array<AuditEvent | undefined>(s.maxPending).fill(undefined);
    // At open: a log that was down for a while starts within its retention.
    if (s.maxAgeMs > 0) this.pruneNow();
    this.flushTimer = setInterval(() => this.flush(MAX_BATCHES_PER_TICK), s.flushIntervalMs);
    this.flushTimer.unref();
    if (s.maxAgeMs > 0) {
      this.pruneTimer = setInterval(() => void this.prune(), s.pruneIntervalMs);
      this.pruneTimer.unref();
    }
  }

  /** AuditSink: O(1), never blocks, never throws. */
  record(event: AuditEvent): void {
    this.counters.recorded++;
    if (this.closed) {
      this.counters.dropped++;
      return;
    }
    const cap = this.ring.length;
    if (this.size === cap) {
      // Full (storage failing): the oldest goes. It was logged already unless all were new.
      this.ring[this.head] = event;
      this.head = this.head + 1 === cap ? 0 : this.head + 1;
      this.counters.dropped++;
      this.droppedSinceWarning++;
      if (this.unlogged < cap) this.unlogged++;
    } else {
      const tail = this.head + this.size;
      this.ring[tail >= cap ? tail - cap : tail] = event;
      this.size++;
      this.unlogged++;
    }
    if (this.size >= this.settings.flushSize && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushSoon);
    }
  }

  /** AuditReader: everything recorded so far (pending events are written first), newest first. */
  async query(criteria: AuditCriteria, page: AuditPage): Promise<AuditQueryResult> {
    if (this.closed) throw new Error('audit log is closed');
    this.flush(Infinity, true);
    return this.storage.query(criteria, page);
  }

  stats(): AuditStats {
    return { ...this.counters, pending: this.size, lastError: this.lastError };
  }

  /**
   * Deletes events older than maxAgeMs, a chunk at a time with the event loop running in
   * between; resolves with how many. Concurrent calls share one pass. Never rejects.
   */
  prune(): Promise<number> {
    if (this.settings.maxAgeMs === 0 || this.closed) return Promise.resolve(0);
    if (this.pruning !== undefined) return this.pruning;
    const cutoff = this.settings.nowMs() - this.settings.maxAgeMs;
    const pass = async (): Promise<number> => {
      let total = 0;
      try {
        for (;;) {
          if (this.closed) break;
          const n = this.storage.pruneStep(cutoff, PRUNE_CHUNK);
          total += n;
          this.counters.pruned += n;
          if (n < PRUNE_CHUNK) break;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      } catch (err) {
        this.stream.error({ err }, 'audit retention failed; retried at the next pass');
      }
      return total;
    };
    const running: Promise<number> = pass().finally(() => {
      if (this.pruning === running) this.pruning = undefined;
    });
    this.pruning = running;
    return running;
  }

  /** Stops the timers and writes what is buffered; events recorded afterwards are dropped. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.flushTimer);
    if (this.pruneTimer !== undefined) clearInterval(this.pruneTimer);
    this.flush(Infinity, true);
    this.closed = true;
    await this.pruning;
    if (this.size > 0) {
      this.stream.error({ lost: this.size, error: this.lastError }, 'audit events could not be stored before close');
      this.counters.dropped += this.size;
      this.ring.fill(undefined);
      this.size = 0;
      this.head = 0;
    }
    try {
      this.storage.close();
    } catch (err) {
      this.stream.error({ err }, 'closing the audit log storage failed');
    }
  }

  /**
   * Writes up to `batches` transactions of flushSize pending events (Infinity: all) and logs
   * every event not logged yet. `force` ignores the retry delay after a failure (a reader
   * or close must see storage's real state). Never throws.
   */
  private flush(batches: number, force = false): void {
    if (this.size === 0) return;
    this.logPending();
    if (!force && this.settings.nowMs() < this.retryAt) return;
    const flushSize = this.settings.flushSize;
    for (let b = 0; b < batches && this.size > 0; b++) {
      const batch = this.peek(Math.min(this.size, flushSize));
      try {
        this.storage.append(batch);
      } catch (err) {
        this.failed(err);
        return;
      }
      this.discard(batch.length);
      this.counters.written += batch.length;
      this.recovered();
    }
    // A backlog (storage came back after a failure) is written over several ticks.
    if (this.size > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushSoon);
    }
  }

  /** One info line per event: what operators tail and ship. Not repeated on retries. */
  private logPending(): void {
    const n = Math.min(this.unlogged, this.size);
    this.unlogged = 0;
    if (n === 0 || !this.stream.isLevelEnabled('info')) return;
    const cap = this.ring.length;
    for (let i = this.size - n; i < this.size; i++) {
      const at = this.head + i;
      this.stream.info(this.ring[at >= cap ? at - cap : at], 'audit');
    }
  }

  /** The oldest n pending events, in order (copied: the ring may wrap). */
  private peek(n: number): AuditEvent[] {
    const out = new Array<AuditEvent>(n);
    const cap = this.ring.length;
    for (let i = 0; i < n; i++) {
      const at = this.head + i;
      out[i] = this.ring[at >= cap ? at - cap : at]!;
    }
    return out;
  }

  private discard(n: number): void {
    const cap = this.ring.length;
    for (let i = 0; i < n; i++) {
      this.ring[this.head] = undefined;
      this.head = this.head + 1 === cap ? 0 : this.head + 1;
    }
    this.size -= n;
  }

  private failed(err: unknown): void {
    this.counters.failedFlushes++;
    this.lastError = err instanceof Error ? err.message : String(err);
    const now = this.settings.nowMs();
    this.retryAt = now + this.settings.retryDelayMs;
    if (now - this.lastFailureLogAt >= FAILURE_LOG_INTERVAL_MS) {
      this.lastFailureLogAt = now;
      this.stream.error(
        { err, pending: this.size, maxPending: this.ring.length, droppedSinceLastWarning: this.droppedSinceWarning },
        'audit events cannot be stored; they are kept in memory and retried (the oldest are dropped when the buffer is full)',
      );
      this.droppedSinceWarning = 0;
    }
  }

  private recovered(): void {
    if (this.lastError === undefined) return;
    this.stream.warn({ dropped: this.counters.dropped, previousError: this.lastError }, 'audit events are stored again');
    this.lastError = undefined;
    this.retryAt = 0;
    this.lastFailureLogAt = -Infinity;
  }

  /** Synchronous retention pass at open: nothing else runs yet. */
  private pruneNow(): void {
    const cutoff = this.settings.nowMs() - this.settings.maxAgeMs;
    for (;;) {
      const n = this.storage.pruneStep(cutoff, PRUNE_CHUNK);
      this.counters.pruned += n;
      if (n < PRUNE_CHUNK) break;
    }
  }
}
