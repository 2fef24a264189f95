/**
 * Device provisioning use cases (issue 5): service groups and devices of a tenant, and the
 * twin each device keeps in sync. Managing the registry is the `admin` action on the
 * `devices` resource; creating or linking the twin is an entity write checked like any
 * other (the caller needs create / update on the twin's type).
 *
 * The device side (MQTT ingestion, commands) is in device-channel.ts; it learns about
 * registry changes through `onChange` so its caches never serve a deleted device.
 */
import { compileMapping } from '../devices/mapping';
import type { DeviceInput } from '../devices/provisioning';
import { checkMappings, checkServiceGroup, parseDevices, parseDeviceUpdate, parseServiceGroups, parseServiceGroupUpdate, resolveDevice } from '../devices/provisioning';
import type { Device, ServiceGroup } from '../devices/model';
import { missingAttributes, newTwin, twinAttributes } from '../devices/twin';
import type { Attribute, Entity, Iri } from '../ngsi/entity';
import { NgsiError } from '../ngsi/errors';
import { appendAttributes } from '../ngsi/merge';
import { toDeviceCredentials } from '../security/devices';
import type { Page } from '../store/port';
import { commit, type BrokerDeps } from './deps';
import type { RequestScope } from './scope';

/** What changed in the registry: a whole group (and so maybe its devices), or one device. */
export type RegistryChange = { tenant: string; apikey: string; deviceId?: string; device?: Device; removed: boolean };

export interface DeviceServiceDeps extends BrokerDeps {
  /** Told after every registry write (device-channel.ts caches, the command index). */
  onRegistryChange?: (change: RegistryChange) => void;
}

/** What happens to a deleted device's twin: kept (default: its data and history stay) or deleted. */
export type TwinOnDelete = 'keep' | 'delete';

export class DeviceService {
  constructor(private readonly deps: DeviceServiceDeps) {}

  // ---- service groups ------------------------------------------------------------------

  async createServiceGroups(scope: RequestScope, body: unknown): Promise<string[]> {
    this.guard(scope);
    const inputs = parseServiceGroups(body, scope.context, this.deps.now());
    assertUnique(inputs.map((g) => g.apikey), 'apikey');
    const groups: ServiceGroup[] = [];
    for (const [i, input] of inputs.entries()) {
      if ((await this.deps.store.findServiceGroup(input.apikey)) !== undefined) {
        throw new NgsiError('AlreadyExists', `A service group with apikey '${input.apikey}' already exists`);
      }
      groups.push({ ...input, credentials: await toDeviceCredentials(input.credentials, `services[${i}].credentials`) });
    }
    for (const group of groups) {
      // Two requests racing for one apikey: the store keeps it unique across tenants.
      if ((await this.deps.store.putServiceGroup(scope.tenant, group)) === 'conflict') {
        throw new NgsiError('AlreadyExists', `A service group with apikey '${group.apikey}' already exists`);
      }
      this.changed(scope, 'create', { tenant: scope.tenant, apikey: group.apikey, removed: false });
    }
    return groups.map((g) => g.apikey);
  }

  async listServiceGroups(scope: RequestScope, page: Page): Promise<{ groups: ServiceGroup[]; count?: number }> {
    this.guard(scope);
    this.checkLimit(page);
    return this.deps.store.listServiceGroups(scope.tenant, page);
  }

  async getServiceGroup(scope: RequestScope, apikey: string): Promise<ServiceGroup> {
    this.guard(scope);
    return this.group(scope, apikey);
  }

  async updateServiceGroup(scope: RequestScope, apikey: string, body: unknown): Promise<void> {
    this.guard(scope);
    const patch = parseServiceGroupUpdate(body, scope.context);
    const current = await this.group(scope, apikey);
    const { credentials: input, ...rest } = patch;
    const next: ServiceGroup = { ...current, ...rest, apikey, createdAt: current.createdAt, modifiedAt: this.deps.now() };
    if (input !== undefined) next.credentials = await toDeviceCredentials(input, 'credentials');
    // What the body alone could not show: the merged lists and credentials still agree.
    checkServiceGroup(next);
    await this.deps.store.putServiceGroup(scope.tenant, next);
    this.changed(scope, 'update', { tenant: scope.tenant, apikey, removed: false });
  }

  /** A group with devices is not deleted (409): their MQTT topics would stop resolving. */
  async deleteServiceGroup(scope: RequestScope, apikey: string): Promise<void> {
    this.guard(scope);
    await this.group(scope, apikey);
    const devices = await this.deps.store.listDevices(scope.tenant, { apikey, limit: 1, offset: 0, count: true });
    if ((devices.count ?? 0) > 0) {
      throw new NgsiError('Conflict', `The service group '${apikey}' still has ${devices.count} device(s); delete them first`);
    }
    await this.deps.store.deleteServiceGroup(scope.tenant, apikey);
    this.changed(scope, 'delete', { tenant: scope.tenant, apikey, removed: true });
  }

  // ---- devices -------------------------------------------------------------------------

  /** Provisions devices and creates (or links) their twins; validates every device first. */
  async createDevices(scope: RequestScope, body: unknown): Promise<string[]> {
    this.guard(scope);
    const inputs = parseDevices(body, scope.context);
    assertUnique(inputs.map((d) => d.deviceId), 'device_id');
    const devices: Array<{ device: Device; group: ServiceGroup }> = [];
    for (const [i, input] of inputs.entries()) {
      const group = await this.groupOf(scope, input, i);
      if ((await this.deps.store.getDevice(scope.tenant, input.deviceId)) !== undefined) {
        throw new NgsiError('AlreadyExists', `A device with id '${input.deviceId}' already exists`);
      }
      const device = resolveDevice(input, group, await toDeviceCredentials(input.credentials, `devices[${i}].credentials`), this.deps.now(), false);
      devices.push({ device, group });
    }
    for (const { device, group } of devices) await this.provision(scope, device, group, 'create');
    return devices.map((d) => d.device.deviceId);
  }

  /**
   * Writes the twin, then the registry entry (a failed twin write leaves no device behind).
   * Also the path of autoprovisioning (device-channel.ts), with the device's own scope.
   */
  async provision(scope: RequestScope, device: Device, group: ServiceGroup, action: 'create' | 'update'): Promise<void> {
    // The group's static attributes and commands too, under the device's own.
    const wanted = twinAttributes(compileMapping(group, device));
    await commit(this.deps, scope, [device.entityId], (current) => {
      const existing = current.get(device.entityId);
      const now = this.deps.now();
      if (existing === undefined) return { writes: [{ op: 'put', entity: newTwin(device.entityId, device.entityType, wanted, now) }], result: undefined };
      const missing = missingAttributes(existing, wanted);
      if (Object.keys(missing).length === 0 && existing.type.includes(device.entityType)) return { writes: [], result: undefined };
      return { writes: [{ op: 'put', entity: linked(existing, device.entityType, missing, now), previous: existing }], result: undefined };
    });
    await this.deps.store.putDevice(scope.tenant, device);
    this.changed(scope, action, { tenant: scope.tenant, apikey: device.apikey, deviceId: device.deviceId, device, removed: false });
  }

  async listDevices(scope: RequestScope, page: Page & { apikey?: string }): Promise<{ devices: Device[]; count?: number }> {
    this.guard(scope);
    this.checkLimit(page);
    return this.deps.store.listDevices(scope.tenant, page);
  }

  async getDevice(scope: RequestScope, deviceId: string): Promise<Device> {
    this.guard(scope);
    return this.device(scope, deviceId);
  }

  /**
   * The members given replace the device's. New static attributes and commands are added
   * to the twin; attributes the twin already has are left as they are.
   */
  async updateDevice(scope: RequestScope, deviceId: string, body: unknown): Promise<void> {
    this.guard(scope);
    const patch = parseDeviceUpdate(body, scope.context);
    const current = await this.device(scope, deviceId);
    const { credentials: input, ...rest } = patch;
    const next: Device = { ...current, ...definedOnly(rest), deviceId, apikey: current.apikey, modifiedAt: this.deps.now() };
    if (next.entityId !== current.entityId || next.entityType !== current.entityType) {
      throw new NgsiError('BadRequestData', 'entity_name and entity_type cannot change; delete the device and provision it again');
    }
    checkMappings('', next.attributes, next.staticAttributes, next.commands);
    if (input !== undefined) next.credentials = await toDeviceCredentials(input, 'credentials');
    await this.provision(scope, next, await this.group(scope, current.apikey), 'update');
  }

  async deleteDevice(scope: RequestScope, deviceId: string, twin: TwinOnDelete): Promise<void> {
    this.guard(scope);
    const device = await this.device(scope, deviceId);
    if (twin === 'delete') {
      await commit(this.deps, scope, [device.entityId], (current) => {
        const previous = current.get(device.entityId);
        return { writes: previous === undefined ? [] : [{ op: 'delete', id: device.entityId, previous }], result: undefined };
      });
    }
    await this.deps.store.deleteDevice(scope.tenant, deviceId);
    this.changed(scope, 'delete', { tenant: scope.tenant, apikey: device.apikey, deviceId, device, removed: true });
  }

  // ---- helpers -------------------------------------------------------------------------

  /** For what the gateway reports about itself (counters): the same right as provisioning. */
  authorize(scope: RequestScope): void {
    this.guard(scope);
  }

  private guard(scope: RequestScope): void {
    this.deps.access.reach(scope);
    this.deps.access.resource(scope, 'admin', 'devices');
  }

  private checkLimit(page: Page): void {
    if (page.limit > this.deps.limits.maxLimit) throw new NgsiError('TooManyResults', `limit ${page.limit} exceeds the maximum of ${this.deps.limits.maxLimit}`);
  }

  private async group(scope: RequestScope, apikey: string): Promise<ServiceGroup> {
    const group = await this.deps.store.getServiceGroup(scope.tenant, apikey);
    if (group === undefined) throw new NgsiError('ResourceNotFound', `No service group with apikey '${apikey}'`);
    return group;
  }

  private async groupOf(scope: RequestScope, input: DeviceInput, i: number): Promise<ServiceGroup> {
    const group = await this.deps.store.getServiceGroup(scope.tenant, input.apikey);
    if (group === undefined) throw new NgsiError('BadRequestData', `devices[${i}].apikey: no service group with apikey '${input.apikey}' in this tenant`);
    return group;
  }

  private async device(scope: RequestScope, deviceId: string): Promise<Device> {
    const device = await this.deps.store.getDevice(scope.tenant, deviceId);
    if (device === undefined) throw new NgsiError('ResourceNotFound', `No device with id '${deviceId}'`);
    return device;
  }

  private changed(scope: RequestScope, action: string, change: RegistryChange): void {
    this.deps.access.recordWrite(scope, `device:${action}`, change.deviceId ?? `apikey:${change.apikey}`);
    this.deps.onRegistryChange?.(change);
  }
}

/** An existing entity becomes the device's twin: it gains the type and the attributes it lacks. */
function linked(existing: Entity, type: Iri, missing: Record<Iri, Attribute[]>, now: string): Entity {
  const { entity } = appendAttributes(existing, missing, { noOverwrite: true, now });
  if (!entity.type.includes(type)) entity.type = [...entity.type, type];
  return entity;
}

function assertUnique(values: string[], member: string): void {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) throw new NgsiError('BadRequestData', `${member} '${v}' appears twice in the request`);
    seen.add(v);
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
