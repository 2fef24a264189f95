/**
 * The delivery queue of one subscription (GS CIM 009 v1.8.1 clause 5.3 notification
 * behaviour, clause 5.2.12 throttling, clause 5.2.14 status members).
 *
 * - In order, one notification in flight at a time: a receiver sees an entity's changes in
 *   the order they were committed.
 * - Items queued at send time go out together, up to `maxBatch` per notification (clause
 *   5.3.1: `data` holds one or more entities): a burst costs a few requests, not one each.
 * - A failed notification is retried (the same one, same id: a receiver may deduplicate)
 *   after `backoffMs`, doubling, until `attempts` are used; then it is given up and the next
 *   one goes. Each queue runs on its own: a dead receiver only delays its own subscription.
 * - Throttling: two notifications are at least `throttleMs` apart. Meanwhile, with a `key`,
 *   a newer item replaces a queued one of the same key, so after the window only the latest
 *   state of each entity goes out instead of every intermediate one.
 * - Bounded: past `limit` queued items the oldest are dropped, so a receiver that is down
 *   for days cannot exhaust memory.
 *
 * Every item leaves through onSettled exactly once (delivered, given up, dropped, coalesced)
 * except through drain() and close(), which report nothing: at shutdown the dispatcher's
 * outbox still holds those items and delivers them after a restart. No per-item timers:
 * one timer per queue at most.
 */
import type { AttemptOutcome, OutgoingNotification, Sender } from './types';

export interface DeliveryQueueOptions<T> {
  /** Renders the notification for these items; called at send time, once per notification. */
  build(items: readonly T[]): Promise<OutgoingNotification>;
  sender: Sender;
  /** Attempts per notification (>= 1), the first included. */
  attempts: number;
  /** Wait before the first retry; doubles on each further retry. */
  backoffMs: number;
  /** Time-out of one attempt. */
  timeoutMs: number;
  /** Most items waiting (the notification in flight not counted); beyond, the oldest are dropped. */
  limit: number;
  /** Minimal time between two notifications (clause 5.2.12 throttling); 0: none. */
  throttleMs: number;
  /** Most items in one notification. */
  maxBatch: number;
  /** Coalescing key (entity id); used only while throttled, see above. */
  key?(item: T): string;
  /** Items left the queue; `delivered` false when given up, dropped or replaced by a newer item. Must not throw. */
  onSettled(items: T[], delivered: boolean): void;
  /** After every attempt, for the status members (clause 5.2.14). Must not throw. */
  onAttempt(outcome: AttemptOutcome): void;
  /** Clock in ms (Date.now by default); used for throttling and attempt times. */
  now?(): number;
}

/** A waiting item; `key` is '' when not coalescing. Mutated in place when coalesced. */
interface Slot<T> {
  item: T;
  key: string;
}

export class DeliveryQueue<T> {
  private readonly opts: DeliveryQueueOptions<T>;
  private readonly now: () => number;
  private readonly coalescing: boolean;
  private readonly attempts: number;
  private readonly maxBatch: number;
  private readonly limit: number;
  /** Waiting slots from `head` on; the consumed prefix is cut off now and then. */
  private slots: Slot<T>[];
  private head: number;
  /** Latest waiting slot per key (coalescing only). */
  private readonly byKey: Map<string, Slot<T>>;
  /** The running delivery loop, if any. */
  private loop: Promise<void> | undefined;
  /** Items of the notification being delivered (until settled, or abandoned by close()). */
  private inFlight: T[] | undefined;
  /** Time of the last attempt: the throttle window starts there. */
  private lastAttemptAt: number;
  /** The one timer (throttle or back-off wait) and how to end its wait early. */
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private closed: boolean;

  constructor(options: DeliveryQueueOptions<T>) {
    this.opts = options;
    this.now = options.now ?? Date.now;
    this.coalescing = options.key !== undefined && options.throttleMs > 0;
    // At least one of each: 0 would loop forever (maxBatch) or never send (attempts, limit).
    this.attempts = Math.max(1, Math.floor(options.attempts));
    this.maxBatch = Math.max(1, Math.floor(options.maxBatch));
    this.limit = Math.max(1, Math.floor(options.limit));
    this.slots = [];
    this.head = 0;
    this.byKey = new Map();
    this.loop = undefined;
    this.inFlight = undefined;
    this.lastAttemptAt = Number.NEGATIVE_INFINITY;
    this.timer = undefined;
    this.wake = undefined;
    this.closed = false;
  }

  /** Items waiting (the notification in flight not counted). */
  get size(): number {
    return this.slots.length - this.head;
  }

  push(item: T): void {
    // After close() the item is not ours: it stays in the dispatcher's outbox.
    if (this.closed) return;
    if (this.coalescing) {
      const key = this.opts.key!(item);
      const queued = this.byKey.get(key);
      if (queued !== undefined) {
        const replaced = queued.item;
        queued.item = item;
        this.opts.onSettled([replaced], false);
        return;
      }
      const slot: Slot<T> = { item, key };
      this.byKey.set(key, slot);
      this.slots.push(slot);
    } else {
      this.slots.push({ item, key: '' });
    }
    if (this.size > this.limit) this.opts.onSettled(this.take(this.size - this.limit), false);
    this.start();
  }

  /** Takes every waiting item out without reporting it (a subscription being replaced or deleted). */
  drain(): T[] {
    return this.take(this.size);
  }

  /**
   * Stops: no further attempt starts and timers are cleared. Waiting items are not reported
   * settled (drain() them first to keep them). Resolves when the attempt in flight, if any,
   * has finished, with the items of a notification that was neither delivered nor given up
   * (its retries cut short): a caller replacing the queue can push them into the new one.
   */
  async close(): Promise<T[]> {
    this.closed = true;
    this.stopWaiting();
    if (this.loop !== undefined) await this.loop;
    const abandoned = this.inFlight ?? [];
    this.inFlight = undefined;
    return abandoned;
  }

  private start(): void {
    if (this.loop !== undefined || this.closed) return;
    // A microtask later, not now: items pushed in the same tick (one batch upsert) then go
    // out together in the first notification.
    this.loop = Promise.resolve()
      .then(() => this.run())
      // Only a throwing callback gets here (a bug in the caller): the items in hand stay in
      // the outbox; keep the process and the other queues going, but say so.
      .catch((err: unknown) => process.emitWarning(err instanceof Error ? err : String(err), 'DeliveryQueueWarning'))
      .finally(() => {
        this.loop = undefined;
        // An item pushed while the loop was finishing.
        if (this.size > 0) this.start();
      });
  }

  private async run(): Promise<void> {
    while (!this.closed && this.size > 0) {
      const wait = this.lastAttemptAt + this.opts.throttleMs - this.now();
      if (wait > 0) {
        await this.sleep(wait); // pushes meanwhile coalesce
        continue;
      }
      await this.deliver(this.take(Math.min(this.size, this.maxBatch)));
    }
  }

  /** One notification: attempts with back-off, then settled either way (unless closed). */
  private async deliver(items: T[]): Promise<void> {
    let notification: OutgoingNotification | undefined = undefined;
    let backoff = this.opts.backoffMs;
    this.inFlight = items;
    for (let attempt = 1; ; attempt++) {
      const started = this.now();
      this.lastAttemptAt = started;
      try {
        notification ??= await this.opts.build(items);
        await this.opts.sender.send(notification, this.opts.timeoutMs);
        this.inFlight = undefined;
        this.opts.onAttempt({ ok: true, at: new Date(started).toISOString() });
        this.opts.onSettled(items, true);
        return;
      } catch (err) {
        this.opts.onAttempt({ ok: false, at: new Date(started).toISOString(), error: err instanceof Error ? err.message : String(err) });
      }
      if (attempt >= this.attempts) {
        this.inFlight = undefined;
        this.opts.onSettled(items, false);
        return;
      }
      // Closing between attempts: the items stay in the outbox for after the restart.
      if (this.closed) return;
      await this.sleep(backoff);
      if (this.closed) return;
      backoff *= 2;
    }
  }

  /** Removes and returns the `count` oldest waiting items. */
  private take(count: number): T[] {
    const end = this.head + count;
    const out: T[] = new Array<T>(count);
    for (let i = this.head; i < end; i++) {
      const slot = this.slots[i]!;
      out[i - this.head] = slot.item;
      if (this.coalescing && this.byKey.get(slot.key) === slot) this.byKey.delete(slot.key);
    }
    this.head = end;
    // Cut the consumed prefix off once it outweighs the rest: amortised O(1) per item.
    if (this.head === this.slots.length) {
      this.slots = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.slots.length) {
      this.slots = this.slots.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.wake = undefined;
        resolve();
      }, ms);
    });
  }

  private stopWaiting(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
