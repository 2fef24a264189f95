/**
 * The embedded EntityStore: one SQLite database per tenant (tenant-files.ts), opened on
 * first use and kept open. better-sqlite3 is synchronous, so each read runs to completion
 * without interleaving; writes of one event-loop turn are committed together (group
 * commit, tenant-db.ts).
 */
import fs from 'node:fs';
import type { Attribute, Entity, Iri } from '../../ngsi/entity';
import type { EntityFilter } from '../../ngsi/query/ast';
import type { DeliveryStatus, Subscription } from '../../ngsi/subscription/model';
import type { Device, PendingCommand, ServiceGroup } from '../../devices/model';
import type { TemporalEntity, TemporalEntityInput, TemporalQuery } from '../../ngsi/temporal/model';
import type { DevicePage, EntityStore, OutboxEntry, Page, Plan, QueryResult, StoredContext, TypeSummary } from '../port';
import { checkpointer } from './checkpointer';
import { ContextTable } from './context-table';
import { DeviceRegistryTable } from './device-registry-table';
import { openDatabase } from './schema';
import { registerSqlFunctions } from './sql-functions';
import { TenantDb } from './tenant-db';
import { PRUNE_START, type PruneCursor } from './temporal-table';
import {
  defaultDatabasePath,
  encodeTenant,
  tenantDatabasePath,
  tenantOfFileName,
  tenantsDirectory,
} from './tenant-files';

export interface SqliteStoreOptions {
  /** Directory of the database files; required unless `memory`. */
  dataDir?: string;
  /** Keep every database in memory (ephemeral mode, nothing touches the disk). */
  memory?: boolean;
  /**
   * Record every attribute change of an entity write in the temporal history (default
   * true). False: history holds only what the temporal API writes directly.
   */
  recordHistory?: boolean;
}

const DEFAULT_TENANT = '';

export class SqliteStore implements EntityStore {
  private readonly tenants = new Map<string, TenantDb>();
  private contextTable: ContextTable | undefined;
  private registryTable: DeviceRegistryTable | undefined;
  private closed = false;
  /** Database files handed to the checkpoint worker. */
  private readonly files: string[] = [];

  constructor(
    private readonly opts: { dataDir: string; memory: false } | { memory: true },
    private readonly recordHistory = true,
  ) {}

  async hasTenant(tenant: string): Promise<boolean> {
    return this.open(tenant, false) !== undefined;
  }

  async listTenants(): Promise<string[]> {
    this.assertOpen();
    const tenants = new Set<string>([DEFAULT_TENANT, ...this.tenants.keys()]);
    if (!this.opts.memory) {
      const dir = tenantsDirectory(this.opts.dataDir);
      const files = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
      for (const file of files) {
        const tenant = tenantOfFileName(file);
        if (tenant !== undefined) tenants.add(tenant);
      }
    }
    return [...tenants].sort();
  }

  async getEntity(tenant: string, id: string): Promise<Entity | undefined> {
    return this.open(tenant, false)?.get(id);
  }

  async queryEntities(tenant: string, filter: EntityFilter, page: Page): Promise<QueryResult> {
    const db = this.open(tenant, false);
    if (db === undefined) return page.count ? { entities: [], count: 0 } : { entities: [] };
    return db.query(filter, page);
  }

  async modify<T>(tenant: string, ids: string[], plan: (current: Map<string, Entity>) => Plan<T>): Promise<T> {
    const existing = this.open(tenant, false);
    if (existing !== undefined) return existing.modify(ids, plan);
    // Unknown tenant: its state is empty, so the plan can run before anything exists; the
    // database is created only if there is something to write (a failed or empty plan
    // must not create a tenant).
    const { writes, result } = plan(new Map());
    if (writes.some((w) => w.op === 'put')) this.open(tenant, true)!.apply(writes);
    return result;
  }

  async summarizeTypes(tenant: string): Promise<TypeSummary[]> {
    return this.open(tenant, false)?.summarizeTypes() ?? [];
  }

  async queryTemporal(tenant: string, filter: EntityFilter, temporal: TemporalQuery, page: Page): Promise<{ entities: TemporalEntity[]; count?: number }> {
    const db = this.open(tenant, false);
    if (db === undefined) return page.count ? { entities: [], count: 0 } : { entities: [] };
    return db.queryTemporal(filter, temporal, page);
  }

  async getTemporal(tenant: string, id: string, temporal: TemporalQuery, attrs?: Iri[]): Promise<TemporalEntity | undefined> {
    return this.open(tenant, false)?.getTemporal(id, temporal, attrs);
  }

  async appendTemporal(tenant: string, input: TemporalEntityInput, now: string, mustExist: boolean): Promise<'created' | 'appended' | 'missing'> {
    const db = this.open(tenant, !mustExist);
    return db === undefined ? 'missing' : db.appendTemporal(input, now, mustExist);
  }

  async deleteTemporal(tenant: string, id: string): Promise<boolean> {
    return this.open(tenant, false)?.deleteTemporal(id) ?? false;
  }

  async deleteTemporalAttr(tenant: string, id: string, attr: Iri, which: { datasetId?: string; all: boolean }): Promise<boolean> {
    return this.open(tenant, false)?.deleteTemporalAttr(id, attr, which) ?? false;
  }

  async patchTemporalInstance(tenant: string, id: string, attr: Iri, instanceId: string, patch: Attribute, now: string): Promise<boolean> {
    return this.open(tenant, false)?.patchTemporalInstance(id, attr, instanceId, patch, now) ?? false;
  }

  async deleteTemporalInstance(tenant: string, id: string, attr: Iri, instanceId: string): Promise<boolean> {
    return this.open(tenant, false)?.deleteTemporalInstance(id, attr, instanceId) ?? false;
  }

  /**
   * Chunk by chunk, each its own short transaction, yielding to the event loop in between:
   * a huge prune never holds the write lock for long and requests are served meanwhile.
   * Stops early (returning what it deleted so far) when the store is closed.
   */
  async pruneTemporal(tenant: string, before: string): Promise<number> {
    const beforeMs = Date.parse(before);
    if (Number.isNaN(beforeMs)) throw new Error(`pruneTemporal: '${before}' is not an ISO 8601 date-time`);
    const db = this.open(tenant, false);
    let deleted = 0;
    let from: PruneCursor | undefined = PRUNE_START;
    while (db !== undefined && from !== undefined && !this.closed) {
      const step = db.pruneTemporalChunk(beforeMs, from);
      deleted += step.deleted;
      from = step.next;
      if (from !== undefined) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return deleted;
  }

  async putSubscription(tenant: string, sub: Subscription): Promise<void> {
    this.open(tenant, true)!.putSubscription(sub);
  }

  async getSubscription(tenant: string, id: string): Promise<Subscription | undefined> {
    return this.open(tenant, false)?.getSubscription(id);
  }

  async listSubscriptions(tenant: string, page: Page): Promise<{ subscriptions: Subscription[]; count?: number }> {
    const db = this.open(tenant, false);
    if (db === undefined) return page.count ? { subscriptions: [], count: 0 } : { subscriptions: [] };
    return db.listSubscriptions(page);
  }

  async deleteSubscription(tenant: string, id: string): Promise<boolean> {
    return this.open(tenant, false)?.deleteSubscription(id) ?? false;
  }

  async allSubscriptions(): Promise<Array<{ tenant: string; subscription: Subscription }>> {
    const all: Array<{ tenant: string; subscription: Subscription }> = [];
    for (const tenant of await this.listTenants()) {
      for (const subscription of this.open(tenant, false)?.allSubscriptions() ?? []) all.push({ tenant, subscription });
    }
    return all;
  }

  async saveDeliveryStatus(tenant: string, updates: Array<{ id: string; delivery: DeliveryStatus }>): Promise<void> {
    if (updates.length > 0) this.open(tenant, false)?.saveDeliveryStatus(updates);
  }

  async readOutbox(tenant: string): Promise<OutboxEntry[]> {
    return this.open(tenant, false)?.readOutbox() ?? [];
  }

  async ackOutbox(tenant: string, upTo: number): Promise<void> {
    this.open(tenant, false)?.ackOutbox(upTo);
  }

  async putContext(ctx: StoredContext): Promise<void> {
    this.contexts().put(ctx);
  }

  async getContext(id: string): Promise<StoredContext | undefined> {
    return this.contexts().get(id);
  }

  async listContexts(): Promise<StoredContext[]> {
    return this.contexts().list();
  }

  async deleteContext(id: string): Promise<boolean> {
    return this.contexts().delete(id);
  }

  // The device registry lives in the default database (device-registry-table.ts): its rows
  // make no tenant exist (the default tenant always does). Tenant names are checked as
  // every other call checks them, so a name no tenant database could have is refused alike.

  async putServiceGroup(tenant: string, group: ServiceGroup): Promise<'ok' | 'conflict'> {
    return this.registry(tenant).putGroup(tenant, group);
  }

  async getServiceGroup(tenant: string, apikey: string): Promise<ServiceGroup | undefined> {
    return this.registry(tenant).getGroup(tenant, apikey);
  }

  async findServiceGroup(apikey: string): Promise<{ tenant: string; group: ServiceGroup } | undefined> {
    return this.registry().findGroupOf(apikey);
  }

  async listServiceGroups(tenant: string, page: Page): Promise<{ groups: ServiceGroup[]; count?: number }> {
    return this.registry(tenant).groups(tenant, page);
  }

  async deleteServiceGroup(tenant: string, apikey: string): Promise<boolean> {
    return this.registry(tenant).deleteGroup(tenant, apikey);
  }

  async putDevice(tenant: string, device: Device): Promise<void> {
    this.registry(tenant).putDevice(tenant, device);
  }

  async getDevice(tenant: string, deviceId: string): Promise<Device | undefined> {
    return this.registry(tenant).getDevice(tenant, deviceId);
  }

  async findDevice(apikey: string, deviceId: string): Promise<{ tenant: string; device: Device } | undefined> {
    return this.registry().findDevice(apikey, deviceId);
  }

  async listDevices(tenant: string, page: DevicePage): Promise<{ devices: Device[]; count?: number }> {
    return this.registry(tenant).devices(tenant, page);
  }

  async deleteDevice(tenant: string, deviceId: string): Promise<boolean> {
    return this.registry(tenant).deleteDevice(tenant, deviceId);
  }

  async putCommand(tenant: string, command: PendingCommand): Promise<void> {
    this.registry(tenant).putCommand(tenant, command);
  }

  async listCommands(tenant: string, deviceId: string): Promise<PendingCommand[]> {
    return this.registry(tenant).commands(tenant, deviceId);
  }

  async allCommands(): Promise<Array<{ tenant: string; command: PendingCommand }>> {
    return this.registry().allCommands();
  }

  async deleteCommand(tenant: string, id: string): Promise<boolean> {
    return this.registry(tenant).deleteCommand(tenant, id);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // The worker's connections first, so that each close below is the last connection and
    // leaves a checkpointed database without a WAL file.
    await Promise.all(this.files.map((f) => checkpointer.remove(f)));
    for (const db of this.tenants.values()) db.close();
    this.tenants.clear();
  }

  private contexts(): ContextTable {
    this.assertOpen();
    this.contextTable ??= new ContextTable(this.open(DEFAULT_TENANT, true)!.db);
    return this.contextTable;
  }

  /** The registry, after checking `tenant` is a valid name (BadRequestData otherwise). */
  private registry(tenant?: string): DeviceRegistryTable {
    this.assertOpen();
    if (tenant !== undefined && tenant !== DEFAULT_TENANT) encodeTenant(tenant);
    this.registryTable ??= new DeviceRegistryTable(this.open(DEFAULT_TENANT, true)!.db);
    return this.registryTable;
  }

  /** The tenant's database; undefined if it does not exist and `create` is false. */
  private open(tenant: string, create: boolean): TenantDb | undefined {
    this.assertOpen();
    const cached = this.tenants.get(tenant);
    if (cached !== undefined) return cached;
    // Validates the name (length) even when nothing is opened, so every call rejects it alike.
    const location = this.location(tenant);
    const isDefault = tenant === DEFAULT_TENANT;
    if (this.opts.memory) {
      if (!create && !isDefault) return undefined;
    } else {
      if (!create && !isDefault && !fs.existsSync(location)) return undefined;
      fs.mkdirSync(isDefault ? this.opts.dataDir : tenantsDirectory(this.opts.dataDir), { recursive: true });
    }
    const db = openDatabase({ location, mustExist: false });
    registerSqlFunctions(db);
    if (!this.opts.memory) {
      checkpointer.add(location);
      this.files.push(location);
    }
    const tenantDb = new TenantDb(db, this.recordHistory);
    this.tenants.set(tenant, tenantDb);
    return tenantDb;
  }

  private location(tenant: string): string {
    if (tenant === DEFAULT_TENANT) return this.opts.memory ? ':memory:' : defaultDatabasePath(this.opts.dataDir);
    if (this.opts.memory) {
      encodeTenant(tenant);
      return ':memory:';
    }
    return tenantDatabasePath(this.opts.dataDir, tenant);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The SQLite store is closed');
  }
}
