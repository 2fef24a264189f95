/**
 * The persistence port. Adapters: store/sqlite (embedded default), store/mongo (later).
 * One contract test suite (test/store/contract.ts) runs unchanged against every adapter.
 *
 * All methods are async so a networked adapter (MongoDB) fits; the SQLite adapter is
 * synchronous underneath. Tenants: `tenant` is the NGSILD-Tenant value, '' for the default
 * tenant. Tenants are fully isolated (the SQLite adapter uses one database file per tenant).
 */
import type { Attribute, AttributeKind, Entity, Iri } from '../ngsi/entity';
import type { EntityFilter } from '../ngsi/query/ast';
import type { DeliveryStatus, Subscription } from '../ngsi/subscription/model';
import type { Device, PendingCommand, ServiceGroup } from '../devices/model';
import type { TemporalEntity, TemporalEntityInput, TemporalQuery } from '../ngsi/temporal/model';

export interface Page {
  limit: number;
  offset: number;
  /** Also return the total number of matches (NGSILD-Results-Count). */
  count: boolean;
}

/** A page of subscriptions, optionally only those of one owner (Subscription.owner.subject). */
export interface SubscriptionPage extends Page {
  owner?: string;
}

export interface QueryResult {
  entities: Entity[];
  count?: number;
}

/**
 * One change the broker wants committed. `previous` is what the plan saw (for change events).
 * `outboxSeq` is set by the store when it recorded the write in the tenant's outbox.
 */
export type EntityWrite =
  | { op: 'put'; entity: Entity; previous?: Entity; outboxSeq?: number }
  | { op: 'delete'; id: string; previous: Entity; outboxSeq?: number };

/**
 * A committed change waiting to be notified (the transactional outbox). Written in the same
 * transaction as the entity write, only while the tenant has at least one subscription, so
 * a change committed before a crash is still notified after the restart.
 */
export interface OutboxEntry {
  seq: number;
  kind: 'create' | 'update' | 'delete';
  id: string;
  entity?: Entity;
  previous?: Entity;
}

/** What a plan returns: the writes to commit atomically, and the caller's result. */
export interface Plan<T> {
  writes: EntityWrite[];
  result: T;
}

/** Per-type facts for the discovery endpoints (/types, /attributes). */
export interface TypeSummary {
  type: Iri;
  entityCount: number;
  attributes: Record<Iri, { kinds: AttributeKind[]; entityCount: number }>;
}

/** A user @context stored through /jsonldContexts (clause 5.13). */
export interface StoredContext {
  id: string;
  url: string;
  kind: 'Hosted' | 'Cached' | 'ImplicitlyCreated';
  body: unknown;
  createdAt: string;
  lastUsage?: string;
  numberOfHits: number;
}

export interface EntityStore extends DeviceRegistryStore {
  hasTenant(tenant: string): Promise<boolean>;
  listTenants(): Promise<string[]>;

  getEntity(tenant: string, id: string): Promise<Entity | undefined>;

  /** Matching entities in a stable order (creation order), paged. Unknown tenant: empty result. */
  queryEntities(tenant: string, filter: EntityFilter, page: Page): Promise<QueryResult>;

  /**
   * Atomic read-modify-write. Loads the current version of each id (absent ids are missing
   * from the map), calls `plan` (pure, synchronous) and commits its writes in one
   * transaction. Nothing is written if `plan` throws. Creates the tenant on first write.
   */
  modify<T>(tenant: string, ids: string[], plan: (current: Map<string, Entity>) => Plan<T>): Promise<T>;

  summarizeTypes(tenant: string): Promise<TypeSummary[]>;

  // @context registry, shared by all tenants.
  putContext(ctx: StoredContext): Promise<void>;
  getContext(id: string): Promise<StoredContext | undefined>;
  listContexts(): Promise<StoredContext[]>;
  deleteContext(id: string): Promise<boolean>;

  // Temporal API (clause 5.6.11-5.6.16, 5.7.3-5.7.4). Every entity write made through
  // `modify` also records each new or changed attribute instance, in the same transaction.

  /**
   * Temporal entities matching `filter`, with their instances in the time range, paged.
   * With temporal.aggregation a store may return attributes already aggregated
   * (TemporalEntity.aggregated) instead of their instances, if exactly as ngsi/temporal would.
   */
  queryTemporal(tenant: string, filter: EntityFilter, temporal: TemporalQuery, page: Page): Promise<{ entities: TemporalEntity[]; count?: number }>;
  /** One entity's history (undefined: no history at all); `attrs` narrows the attributes. */
  getTemporal(tenant: string, id: string, temporal: TemporalQuery, attrs?: Iri[]): Promise<TemporalEntity | undefined>;
  /**
   * Adds instances to the history only (the current entity is not touched). `mustExist`:
   * append to an existing history ('missing' otherwise). Creates the tenant on first write.
   */
  appendTemporal(tenant: string, input: TemporalEntityInput, now: string, mustExist: boolean): Promise<'created' | 'appended' | 'missing'>;
  /** False if there was no history. */
  deleteTemporal(tenant: string, id: string): Promise<boolean>;
  /** datasetId undefined: the default instance's history; all: every dataset's. False if nothing was deleted. */
  deleteTemporalAttr(tenant: string, id: string, attr: Iri, which: { datasetId?: string; all: boolean }): Promise<boolean>;
  /** Replaces one instance's content (keeps its instanceId). False if not found. */
  patchTemporalInstance(tenant: string, id: string, attr: Iri, instanceId: string, patch: Attribute, now: string): Promise<boolean>;
  deleteTemporalInstance(tenant: string, id: string, attr: Iri, instanceId: string): Promise<boolean>;
  /** Retention: deletes every instance recorded (ts) before `before` (ISO 8601). Returns how many. */
  pruneTemporal(tenant: string, before: string): Promise<number>;

  // Subscriptions (clause 5.8), per tenant. Putting one creates the tenant. While a tenant
  // has any subscription, every entity write there is also recorded in its outbox.

  /** Insert or replace (by id). `delivery` is stored as given. */
  putSubscription(tenant: string, sub: Subscription): Promise<void>;
  getSubscription(tenant: string, id: string): Promise<Subscription | undefined>;
  /**
   * In creation order, paged. Unknown tenant: empty. With `page.owner`, only the
   * subscriptions whose owner.subject is that (paging and count included): what a caller
   * without admin on subscriptions may see (issue 4).
   */
  listSubscriptions(tenant: string, page: SubscriptionPage): Promise<{ subscriptions: Subscription[]; count?: number }>;
  /** Deleting the tenant's last subscription also empties its outbox (nobody left to notify). */
  deleteSubscription(tenant: string, id: string): Promise<boolean>;
  /** Every subscription of every existing tenant (loaded once at start). */
  allSubscriptions(): Promise<Array<{ tenant: string; subscription: Subscription }>>;
  /** Updates only the delivery counters (called in batches, not per notification). No-op if gone. */
  saveDeliveryStatus(tenant: string, updates: Array<{ id: string; delivery: DeliveryStatus }>): Promise<void>;

  /** The tenant's outbox in seq order (at start: what was committed but not yet notified). */
  readOutbox(tenant: string): Promise<OutboxEntry[]>;
  /** Forgets every outbox entry with seq <= upTo (notified, or given up). */
  ackOutbox(tenant: string, upTo: number): Promise<void>;

  close(): Promise<void>;
}

/** A page of devices, optionally of one service group only. */
export interface DevicePage extends Page {
  apikey?: string;
}

/**
 * The device registry (issue 5): service groups and devices per tenant, and the commands
 * waiting for a device. Apikeys are unique across tenants (an MQTT topic names the apikey,
 * not the tenant), so one global lookup finds a topic's tenant.
 */
export interface DeviceRegistryStore {
  /**
   * Insert or replace (by tenant + apikey). 'conflict' when another tenant already holds
   * the apikey (nothing written). The registry is not an entity tenant: provisioning
   * alone does not make hasTenant() true (creating the twin does).
   */
  putServiceGroup(tenant: string, group: ServiceGroup): Promise<'ok' | 'conflict'>;
  getServiceGroup(tenant: string, apikey: string): Promise<ServiceGroup | undefined>;
  /** The group of an apikey, whichever tenant holds it. */
  findServiceGroup(apikey: string): Promise<{ tenant: string; group: ServiceGroup } | undefined>;
  /** In creation order, paged. */
  listServiceGroups(tenant: string, page: Page): Promise<{ groups: ServiceGroup[]; count?: number }>;
  /** False if absent. Its devices stay (the broker refuses to delete a group with devices). */
  deleteServiceGroup(tenant: string, apikey: string): Promise<boolean>;

  /** Insert or replace (by tenant + deviceId). */
  putDevice(tenant: string, device: Device): Promise<void>;
  getDevice(tenant: string, deviceId: string): Promise<Device | undefined>;
  /** The device named by an MQTT topic: its group's tenant, then the device there with that apikey. */
  findDevice(apikey: string, deviceId: string): Promise<{ tenant: string; device: Device } | undefined>;
  /** In creation order, paged; page.apikey: only that group's devices. */
  listDevices(tenant: string, page: DevicePage): Promise<{ devices: Device[]; count?: number }>;
  /** False if absent. Also deletes its pending commands. */
  deleteDevice(tenant: string, deviceId: string): Promise<boolean>;

  /** Insert or replace (by tenant + id). */
  putCommand(tenant: string, command: PendingCommand): Promise<void>;
  /** The device's pending commands, oldest first. */
  listCommands(tenant: string, deviceId: string): Promise<PendingCommand[]>;
  /** Every pending command of every tenant, oldest first (at start: what to resend or expire). */
  allCommands(): Promise<Array<{ tenant: string; command: PendingCommand }>>;
  deleteCommand(tenant: string, id: string): Promise<boolean>;
}
