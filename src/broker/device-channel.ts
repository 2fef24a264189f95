/**
 * The device side of the gateway (issue 5), whatever the transport (MQTT today, LwM2M
 * later): who a device is, its measures into its twin, its command results onto its twin.
 *
 * A device acts with its own principal (subject: its twin's id, role `device`) through the
 * device channel (RequestScope.channel), so the policy's `device` action and `${sub}` id
 * rule decide what it may write: its own twin, nothing else (issue 4).
 *
 * Hot path: a measure costs one cache lookup, the pure mapping (devices/mapping.ts) and one
 * store transaction; no JSON-LD work, no registry read once the device is cached.
 */
import { randomUUID } from 'node:crypto';
import { compileMapping, toAttributes, type CompiledMapping } from '../devices/mapping';
import type { Device, PayloadFormat, ServiceGroup } from '../devices/model';
import { decodeCommandResults, decodeMeasures, type MeasureBatch } from '../devices/payload';
import { resolveDevice } from '../devices/provisioning';
import { commandReport, newTwin, twinAttributes } from '../devices/twin';
import type { Attribute, Iri } from '../ngsi/entity';
import type { CompiledContext } from '../ngsi/jsonld/context';
import { DEFAULT_VOCAB } from '../ngsi/jsonld';
import { appendAttributes } from '../ngsi/merge';
import { authenticateDevice, DeviceAuthError, type DeviceTokenExpectation } from '../security/devices';
import { commit } from './deps';
import type { DeviceService, DeviceServiceDeps, RegistryChange } from './devices';
import type { Principal, RequestScope } from './scope';

/** A device as the channel uses it: resolved once, then cached until the registry changes. */
export interface KnownDevice {
  tenant: string;
  device: Device;
  group: ServiceGroup;
  mapping: CompiledMapping;
  principal: Principal;
}

export interface DeviceChannelSettings {
  /** `aud` of device tokens, and their longest lifetime (exp - iat). */
  tokenAudience: string;
  tokenMaxLifetimeSec: number;
  clockToleranceSec: number;
  /** False with --auth=false: devices without credentials are let in. */
  requireCredentials: boolean;
  /** Context for names in error texts (the core context). */
  context: CompiledContext;
}

/** What one message did, for counters and logs. */
export interface IngestOutcome {
  updates: number;
  measures: number;
  rejected: Array<{ key: string; reason: string }>;
}

export class DeviceChannel {
  private readonly known = new Map<string, Promise<KnownDevice | undefined>>();
  /** tenant + twin id -> its device: which entity changes may be commands. */
  private readonly twins = new Map<string, { apikey: string; deviceId: string }>();

  constructor(
    private readonly deps: DeviceServiceDeps,
    private readonly registry: DeviceService,
    private readonly settings: DeviceChannelSettings,
  ) {}

  /** Loads the twin index; call once before the transport delivers messages. */
  async start(): Promise<void> {
    for (const tenant of new Set(['', ...(await this.deps.store.listTenants())])) {
      for (let offset = 0; ; offset += 1000) {
        const { devices } = await this.deps.store.listDevices(tenant, { limit: 1000, offset, count: false });
        for (const d of devices) this.twins.set(twinKey(tenant, d.entityId), { apikey: d.apikey, deviceId: d.deviceId });
        if (devices.length < 1000) break;
      }
    }
  }

  /** Registry writes (DeviceService.onRegistryChange) invalidate what was cached. */
  registryChanged(change: RegistryChange): void {
    if (change.deviceId === undefined) {
      const prefix = `${change.apikey}\u0000`;
      for (const key of this.known.keys()) if (key.startsWith(prefix)) this.known.delete(key);
      return;
    }
    this.known.delete(deviceKey(change.apikey, change.deviceId));
    if (change.device !== undefined) {
      const key = twinKey(change.tenant, change.device.entityId);
      if (change.removed) this.twins.delete(key);
      else this.twins.set(key, { apikey: change.apikey, deviceId: change.deviceId });
    }
  }

  /** The device whose twin is `entityId`, if any (commands). */
  twinDevice(tenant: string, entityId: string): { apikey: string; deviceId: string } | undefined {
    return this.twins.get(twinKey(tenant, entityId));
  }

  /** The provisioned device, or undefined. */
  lookup(apikey: string, deviceId: string): Promise<KnownDevice | undefined> {
    const key = deviceKey(apikey, deviceId);
    let found = this.known.get(key);
    if (found === undefined) {
      found = this.resolve(apikey, deviceId);
      this.known.set(key, found);
      // A failed read must not stay cached.
      found.catch(() => this.known.delete(key));
    }
    return found;
  }

  /**
   * CONNECT: resolves when `secret` (a password or a device-signed token) proves the client
   * is the device, or the group's credentials when the device may autoprovision. Throws
   * DeviceAuthError otherwise. Never reveals which part was wrong to the device.
   */
  async authenticate(apikey: string, deviceId: string, secret: string | undefined): Promise<void> {
    const known = await this.lookup(apikey, deviceId);
    let credentials;
    if (known !== undefined) {
      credentials = hasCredentials(known.device.credentials) ? known.device.credentials : known.group.credentials;
    } else {
      const found = await this.deps.store.findServiceGroup(apikey);
      if (found === undefined || !found.group.autoprovision) throw new DeviceAuthError('no_credentials');
      credentials = found.group.credentials;
    }
    if (!hasCredentials(credentials)) {
      if (this.settings.requireCredentials) throw new DeviceAuthError('no_credentials');
      return;
    }
    if (secret === undefined || secret === '') throw new DeviceAuthError('no_credentials');
    await authenticateDevice(credentials, secret, this.expectation(deviceId));
  }

  /**
   * Measures from `/{apikey}/{deviceId}/attrs[/key]`. Throws DevicePayloadError for a bad
   * payload (nothing written), DeviceAuthError('no_credentials') for an unknown device
   * whose group does not autoprovision.
   */
  async ingest(apikey: string, deviceId: string, payload: Buffer, topicFormat: PayloadFormat | undefined, key: string | undefined): Promise<IngestOutcome> {
    let known = await this.lookup(apikey, deviceId);
    const format = topicFormat ?? known?.device.payload ?? (await this.deps.store.findServiceGroup(apikey))?.group.payload ?? 'json';
    // Decoded before autoprovisioning: a malformed first message creates nothing.
    const batches = decodeMeasures(payload, format, key);
    known ??= await this.autoprovision(apikey, deviceId);
    const outcome: IngestOutcome = { updates: 0, measures: 0, rejected: [] };
    for (const batch of batches) await this.apply(known, batch, outcome);
    return outcome;
  }

  /** The device's replies on `/cmdexe`: each answered command's status and result onto the twin. */
  async commandResults(apikey: string, deviceId: string, payload: Buffer, topicFormat: PayloadFormat | undefined): Promise<Array<{ command: Iri; failed: boolean }>> {
    const known = await this.lookup(apikey, deviceId);
    if (known === undefined) throw new DeviceAuthError('no_credentials');
    const out: Array<{ command: Iri; failed: boolean }> = [];
    for (const r of decodeCommandResults(payload, topicFormat ?? known.device.payload, deviceId)) {
      const command = known.mapping.commands.get(r.command);
      if (command === undefined) continue;
      await this.report(known, command.name, r.failed ? 'ERROR' : 'OK', r.result);
      out.push({ command: command.name, failed: r.failed });
    }
    return out;
  }

  /** Writes a command's status (and info) onto the twin, as the device. */
  async report(known: KnownDevice, command: Iri, status: Parameters<typeof commandReport>[1], info?: unknown): Promise<void> {
    const attrs = commandReport(command, status, this.deps.now(), info);
    await this.write(known, attrs);
  }

  private async apply(known: KnownDevice, batch: MeasureBatch, outcome: IngestOutcome): Promise<void> {
    // Keys the mapping does not name are stored under the NGSI-LD default vocabulary (group rule 'store').
    const { attrs, rejected } = toAttributes(batch, known.mapping, { defaultVocab: DEFAULT_VOCAB });
    outcome.rejected.push(...rejected);
    const n = Object.keys(attrs).length;
    if (n === 0) return;
    await this.write(known, attrs);
    outcome.updates += 1;
    outcome.measures += n;
  }

  /** One transaction on the twin; a twin deleted meanwhile is created again with the device's static attributes. */
  private async write(known: KnownDevice, attrs: Record<Iri, Attribute>): Promise<void> {
    const { device } = known;
    const instances: Record<Iri, Attribute[]> = {};
    for (const [name, a] of Object.entries(attrs)) instances[name] = [a];
    await commit(this.deps, this.scopeOf(known), [device.entityId], (current) => {
      const now = this.deps.now();
      const previous = current.get(device.entityId);
      if (previous === undefined) {
        const twin = newTwin(device.entityId, device.entityType, { ...twinAttributes(known.mapping), ...attrs }, now);
        return { writes: [{ op: 'put', entity: twin }], result: undefined };
      }
      const { entity } = appendAttributes(previous, instances, { noOverwrite: false, now });
      return { writes: [{ op: 'put', entity, previous }], result: undefined };
    });
  }

  private async autoprovision(apikey: string, deviceId: string): Promise<KnownDevice> {
    const found = await this.deps.store.findServiceGroup(apikey);
    if (found === undefined || !found.group.autoprovision) throw new DeviceAuthError('no_credentials');
    const now = this.deps.now();
    const device = resolveDevice(
      { deviceId, apikey, attributes: [], staticAttributes: [], commands: [], credentials: {} },
      found.group,
      {},
      now,
      true,
    );
    const principal = devicePrincipal(device);
    const scope: RequestScope = { tenant: found.tenant, principal, context: this.settings.context, requestId: randomUUID(), channel: 'device' };
    await this.registry.provision(scope, device, found.group, 'create');
    const known = await this.lookup(apikey, deviceId);
    if (known === undefined) throw new Error(`device ${apikey}/${deviceId}: provisioned but not found`);
    return known;
  }

  private async resolve(apikey: string, deviceId: string): Promise<KnownDevice | undefined> {
    const found = await this.deps.store.findDevice(apikey, deviceId);
    if (found === undefined) return undefined;
    const group = await this.deps.store.getServiceGroup(found.tenant, apikey);
    if (group === undefined) return undefined;
    return { tenant: found.tenant, device: found.device, group, mapping: compileMapping(group, found.device), principal: devicePrincipal(found.device) };
  }

  private scopeOf(known: KnownDevice): RequestScope {
    return { tenant: known.tenant, principal: known.principal, context: this.settings.context, requestId: randomUUID(), channel: 'device' };
  }

  private expectation(deviceId: string): DeviceTokenExpectation {
    return {
      deviceId,
      audience: this.settings.tokenAudience,
      maxLifetimeSec: this.settings.tokenMaxLifetimeSec,
      clockToleranceSec: this.settings.clockToleranceSec,
    };
  }
}

/** The policy's view of a device: its twin is its subject (policy/default.yaml, role `device`). */
export function devicePrincipal(device: Device): Principal {
  return Object.freeze({ subject: device.entityId, roles: Object.freeze(['device']) });
}

const deviceKey = (apikey: string, deviceId: string): string => `${apikey}\u0000${deviceId}`;
const twinKey = (tenant: string, entityId: string): string => `${tenant}\u0000${entityId}`;

function hasCredentials(c: Device['credentials']): boolean {
  return c.passwordHash !== undefined || (c.publicKeys !== undefined && c.publicKeys.length > 0);
}
