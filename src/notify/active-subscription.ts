/**
 * One subscription being served: its compiled matcher, its delivery queue, its live
 * delivery counters and, for timeInterval subscriptions, its timer. Built when the
 * subscription is loaded or created, so nothing is compiled per change (STYLE.md 12).
 */
import { randomUUID } from 'node:crypto';
import type { Entity } from '../ngsi/entity';
import { collectLinked } from '../ngsi/join';
import type { CompiledContext, ContextSource } from '../ngsi/jsonld/context';
import type { EntityFilter } from '../ngsi/query/ast';
import { compileFilter, type EntityPredicate } from '../ngsi/query/matcher';
import {
  buildNotification, compileSubscription, type CompiledSubscription, type SubscriptionChange,
} from '../ngsi/subscription';
import { subscriptionState, type DeliveryStatus, type Subscription } from '../ngsi/subscription/model';
import type { Logger } from '../ops/logger';
import { ownerKey, type VisibleTo } from './owner-view';
import { DeliveryQueue } from './queue';
import type { AttemptOutcome, OutgoingNotification, Sender } from './types';

/** A matched change waiting for delivery; `seq` is its outbox entry, if it has one. */
export interface QueuedChange {
  change: SubscriptionChange;
  seq: number | undefined;
}

export interface NotifySettings {
  timeoutMs: number;
  attempts: number;
  backoffMs: number;
  queueLimit: number;
}

export interface ActiveDeps {
  sender: Sender;
  settings: NotifySettings;
  resolveContext(source: ContextSource): Promise<CompiledContext>;
  /** Current matches of a filter, for periodic notifications (at most `limit`). */
  readEntities(tenant: string, filter: EntityFilter, limit: number): Promise<Entity[]>;
  /** What a subscription's owner may read of an entity (owner-view.ts). */
  visibleTo: VisibleTo;
  log: Logger;
  nowMs(): number;
  /** Items left the queue (delivered or not): their outbox entries may be acknowledged. */
  settled(tenant: string, items: readonly QueuedChange[]): void;
  /** The delivery counters changed (to be persisted lazily). */
  statusChanged(a: ActiveSubscription): void;
}

/**
 * Changes queued at the same time go out together in one notification's `data` array
 * (clause 5.3.1 allows several entities), up to this many: a burst (a batch upsert) costs
 * a few requests instead of one per entity.
 */
const MAX_ENTITIES_PER_NOTIFICATION = 100;
/** A periodic notification carries the current matches, at most this many. */
const MAX_PERIODIC_ENTITIES = 1000;

export class ActiveSubscription {
  readonly id: string;
  sub: Subscription;
  status: DeliveryStatus;
  /** ownerKey(sub.owner): subscriptions with the same key share the owner's view of a change. */
  ownerKey: string;
  private compiled: CompiledSubscription;
  /** timeInterval only: the filter, re-checked on what the owner sees of each periodic match. */
  private periodicFilter: EntityPredicate | undefined = undefined;
  private queue: DeliveryQueue<QueuedChange>;
  private context: Promise<CompiledContext> | undefined = undefined;
  private periodic: NodeJS.Timeout | undefined = undefined;

  constructor(
    readonly tenant: string,
    sub: Subscription,
    private readonly deps: ActiveDeps,
  ) {
    this.id = sub.id;
    this.sub = sub;
    this.status = { ...sub.delivery };
    this.ownerKey = ownerKey(sub.owner);
    this.compiled = compileSubscription(sub);
    this.queue = this.newQueue();
    this.startPeriodic();
  }

  /**
   * Queues the change if the subscription matches it; true if it did. `change` must already
   * be what the owner may see (owner-view.ts ownerView): matching and the notification then
   * only ever meet readable attributes.
   */
  offer(change: SubscriptionChange, seq: number | undefined): boolean {
    if (!this.compiled.matches(change, this.deps.nowMs())) return false;
    this.queue.push({ change, seq });
    return true;
  }

  /**
   * A PATCH: what is queued goes out under the new definition (build() reads `this.sub`
   * at send time, endpoint included). The queue is rebuilt only when its own settings
   * change; the items of a notification cut short then follow the ones still waiting.
   */
  update(sub: Subscription): void {
    const old = this.sub;
    this.sub = sub;
    this.ownerKey = ownerKey(sub.owner);
    this.compiled = compileSubscription(sub);
    this.context = undefined;
    if (old.throttling !== sub.throttling || old.timeInterval !== sub.timeInterval || old.notification.endpoint.timeout !== sub.notification.endpoint.timeout) {
      const previous = this.queue;
      const waiting = previous.drain();
      this.queue = this.newQueue();
      for (const item of waiting) this.queue.push(item);
      void previous.close().then((cut) => {
        for (const item of cut) this.queue.push(item);
      });
    }
    this.stopPeriodic();
    this.startPeriodic();
  }

  /** Deleted: nothing more goes out; what was queued (or cut short) counts as settled. */
  stop(): void {
    this.stopPeriodic();
    this.deps.settled(this.tenant, this.queue.drain());
    void this.queue.close().then((cut) => this.deps.settled(this.tenant, cut));
  }

  /** Shutdown: queued items stay unacknowledged in the outbox, to be sent after restart. */
  async close(): Promise<void> {
    this.stopPeriodic();
    await this.queue.close();
  }

  private newQueue(): DeliveryQueue<QueuedChange> {
    const s = this.deps.settings;
    return new DeliveryQueue<QueuedChange>({
      build: (items) => this.build(items),
      sender: this.deps.sender,
      attempts: s.attempts,
      backoffMs: s.backoffMs,
      timeoutMs: this.sub.notification.endpoint.timeout ?? s.timeoutMs,
      limit: s.queueLimit,
      throttleMs: (this.sub.throttling ?? 0) * 1000,
      maxBatch: this.sub.timeInterval !== undefined ? MAX_PERIODIC_ENTITIES : MAX_ENTITIES_PER_NOTIFICATION,
      // Under throttling only the latest state of each entity is sent after the window.
      key: (item) => (item.change.entity ?? item.change.previous)?.id ?? '',
      onSettled: (items) => this.deps.settled(this.tenant, items),
      onAttempt: (outcome) => this.record(outcome),
      now: () => this.deps.nowMs(),
    });
  }

  private async build(items: readonly QueuedChange[]): Promise<OutgoingNotification> {
    this.context ??= this.deps.resolveContext(this.sub.jsonldContext ?? this.sub.context);
    let ctx: CompiledContext;
    try {
      ctx = await this.context;
    } catch (err) {
      this.context = undefined; // try again on the next attempt
      throw err;
    }
    const notifiedAt = new Date(this.deps.nowMs()).toISOString();
    const changes = items.map((i) => i.change);
    const linked = await this.linked(changes);
    const rendered = buildNotification(this.sub, changes, ctx, notifiedAt, `urn:ngsi-ld:Notification:${randomUUID()}`, linked);
    return { tenant: this.tenant, subscriptionId: this.id, endpoint: this.sub.notification.endpoint, ...rendered };
  }

  /**
   * join (clause 5.2.14): the entities the notified ones point at, read when the notification
   * is built (their current state), as the owner may see them: one it may not read is left
   * out as if the link dangled.
   */
  private async linked(changes: readonly SubscriptionChange[]): Promise<ReadonlyMap<string, Entity> | undefined> {
    const join = this.sub.notification.join;
    if (join === undefined) return undefined;
    const roots = changes.flatMap((c) => (c.entity === undefined ? [] : [c.entity]));
    const owner = this.sub.owner;
    return collectLinked(roots, join.level, async (ids) => {
      const found = await this.deps.readEntities(this.tenant, { ids }, ids.length);
      return found.flatMap((e) => {
        const seen = this.deps.visibleTo(owner, this.tenant, e);
        return seen === undefined ? [] : [seen];
      });
    });
  }

  /** Clause 5.2.14: every attempt counts as sent; failed ones also as failed. */
  private record(outcome: AttemptOutcome): void {
    const s = this.status;
    s.timesSent++;
    s.lastNotification = outcome.at;
    if (outcome.ok) {
      s.lastSuccess = outcome.at;
      s.status = 'ok';
    } else {
      s.timesFailed++;
      s.lastFailure = outcome.at;
      s.status = 'failed';
      this.deps.log.warn({ tenant: this.tenant, subscription: this.id, endpoint: this.sub.notification.endpoint.uri, error: outcome.error }, 'notification failed');
    }
    this.deps.statusChanged(this);
  }

  /** Clause 5.2.12 timeInterval: the current matches every N seconds, changed or not. */
  private startPeriodic(): void {
    const every = this.sub.timeInterval;
    if (every === undefined) return;
    this.periodicFilter = compileFilter(this.sub.filter);
    this.periodic = setInterval(() => void this.tick(), every * 1000);
    this.periodic.unref();
  }

  private stopPeriodic(): void {
    if (this.periodic !== undefined) clearInterval(this.periodic);
    this.periodic = undefined;
    this.periodicFilter = undefined;
  }

  private async tick(): Promise<void> {
    if (subscriptionState(this.sub, this.deps.nowMs()) !== 'active') return;
    try {
      const entities = await this.deps.readEntities(this.tenant, this.sub.filter, MAX_PERIODIC_ENTITIES);
      const filter = this.periodicFilter;
      if (filter === undefined) return; // stopped (updated or deleted) while reading
      for (const found of entities) {
        // The store matched the whole entity: the owner's view is matched again, so that a
        // q or geoQ on an attribute the owner may not read selects nothing.
        const entity = this.deps.visibleTo(this.sub.owner, this.tenant, found);
        if (entity === undefined || (entity !== found && !filter(entity))) continue;
        this.queue.push({ change: { kind: 'update', entity }, seq: undefined });
      }
    } catch (err) {
      this.deps.log.error({ err, tenant: this.tenant, subscription: this.id }, 'periodic notification query failed');
    }
  }
}
