/**
 * Knows which outbox entries of one tenant are fully handled, so the outbox can be
 * trimmed. An entry is handled once every notification it was queued for has settled
 * (delivered, given up, or dropped). Entries settle out of order (subscriptions deliver
 * independently), but the store forgets a prefix (ackOutbox(upTo)), so this keeps the
 * longest fully-handled prefix and acknowledges it, debounced: one DELETE per burst, not
 * per change. What is not acknowledged before a crash is notified again after the restart
 * (at-least-once delivery).
 */
export class OutboxTracker {
  /** Outstanding notifications per seq, in seq order (Map keeps insertion order). */
  private readonly pending = new Map<number, number>();
  /** Highest seq seen so far; seqs arrive in increasing order. */
  private lastSeen = 0;
  private acked = 0;
  private timer: NodeJS.Timeout | undefined = undefined;

  constructor(
    private readonly ack: (upTo: number) => Promise<void>,
    private readonly delayMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** A change with this seq was queued for `count` notifications (0: nothing matched). */
  track(seq: number, count: number): void {
    if (seq <= this.lastSeen) return; // replayed twice (restart replay racing a live change): ignore
    this.lastSeen = seq;
    if (count > 0) this.pending.set(seq, count);
    this.schedule();
  }

  /** One notification carrying this seq settled. */
  settle(seq: number): void {
    const left = this.pending.get(seq);
    if (left === undefined) return;
    if (left > 1) this.pending.set(seq, left - 1);
    else {
      this.pending.delete(seq);
      this.schedule();
    }
  }

  /** Every seq below this one is handled. */
  private lowWater(): number {
    for (const seq of this.pending.keys()) return seq - 1;
    return this.lastSeen;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.lowWater() <= this.acked) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.delayMs);
    this.timer.unref();
  }

  /** Acknowledges the handled prefix now (also called at shutdown). */
  async flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const upTo = this.lowWater();
    if (upTo <= this.acked) return;
    this.acked = upTo;
    try {
      await this.ack(upTo);
    } catch (err) {
      this.onError(err);
    }
  }
}
