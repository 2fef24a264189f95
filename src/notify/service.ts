/**
 * The notification side of the change feed (ARCHITECTURE.md, "How data flows", step 2):
 * keeps every subscription of every tenant compiled in memory, matches each committed
 * change against the subscriptions that can match it, and queues one delivery per match.
 *
 * Nothing is lost on a crash: while a tenant has subscriptions, the store records each
 * change in an outbox in the change's own transaction. An outbox entry is acknowledged
 * only after every notification it caused has settled; at start the entries still there
 * are matched and delivered again (at-least-once).
 */
import type { EntityChange } from '../broker/changes';
import type { SubscriptionWatcher } from '../broker/subscriptions';
import type { DeliveryStatus, Subscription } from '../ngsi/subscription/model';
import type { EntityStore } from '../store/port';
import type { SubscriptionChange } from '../ngsi/subscription';
import { ActiveSubscription, type ActiveDeps, type QueuedChange } from './active-subscription';
import { OutboxTracker } from './outbox-tracker';
import { EVERYTHING_VISIBLE, ownerView, type VisibleTo } from './owner-view';
import { SubscriptionIndex } from './subscription-index';

/** How long acknowledgements and counter updates are gathered before one store write. */
const ACK_DELAY_MS = 50;
const STATUS_FLUSH_MS = 1000;
const STATUS_CHUNK = 100;

type NotifyStore = Pick<EntityStore, 'allSubscriptions' | 'readOutbox' | 'ackOutbox' | 'saveDeliveryStatus' | 'listTenants'>;

export type NotificationServiceDeps = Omit<ActiveDeps, 'settled' | 'statusChanged' | 'visibleTo'> & {
  /**
   * Issue 4: what each subscription's owner may read (server.ts: AccessGuard.visibleTo).
   * Every change, periodic read and outbox replay goes through it before matching. Default:
   * everything is visible, which is what the guard does with auth off.
   */
  visibleTo?: VisibleTo;
  /**
   * Auth is on: a subscription without an owner (created with --auth=false) notifies
   * nothing, as its owner may read nothing. start() says so in the log, once.
   */
  ownersRequired?: boolean;
};

interface TenantState {
  index: SubscriptionIndex<ActiveSubscription>;
  outbox: OutboxTracker;
}

export class NotificationService implements SubscriptionWatcher {
  private readonly tenants = new Map<string, TenantState>();
  private readonly dirty = new Set<ActiveSubscription>();
  private readonly statusTimer: NodeJS.Timeout;
  private readonly active: ActiveDeps;
  private closed = false;

  private readonly ownersRequired: boolean;

  constructor(
    private readonly store: NotifyStore,
    deps: NotificationServiceDeps,
  ) {
    this.ownersRequired = deps.ownersRequired ?? false;
    this.active = {
      ...deps,
      visibleTo: deps.visibleTo ?? EVERYTHING_VISIBLE,
      settled: (tenant, items) => this.settled(tenant, items),
      statusChanged: (a) => this.dirty.add(a),
    };
    this.statusTimer = setInterval(() => void this.flushStatus(), STATUS_FLUSH_MS);
    this.statusTimer.unref();
  }

  /** Loads every subscription, then delivers what the outbox kept from before a restart. */
  async start(): Promise<void> {
    const ownerless: Array<{ tenant: string; id: string }> = [];
    for (const { tenant, subscription } of await this.store.allSubscriptions()) {
      this.changed(tenant, subscription);
      if (subscription.owner === undefined) ownerless.push({ tenant, id: subscription.id });
    }
    if (this.ownersRequired && ownerless.length > 0) {
      this.active.log.warn(
        { count: ownerless.length, subscriptions: ownerless.slice(0, 20) },
        'subscriptions created with --auth=false have no owner and notify nothing while auth is on: re-create them with a token',
      );
    }
    for (const tenant of this.tenants.keys()) {
      const entries = await this.store.readOutbox(tenant);
      if (entries.length === 0) continue;
      this.active.log.info({ tenant, changes: entries.length }, 'notifying changes committed before the restart');
      for (const e of entries) this.dispatch(tenant, { kind: e.kind, entity: e.entity, previous: e.previous }, e.seq);
    }
  }

  /** The change feed listener: synchronous and cheap (matching only; delivery is queued). */
  readonly onChanges = (changes: readonly EntityChange[]): void => {
    for (const c of changes) this.dispatch(c.tenant, c, c.outboxSeq);
  };

  private dispatch(tenant: string, change: Pick<EntityChange, 'kind' | 'entity' | 'previous'>, seq: number | undefined): void {
    const state = this.tenants.get(tenant);
    const entity = change.entity ?? change.previous;
    let queued = 0;
    if (state !== undefined && entity !== undefined) {
      // The owner's view is computed once per owner (with auth off every subscription is
      // owner-less and the view is the change itself: one lookup, nothing copied).
      const visibleTo = this.active.visibleTo;
      let views: Map<string, SubscriptionChange | undefined> | undefined;
      for (const s of state.index.candidates(entity)) {
        let view: SubscriptionChange | undefined;
        if (views !== undefined && views.has(s.ownerKey)) view = views.get(s.ownerKey);
        else {
          view = ownerView(visibleTo, s.sub.owner, tenant, change);
          (views ??= new Map()).set(s.ownerKey, view);
        }
        if (view !== undefined && s.offer(view, seq)) queued++;
      }
    }
    if (seq !== undefined) this.stateOf(tenant).outbox.track(seq, queued);
  }

  changed(tenant: string, sub: Subscription): void {
    const state = this.stateOf(tenant);
    const existing = state.index.get(sub.id);
    if (existing !== undefined) {
      existing.update(sub);
      state.index.add(existing, sub);
    } else {
      state.index.add(new ActiveSubscription(tenant, sub, this.active), sub);
    }
  }

  deleted(tenant: string, id: string): void {
    const removed = this.tenants.get(tenant)?.index.remove(id);
    if (removed === undefined) return;
    this.dirty.delete(removed);
    removed.stop();
  }

  liveStatus(tenant: string, id: string): DeliveryStatus | undefined {
    const s = this.tenants.get(tenant)?.index.get(id);
    return s === undefined ? undefined : { ...s.status };
  }

  /** Stops delivery; what is still queued stays in the outbox for the next start. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.statusTimer);
    const all = [...this.tenants.values()];
    await Promise.all(all.flatMap((t) => [...t.index.values()].map((s) => s.close())));
    await Promise.all(all.map((t) => t.outbox.flush()));
    await this.flushStatus();
  }

  private settled(tenant: string, items: readonly QueuedChange[]): void {
    const outbox = this.tenants.get(tenant)?.outbox;
    if (outbox === undefined) return;
    for (const item of items) if (item.seq !== undefined) outbox.settle(item.seq);
  }

  private stateOf(tenant: string): TenantState {
    let state = this.tenants.get(tenant);
    if (state === undefined) {
      state = {
        index: new SubscriptionIndex<ActiveSubscription>(),
        outbox: new OutboxTracker(
          (upTo) => this.store.ackOutbox(tenant, upTo),
          ACK_DELAY_MS,
          (err) => this.active.log.error({ err, tenant }, 'outbox acknowledgement failed'),
        ),
      };
      this.tenants.set(tenant, state);
    }
    return state;
  }

  /**
   * Persists the counters that changed, in chunks: 1,000 busy subscriptions are 1,000 row
   * updates, ~20 ms of synchronous SQLite work that would otherwise stall every request
   * and notification once a second.
   */
  private async flushStatus(): Promise<void> {
    if (this.dirty.size === 0) return;
    const changed = [...this.dirty];
    this.dirty.clear();
    for (let i = 0; i < changed.length; i += STATUS_CHUNK) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      const byTenant = new Map<string, Array<{ id: string; delivery: DeliveryStatus }>>();
      for (const s of changed.slice(i, i + STATUS_CHUNK)) {
        let list = byTenant.get(s.tenant);
        if (list === undefined) byTenant.set(s.tenant, (list = []));
        list.push({ id: s.id, delivery: { ...s.status } });
      }
      for (const [tenant, updates] of byTenant) {
        try {
          await this.store.saveDeliveryStatus(tenant, updates);
        } catch (err) {
          this.active.log.error({ err, tenant }, 'saving notification counters failed');
        }
      }
    }
  }
}
