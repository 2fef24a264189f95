/** One open tenant database and everything that works on it, prepared once at open. */
import type Database from 'better-sqlite3';
import type { Attribute, Entity, Iri } from '../../ngsi/entity';
import type { EntityFilter } from '../../ngsi/query/ast';
import type { DeliveryStatus, Subscription } from '../../ngsi/subscription/model';
import type { TemporalEntity, TemporalEntityInput, TemporalQuery } from '../../ngsi/temporal/model';
import type { EntityWrite, OutboxEntry, Page, Plan, QueryResult, TypeSummary } from '../port';
import { EntityQueries } from './entity-query';
import { EntityTable } from './entity-table';
import { OutboxTable } from './outbox-table';
import { SubscriptionTable } from './subscription-table';
import { TemporalTable, type PruneCursor } from './temporal-table';
import { TermTable } from './term-table';
import { TypeSummaries } from './type-summary';

type AnyPlan = (current: Map<string, Entity>) => Plan<unknown>;

/** Most modifications one group commit takes (the rest go in the next turn). */
const MAX_GROUP = 200;

export class TenantDb {
  private readonly terms: TermTable;
  private readonly entities: EntityTable;
  private readonly queries: EntityQueries;
  private readonly summaries: TypeSummaries;
  private readonly temporal: TemporalTable;
  private readonly subscriptions: SubscriptionTable;
  private readonly outbox: OutboxTable;
  /** Cached: applyWrites checks it on every write, and writes only touch the outbox while it is > 0. */
  private subscriptionCount: number;
  private readonly subscriptionTxn: Database.Transaction<(run: () => unknown) => unknown>;
  private readonly applyTxn: Database.Transaction<(writes: EntityWrite[]) => void>;
  private readonly groupTxn: Database.Transaction<(run: () => void) => void>;
  private readonly temporalTxn: Database.Transaction<(run: () => unknown) => unknown>;
  private summaryCache: TypeSummary[] | undefined;
  private pending: Array<{ ids: string[]; plan: AnyPlan; resolve: (v: unknown) => void; reject: (e: unknown) => void }> = [];

  constructor(
    readonly db: Database.Database,
    private readonly recordHistory: boolean,
  ) {
    this.terms = new TermTable(db);
    this.entities = new EntityTable(db, this.terms);
    this.queries = new EntityQueries(db, this.terms);
    this.summaries = new TypeSummaries(db);
    this.temporal = new TemporalTable(db, this.terms, this.entities);
    this.subscriptions = new SubscriptionTable(db);
    this.outbox = new OutboxTable(db);
    this.subscriptionCount = this.subscriptions.count();
    this.subscriptionTxn = db.transaction((run: () => unknown) => run());
    // A throw inside either transaction function rolls its whole transaction back.
    this.applyTxn = db.transaction((writes: EntityWrite[]) => this.applyWrites(writes));
    this.groupTxn = db.transaction((run: () => void) => run());
    this.temporalTxn = db.transaction((run: () => unknown) => run());
  }

  get(id: string): Entity | undefined {
    return this.entities.get(id);
  }

  query(filter: EntityFilter, page: Page): QueryResult {
    return this.queries.query(filter, page);
  }

  /**
   * Group commit: modifications requested in the same turn of the event loop share one
   * transaction. A commit writes every touched page to the WAL; under concurrent
   * single-entity writes that per-commit cost, not the work itself, was the limit. Results
   * are delivered only after the shared commit, so nothing is acknowledged before it is
   * durable. A plan that throws has written nothing yet (plans are pure; writes follow
   * them), so it fails alone; a failing write (an SQLite error) fails the whole group.
   * Savepoints would isolate those too, but they journal every page a big batch touches
   * and halved batch throughput.
   */
  modify<T>(ids: string[], plan: (current: Map<string, Entity>) => Plan<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ ids, plan, resolve: resolve as (v: unknown) => void, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    if (this.pending.length === 0) return; // close() committed them already
    // A bounded group: past a few hundred operations a transaction holds the event loop
    // for hundreds of ms (sockets unread, acknowledgements unsent) and saves little more.
    const group = this.pending.length <= MAX_GROUP ? this.pending : this.pending.splice(0, MAX_GROUP);
    if (group === this.pending) this.pending = [];
    else setImmediate(() => this.flush());
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      // IMMEDIATE takes the write lock before reading, so no other process writes in between.
      this.groupTxn.immediate(() => {
        for (const op of group) {
          let planned: { current: Map<string, Entity>; writes: EntityWrite[]; result: unknown };
          try {
            planned = this.plan(op.ids, op.plan);
          } catch (error) {
            outcomes.push({ ok: false, error });
            continue;
          }
          this.applyWrites(planned.writes, planned.current);
          outcomes.push({ ok: true, value: planned.result });
        }
      });
    } catch (error) {
      this.terms.clear();
      this.temporal.clearCache();
      for (const op of group) op.reject(error);
      return;
    }
    group.forEach((op, i) => {
      const o = outcomes[i];
      if (o.ok) op.resolve(o.value);
      else op.reject(o.error);
    });
  }

  /** Commits writes planned against an empty state (the tenant did not exist yet). */
  apply(writes: EntityWrite[]): void {
    try {
      this.applyTxn.immediate(writes);
    } catch (err) {
      this.terms.clear();
      this.temporal.clearCache();
      throw err;
    }
  }

  queryTemporal(filter: EntityFilter, q: TemporalQuery, page: Page): { entities: TemporalEntity[]; count?: number } {
    return this.temporal.query(filter, q, page);
  }

  getTemporal(id: string, q: TemporalQuery, attrs?: Iri[]): TemporalEntity | undefined {
    return this.temporal.get(id, q, attrs);
  }

  appendTemporal(input: TemporalEntityInput, now: string, mustExist: boolean): 'created' | 'appended' | 'missing' {
    return this.temporalWrite(() => this.temporal.append(input, now, mustExist));
  }

  deleteTemporal(id: string): boolean {
    return this.temporalWrite(() => this.temporal.deleteEntity(id));
  }

  deleteTemporalAttr(id: string, attr: Iri, which: { datasetId?: string; all: boolean }): boolean {
    return this.temporalWrite(() => this.temporal.deleteAttr(id, attr, which));
  }

  patchTemporalInstance(id: string, attr: Iri, instanceId: string, patch: Attribute, now: string): boolean {
    return this.temporalWrite(() => this.temporal.patchInstance(id, attr, instanceId, patch, now));
  }

  deleteTemporalInstance(id: string, attr: Iri, instanceId: string): boolean {
    return this.temporalWrite(() => this.temporal.removeInstance(id, attr, instanceId));
  }

  /** Retention: one bounded chunk of a prune, in its own short transaction (store.ts loops). */
  pruneTemporalChunk(beforeMs: number, from: PruneCursor): { deleted: number; next: PruneCursor | undefined } {
    return this.temporalWrite(() => this.temporal.pruneChunk(beforeMs, from));
  }

  /**
   * Direct history writes (temporal API) run in their own transaction, synchronously: a
   * group commit pending for this tenant is not affected (it runs in a later turn).
   */
  private temporalWrite<T>(fn: () => T): T {
    try {
      return this.temporalTxn.immediate(fn) as T;
    } catch (err) {
      this.terms.clear();
      this.temporal.clearCache();
      throw err;
    }
  }

  /**
   * Subscription writes are single statements outside the group commit. One that runs
   * while modifications are queued applies to them: they commit after it (one thread).
   */
  putSubscription(sub: Subscription): void {
    if (this.subscriptions.put(sub)) this.subscriptionCount++;
  }

  getSubscription(id: string): Subscription | undefined {
    return this.subscriptions.get(id);
  }

  listSubscriptions(page: Page): { subscriptions: Subscription[]; count?: number } {
    return this.subscriptions.page(page);
  }

  allSubscriptions(): Subscription[] {
    return this.subscriptions.all();
  }

  /**
   * Deleting the last subscription also empties the outbox: nobody is left to notify, and
   * entries kept until a later subscription would be replayed to it after a restart
   * (changes older than the subscription itself).
   */
  deleteSubscription(id: string): boolean {
    return this.subscriptionTxn.immediate(() => {
      if (!this.subscriptions.delete(id)) return false;
      this.subscriptionCount = this.subscriptions.count();
      if (this.subscriptionCount === 0) this.outbox.clear();
      return true;
    }) as boolean;
  }

  saveDeliveryStatus(updates: Array<{ id: string; delivery: DeliveryStatus }>): void {
    this.subscriptionTxn.immediate(() => {
      for (const u of updates) this.subscriptions.saveDelivery(u.id, u.delivery);
    });
  }

  readOutbox(): OutboxEntry[] {
    return this.outbox.all();
  }

  ackOutbox(upTo: number): void {
    this.outbox.ack(upTo);
  }

  /**
   * Discovery aggregates every index row (about 0.5 s over 100k entities), so the answer
   * is kept until the next write to this tenant. Callers treat it as read-only.
   */
  summarizeTypes(): TypeSummary[] {
    this.summaryCache ??= this.summaries.summarize();
    return this.summaryCache;
  }

  /** Commits what is still queued (its callers are waiting for the answer), then closes. */
  close(): void {
    while (this.pending.length > 0) this.flush();
    this.db.close();
  }

  private plan(ids: string[], plan: AnyPlan): { current: Map<string, Entity>; writes: EntityWrite[]; result: unknown } {
    const current = new Map<string, Entity>();
    const keepDocs = this.subscriptionCount > 0; // the outbox reuses them as `previous`
    for (const id of ids) {
      const entity = this.entities.get(id, keepDocs);
      if (entity !== undefined) current.set(id, entity);
    }
    const { writes, result } = plan(current);
    return { current, writes, result };
  }

  /**
   * `stored`: what this transaction read. A write's `previous` is trusted as the stored
   * version (for incremental index updates) only if it is that very object, and only for
   * the first write of that id.
   */
  private applyWrites(writes: EntityWrite[], stored?: Map<string, Entity>): void {
    if (writes.length > 0) this.summaryCache = undefined;
    const written = new Set<string>();
    // Read once per call: a write path without subscriptions runs no outbox statement at all.
    const recordOutbox = this.subscriptionCount > 0;
    for (const write of writes) {
      if (write.op === 'delete') {
        this.entities.delete(write.id);
        // Deletion markers for every instance it had (ngsi/temporal/deletion), at the time of the write.
        if (this.recordHistory) this.temporal.recordDelete(write.previous, new Date().toISOString());
        if (recordOutbox) write.outboxSeq = this.outbox.add('delete', write.id, null, this.previousDoc(write.previous));
        written.add(write.id);
      } else {
        const id = write.entity.id;
        const trusted = write.previous !== undefined && stored?.get(id) === write.previous && !written.has(id);
        const doc = this.entities.put(write.entity, trusted ? write.previous : undefined);
        if (recordOutbox) {
          // Same kind rule as the change event (broker/deps.ts toChange), which carries this seq.
          const previous = write.previous === undefined ? null : this.previousDoc(write.previous);
          write.outboxSeq = this.outbox.add(previous === null ? 'create' : 'update', id, doc, previous);
        }
        // The history in the same transaction (clause 5.6.11 TRoE): rolled back with the write.
        // Only a version known to be the stored one may suppress instances as unchanged.
        if (this.recordHistory) {
          const before = trusted ? write.previous : written.has(id) ? undefined : stored?.get(id);
          this.temporal.recordPut(write.entity, before);
        }
        written.add(id);
      }
    }
  }

  /**
   * The outbox's JSON of a write's previous version: the text it was parsed from when this
   * transaction read it (plans are pure: they never mutate what they were handed), else
   * serialised (about 5 us for a 750-byte entity, a third of the outbox's cost per write).
   */
  private previousDoc(previous: Entity): string {
    return this.entities.docOf(previous) ?? JSON.stringify(previous);
  }
}
