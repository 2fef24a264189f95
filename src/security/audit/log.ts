/**
 * The audit log (issue 4: "every write and every denial ... to a structured log stream and
 * queryable at an admin endpoint"): the AuditSink the AccessGuard records into and the
 * AuditReader the admin endpoint reads through.
 *
 * record() runs on the write path (once per committed transaction, ~13k/s in the entity
 * benchmarks), so it only puts the event in a ring buffer: O(1), no I/O, nothing that can
 * throw. A flush (every flushIntervalMs, or as soon as flushSize events wait) writes the
 * buffer to storage in transactions of flushSize events, one batch in flight at a time (a
 * file database is written on a worker thread: storage.ts), and one info line per event to
 * the `audit` log stream. Events leave the buffer when storage acknowledges their batch.
 * While storage fails, events stay buffered and the flush is retried; beyond
 * maxPending the OLDEST are dropped and counted (stats().dropped): memory stays bounded and
 * the most recent activity, the likeliest to matter, is kept. The log stream still gets
 * every event that was not dropped, once, whatever storage does.
 *
 * A query first waits until everything recorded before it is written (a client sees its own
 * denial), then reads.
 *
 * Retention: events older than maxAgeMs are deleted when the log opens and every
 * pruneIntervalMs, in chunks (on the writer thread for a file).
 */
import type { AuditEvent, AuditSink } from '../../broker/access';
import type { AuditCriteria, AuditPage, AuditQueryResult, AuditReader } from '../../broker/audit';
import type { Logger } from '../../ops/logger';

/**
 * Where events are kept (storage.ts; a fake in tests). Writes are asynchronous (they run on a
 * worker thread for a file) and may reject; reads are synchronous and may throw.
 */
export interface AuditStorage {
  /**
   * The events in one transaction: resolves once all are stored, rejects if none are.
   * `seq` numbers events[0] in recording order (events[i] is seq + i): a retried batch
   * repeats the numbers, so storage can skip what it committed without acknowledging.
   */
  append(events: readonly AuditEvent[], seq: number): Promise<void>;
  /** Deletes at most `limit` events older than cutoffMs, oldest first; resolves with how many. */
  pruneStep(cutoffMs: number, limit: number): Promise<number>;
  /** Sees every append that has resolved. */
  query(criteria: AuditCriteria, page: AuditPage): AuditQueryResult;
  close(): Promise<void>;
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

/** Events per retention DELETE: each chunk holds the writer for a few milliseconds. */
const PRUNE_CHUNK = 5_000;
/** While storage keeps failing, one warning per this interval. */
const FAILURE_LOG_INTERVAL_MS = 60_000;

export class AuditLog implements AuditSink, AuditReader {
  private readonly settings: AuditLogSettings;
  private readonly stream: Logger;
  /** Ring buffer of pending events: oldest at `head`, `size` of them. */
  private readonly ring: Array<AuditEvent | undefined>;
  private head = 0;
  private size = 0;
  /** Events ever put in the ring: those before `enqueued - size` have left it. */
  private enqueued = 0;
  /** The newest `unlogged` pending events have not been written to the log stream yet. */
  private unlogged = 0;
  /** The oldest `inFlight` pending events are the batch storage is writing. */
  private inFlight = 0;
  /** Events of that batch pushed out of a full ring meanwhile: dropped only if it fails. */
  private evictedInFlight = 0;
  /** The running write loop (one batch in flight at a time). */
  private writing: Promise<void> | undefined = undefined;
  /** The write loop continues until every event before this one has left the ring. */
  private writeUpTo = 0;
  /** Batches handed to storage so far. */
  private attempts = 0;
  /** query()/close() waiting for the events recorded before them. */
  private readonly waiters: Array<{ upTo: number; attempts: number; resolve: () => void }> = [];
  private flushScheduled = false;
  private retryAt = 0;
  private lastFailureLogAt = -Infinity;
  private droppedSinceWarning = 0;
  private closed = false;
  private closing: Promise<void> | undefined = undefined;
  private pruning: Promise<number> | undefined = undefined;
  private readonly flushTimer: NodeJS.Timeout;
  private readonly pruneTimer: NodeJS.Timeout | undefined;
  private readonly counters = { recorded: 0, written: 0, dropped: 0, failedFlushes: 0, pruned: 0 };
  private lastError: string | undefined = undefined;
  private readonly flushSoon = (): void => {
    this.flushScheduled = false;
    // Once closing, close() drives the writes.
    if (!this.closed) this.flush(0, false);
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
    this.flushTimer = setInterval(() => this.flush(this.enqueued, false), s.flushIntervalMs);
    this.flushTimer.unref();
    if (s.maxAgeMs > 0) {
      // At open: a log that was down for a while comes back within its retention.
      void this.prune();
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
    this.enqueued++;
    if (this.size === cap) {
      // Full (storage failing): the oldest goes. It was logged already unless all were new.
      this.ring[this.head] = event;
      this.head = this.head + 1 === cap ? 0 : this.head + 1;
      if (this.inFlight > 0) {
        // Part of the batch being written: lost only if that write fails.
        this.inFlight--;
        this.evictedInFlight++;
      } else {
        this.counters.dropped++;
        this.droppedSinceWarning++;
      }
      if (this.unlogged < cap) this.unlogged++;
    } else {
      const tail = this.head + this.size;
      this.ring[tail >= cap ? tail - cap : tail] = event;
      this.size++;
      this.unlogged++;
    }
    if (this.size - this.inFlight >= this.settings.flushSize && !this.flushScheduled && this.writing === undefined) {
      this.flushScheduled = true;
      setImmediate(this.flushSoon);
    }
  }

  /** AuditReader: everything recorded so far (pending events are written first), newest first. */
  async query(criteria: AuditCriteria, page: AuditPage): Promise<AuditQueryResult> {
    if (this.closed) throw new Error('audit log is closed');
    await this.written(this.enqueued);
    if (this.closed) throw new Error('audit log is closed');
    return this.storage.query(criteria, page);
  }

  stats(): AuditStats {
    return { ...this.counters, pending: this.size, lastError: this.lastError };
  }

  /**
   * Deletes events older than maxAgeMs, a chunk at a time; resolves with how many.
   * Concurrent calls share one pass. Never rejects.
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
          const n = await this.storage.pruneStep(cutoff, PRUNE_CHUNK);
          total += n;
          this.counters.pruned += n;
          if (n < PRUNE_CHUNK) break;
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

  /**
   * Stops the timers, writes what is buffered and closes storage (a file's writer thread
   * ends); events recorded afterwards are dropped.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.flushTimer);
    if (this.pruneTimer !== undefined) clearInterval(this.pruneTimer);
    this.closed = true;
    await this.pruning;
    await this.written(this.enqueued);
    await this.writing;
    if (this.size > 0) {
      this.stream.error({ lost: this.size, error: this.lastError }, 'audit events could not be stored before close');
      this.counters.dropped += this.size;
      this.ring.fill(undefined);
      this.size = 0;
      this.head = 0;
    }
    try {
      await this.storage.close();
    } catch (err) {
      this.stream.error({ err }, 'closing the audit log storage failed');
    }
  }

  /**
   * Resolves once every event before `upTo` (in recording order) has left the ring, or a
   * write attempt started after this call has failed. Starts one now, whatever the retry
   * delay: a reader or close must see storage's real state.
   */
  private written(upTo: number): Promise<void> {
    if (this.enqueued - this.size >= upTo) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({ upTo, attempts: this.attempts, resolve });
      this.flush(upTo, true);
    });
  }

  /**
   * Logs every event not logged yet and starts the write loop, unless it runs: full batches,
   * then everything before `upTo`. `force` ignores the retry delay after a failure.
   */
  private flush(upTo: number, force: boolean): void {
    if (this.size === 0) return this.settle();
    this.logPending();
    if (upTo > this.writeUpTo) this.writeUpTo = upTo;
    if (this.writing !== undefined) return;
    if (!force && this.settings.nowMs() < this.retryAt) return;
    const running: Promise<void> = this.writeBatches().finally(() => {
      if (this.writing === running) this.writing = undefined;
      this.settle();
      // A failure older than a waiter's call does not answer it: one more attempt.
      if (this.waiters.length > 0) this.flush(Math.max(...this.waiters.map((w) => w.upTo)), true);
    });
    this.writing = running;
  }

  /** One batch in flight at a time, until nothing is due or storage fails. Never rejects. */
  private async writeBatches(): Promise<void> {
    const flushSize = this.settings.flushSize;
    for (;;) {
      const due = this.size >= flushSize || this.enqueued - this.size < this.writeUpTo;
      if (!due || this.size === 0) return;
      const batch = this.peek(Math.min(this.size, flushSize));
      this.inFlight = batch.length;
      this.evictedInFlight = 0;
      const attempt = ++this.attempts;
      try {
        await this.storage.append(batch, this.enqueued - this.size);
      } catch (err) {
        this.counters.dropped += this.evictedInFlight;
        this.droppedSinceWarning += this.evictedInFlight;
        this.inFlight = 0;
        this.evictedInFlight = 0;
        this.failed(err);
        this.settle(attempt);
        return;
      }
      this.discard(this.inFlight);
      this.inFlight = 0;
      this.evictedInFlight = 0;
      this.counters.written += batch.length;
      this.recovered();
      this.settle();
    }
  }

  /** Answers the waiters whose events are written, or (failedAttempt) that attempted since. */
  private settle(failedAttempt?: number): void {
    if (this.waiters.length === 0) return;
    const done = this.enqueued - this.size;
    let kept = 0;
    for (const w of this.waiters) {
      if (done >= w.upTo || (failedAttempt !== undefined && failedAttempt > w.attempts)) w.resolve();
      else this.waiters[kept++] = w;
    }
    this.waiters.length = kept;
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
}
