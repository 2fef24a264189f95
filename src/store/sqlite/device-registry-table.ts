/**
 * The device registry (issue 5): service groups, devices and their pending commands, kept
 * in the default database and shared by all tenants (schema.ts VERSION_5), every statement
 * prepared once. An apikey belongs to one tenant, so findServiceGroup and findDevice (the
 * MQTT ingestion path) are unique-key lookups whatever the number of tenants. Nothing here
 * touches a tenant's own database: provisioning creates no entity tenant.
 */
import type Database from 'better-sqlite3';
import type { Device, PendingCommand, ServiceGroup } from '../../devices/model';
import type { DevicePage, Page } from '../port';

interface BodyRow {
  body: string;
}

interface TenantBodyRow {
  tenant: string;
  body: string;
}

/**
 * Every statement's text, by the statement it prepares (exported so that test/store checks
 * their query plans: the MQTT lookups must stay unique-key searches, the listings index
 * walks in creation order).
 */
export const REGISTRY_SQL = {
  // One statement decides and writes: a group of another tenant is left as it is (the
  // WHERE of DO UPDATE fails, no row changes), which putGroup reports as a conflict.
  upsertGroup: `INSERT INTO service_groups (tenant, apikey, body) VALUES (?, ?, ?)
    ON CONFLICT (apikey) DO UPDATE SET body = excluded.body WHERE service_groups.tenant = excluded.tenant`,
  selectGroup: 'SELECT body FROM service_groups WHERE tenant = ? AND apikey = ?',
  findGroup: 'SELECT tenant, body FROM service_groups WHERE apikey = ?',
  selectGroupPage: 'SELECT body FROM service_groups WHERE tenant = ? ORDER BY seq LIMIT ? OFFSET ?',
  selectGroupCount: 'SELECT count(*) AS n FROM service_groups WHERE tenant = ?',
  deleteGroup: 'DELETE FROM service_groups WHERE tenant = ? AND apikey = ?',

  upsertDevice: `INSERT INTO devices (tenant, device_id, apikey, body) VALUES (?, ?, ?, ?)
    ON CONFLICT (tenant, device_id) DO UPDATE SET apikey = excluded.apikey, body = excluded.body`,
  selectDevice: 'SELECT body FROM devices WHERE tenant = ? AND device_id = ?',
  // The apikey's group gives the tenant; the device is then looked up there by its key and
  // must belong to that very group (two unique-key lookups).
  findDevice: `SELECT g.tenant AS tenant, d.body AS body
    FROM service_groups g JOIN devices d ON d.tenant = g.tenant AND d.apikey = g.apikey
    WHERE g.apikey = ? AND d.device_id = ?`,
  selectDevicePage: 'SELECT body FROM devices WHERE tenant = ? ORDER BY seq LIMIT ? OFFSET ?',
  selectDeviceCount: 'SELECT count(*) AS n FROM devices WHERE tenant = ?',
  selectGroupDevicePage: 'SELECT body FROM devices WHERE apikey = ? AND tenant = ? ORDER BY seq LIMIT ? OFFSET ?',
  selectGroupDeviceCount: 'SELECT count(*) AS n FROM devices WHERE apikey = ? AND tenant = ?',
  deleteDevice: 'DELETE FROM devices WHERE tenant = ? AND device_id = ?',
  deleteDeviceCommands: 'DELETE FROM device_commands WHERE tenant = ? AND device_id = ?',

  upsertCommand: `INSERT INTO device_commands (tenant, id, device_id, body) VALUES (?, ?, ?, ?)
    ON CONFLICT (tenant, id) DO UPDATE SET device_id = excluded.device_id, body = excluded.body`,
  selectCommands: 'SELECT body FROM device_commands WHERE tenant = ? AND device_id = ? ORDER BY seq',
  selectAllCommands: 'SELECT tenant, body FROM device_commands ORDER BY seq',
  deleteCommand: 'DELETE FROM device_commands WHERE tenant = ? AND id = ?',
} as const;

export class DeviceRegistryTable {
  private readonly upsertGroup: Database.Statement<[string, string, string]>;
  private readonly selectGroup: Database.Statement<[string, string], BodyRow>;
  private readonly findGroup: Database.Statement<[string], TenantBodyRow>;
  private readonly selectGroupPage: Database.Statement<[string, number, number], BodyRow>;
  private readonly selectGroupCount: Database.Statement<[string], { n: number }>;
  private readonly deleteGroupRow: Database.Statement<[string, string]>;

  private readonly upsertDevice: Database.Statement<[string, string, string, string]>;
  private readonly selectDevice: Database.Statement<[string, string], BodyRow>;
  private readonly findDeviceRow: Database.Statement<[string, string], TenantBodyRow>;
  private readonly selectDevicePage: Database.Statement<[string, number, number], BodyRow>;
  private readonly selectDeviceCount: Database.Statement<[string], { n: number }>;
  private readonly selectGroupDevicePage: Database.Statement<[string, string, number, number], BodyRow>;
  private readonly selectGroupDeviceCount: Database.Statement<[string, string], { n: number }>;
  private readonly deleteDeviceRow: Database.Statement<[string, string]>;
  private readonly deleteDeviceCommands: Database.Statement<[string, string]>;
  private readonly deleteDeviceTxn: Database.Transaction<(tenant: string, deviceId: string) => boolean>;

  private readonly upsertCommand: Database.Statement<[string, string, string, string]>;
  private readonly selectCommands: Database.Statement<[string, string], BodyRow>;
  private readonly selectAllCommands: Database.Statement<[], TenantBodyRow>;
  private readonly deleteCommandRow: Database.Statement<[string, string]>;

  constructor(db: Database.Database) {
    this.upsertGroup = db.prepare(REGISTRY_SQL.upsertGroup);
    this.selectGroup = db.prepare(REGISTRY_SQL.selectGroup);
    this.findGroup = db.prepare(REGISTRY_SQL.findGroup);
    this.selectGroupPage = db.prepare(REGISTRY_SQL.selectGroupPage);
    this.selectGroupCount = db.prepare(REGISTRY_SQL.selectGroupCount);
    this.deleteGroupRow = db.prepare(REGISTRY_SQL.deleteGroup);

    this.upsertDevice = db.prepare(REGISTRY_SQL.upsertDevice);
    this.selectDevice = db.prepare(REGISTRY_SQL.selectDevice);
    this.findDeviceRow = db.prepare(REGISTRY_SQL.findDevice);
    this.selectDevicePage = db.prepare(REGISTRY_SQL.selectDevicePage);
    this.selectDeviceCount = db.prepare(REGISTRY_SQL.selectDeviceCount);
    this.selectGroupDevicePage = db.prepare(REGISTRY_SQL.selectGroupDevicePage);
    this.selectGroupDeviceCount = db.prepare(REGISTRY_SQL.selectGroupDeviceCount);
    this.deleteDeviceRow = db.prepare(REGISTRY_SQL.deleteDevice);
    this.deleteDeviceCommands = db.prepare(REGISTRY_SQL.deleteDeviceCommands);
    this.deleteDeviceTxn = db.transaction((tenant: string, deviceId: string): boolean => {
      this.deleteDeviceCommands.run(tenant, deviceId);
      return this.deleteDeviceRow.run(tenant, deviceId).changes > 0;
    });

    this.upsertCommand = db.prepare(REGISTRY_SQL.upsertCommand);
    this.selectCommands = db.prepare(REGISTRY_SQL.selectCommands);
    this.selectAllCommands = db.prepare(REGISTRY_SQL.selectAllCommands);
    this.deleteCommandRow = db.prepare(REGISTRY_SQL.deleteCommand);
  }

  putGroup(tenant: string, group: ServiceGroup): 'ok' | 'conflict' {
    return this.upsertGroup.run(tenant, group.apikey, JSON.stringify(group)).changes > 0 ? 'ok' : 'conflict';
  }

  getGroup(tenant: string, apikey: string): ServiceGroup | undefined {
    const row = this.selectGroup.get(tenant, apikey);
    return row === undefined ? undefined : (JSON.parse(row.body) as ServiceGroup);
  }

  findGroupOf(apikey: string): { tenant: string; group: ServiceGroup } | undefined {
    const row = this.findGroup.get(apikey);
    return row === undefined ? undefined : { tenant: row.tenant, group: JSON.parse(row.body) as ServiceGroup };
  }

  groups(tenant: string, page: Page): { groups: ServiceGroup[]; count?: number } {
    const groups = page.limit > 0 ? this.selectGroupPage.all(tenant, page.limit, page.offset).map((r) => JSON.parse(r.body) as ServiceGroup) : [];
    return page.count ? { groups, count: this.selectGroupCount.get(tenant)!.n } : { groups };
  }

  deleteGroup(tenant: string, apikey: string): boolean {
    return this.deleteGroupRow.run(tenant, apikey).changes > 0;
  }

  putDevice(tenant: string, device: Device): void {
    this.upsertDevice.run(tenant, device.deviceId, device.apikey, JSON.stringify(device));
  }

  getDevice(tenant: string, deviceId: string): Device | undefined {
    const row = this.selectDevice.get(tenant, deviceId);
    return row === undefined ? undefined : (JSON.parse(row.body) as Device);
  }

  findDevice(apikey: string, deviceId: string): { tenant: string; device: Device } | undefined {
    const row = this.findDeviceRow.get(apikey, deviceId);
    return row === undefined ? undefined : { tenant: row.tenant, device: JSON.parse(row.body) as Device };
  }

  devices(tenant: string, page: DevicePage): { devices: Device[]; count?: number } {
    const { apikey } = page;
    const rows = page.limit <= 0
      ? []
      : apikey === undefined
        ? this.selectDevicePage.all(tenant, page.limit, page.offset)
        : this.selectGroupDevicePage.all(apikey, tenant, page.limit, page.offset);
    const devices = rows.map((r) => JSON.parse(r.body) as Device);
    if (!page.count) return { devices };
    const count = apikey === undefined ? this.selectDeviceCount.get(tenant)!.n : this.selectGroupDeviceCount.get(apikey, tenant)!.n;
    return { devices, count };
  }

  /** The device and its pending commands, in one transaction. */
  deleteDevice(tenant: string, deviceId: string): boolean {
    return this.deleteDeviceTxn.immediate(tenant, deviceId);
  }

  putCommand(tenant: string, command: PendingCommand): void {
    this.upsertCommand.run(tenant, command.id, command.deviceId, JSON.stringify(command));
  }

  commands(tenant: string, deviceId: string): PendingCommand[] {
    return this.selectCommands.all(tenant, deviceId).map((r) => JSON.parse(r.body) as PendingCommand);
  }

  allCommands(): Array<{ tenant: string; command: PendingCommand }> {
    return this.selectAllCommands.all().map((r) => ({ tenant: r.tenant, command: JSON.parse(r.body) as PendingCommand }));
  }

  deleteCommand(tenant: string, id: string): boolean {
    return this.deleteCommandRow.run(tenant, id).changes > 0;
  }
}
