/**
 * Device bodies (POST /iot/devices, PUT /iot/devices/{deviceId}, iotagent-node-lib doc/api.md
 * "Device datamodel") -> DeviceInput. What a device leaves out comes from its group when the
 * broker resolves it (resolveDevice).
 */
import type { CompiledContext } from '../../ngsi/jsonld/context';
import { isUri } from '../../ngsi/uri';
import type { DeviceInput } from '../provisioning';
import {
  AGENT_ONLY, apikey, array, checkMembers, checkTransport, deviceId, entityType, fail, join, object, payloadFormat, type MemberRule,
} from './fields';
import { checkLazy, checkMappings, parseAttributeMappings, parseCommands, parseCredentials, parseStaticAttributes } from './mappings';

export const MAX_DEVICES = 1000;

const DEVICE_RULES: Readonly<Record<string, MemberRule>> = {
  ...AGENT_ONLY,
  device_id: 'accept', apikey: 'accept', entity_name: 'accept', entity_type: 'accept',
  attributes: 'accept', static_attributes: 'accept', commands: 'accept',
  payload: 'accept', protocol: 'accept', credentials: 'accept', transport: 'accept', lazy: 'accept',
  explicitAttrs: { unsupported: 'set explicitAttrs on the service group' },
  // observedAt is an absolute instant; a timezone changes nothing in the twin.
  timezone: 'ignore',
  // Read-only members of a rendered device, so a GET body can be sent back.
  autoprovisioned: 'ignore', createdAt: 'ignore', modifiedAt: 'ignore',
};

const DEVICE_UPDATE_RULES: Readonly<Record<string, MemberRule>> = {
  ...DEVICE_RULES,
  device_id: { unsupported: "a device's device_id cannot change (it is its MQTT identity)" },
  apikey: { unsupported: "a device's apikey cannot change (it is its MQTT identity)" },
};

type DeviceMembers = Partial<DeviceInput>;

function deviceMembers(path: string, obj: Record<string, unknown>, ctx: CompiledContext, rules: Readonly<Record<string, MemberRule>>): DeviceMembers {
  checkMembers(path, obj, rules);
  const d: DeviceMembers = {};
  if (obj.device_id !== undefined) d.deviceId = deviceId(join(path, 'device_id'), obj.device_id);
  if (obj.apikey !== undefined) d.apikey = apikey(join(path, 'apikey'), obj.apikey);
  if (obj.entity_name !== undefined) {
    // clause 4.5.1: an entity id is a URI
    if (typeof obj.entity_name !== 'string' || !isUri(obj.entity_name)) throw fail(join(path, 'entity_name'), 'must be a URI (such as urn:ngsi-ld:Thermometer:001)');
    d.entityId = obj.entity_name;
  }
  if (obj.entity_type !== undefined) d.entityType = entityType(join(path, 'entity_type'), obj.entity_type, ctx);
  if (obj.attributes !== undefined) d.attributes = parseAttributeMappings(join(path, 'attributes'), obj.attributes, ctx);
  if (obj.static_attributes !== undefined) d.staticAttributes = parseStaticAttributes(join(path, 'static_attributes'), obj.static_attributes, ctx);
  if (obj.commands !== undefined) d.commands = parseCommands(join(path, 'commands'), obj.commands, ctx);
  const payload = payloadFormat(path, obj);
  if (payload !== undefined) d.payload = payload;
  if (obj.credentials !== undefined) d.credentials = parseCredentials(join(path, 'credentials'), obj.credentials);
  checkTransport(join(path, 'transport'), obj.transport);
  if (obj.lazy !== undefined) checkLazy(join(path, 'lazy'), obj.lazy);
  checkMappings(path, d.attributes ?? [], d.staticAttributes ?? [], d.commands ?? []);
  return d;
}

export function parseDevices(body: unknown, ctx: CompiledContext): DeviceInput[] {
  const b = object('body', body);
  checkMembers('', b, { devices: 'accept' });
  if (b.devices === undefined) throw fail('devices', 'required');
  const seen = new Map<string, number>();
  return array('devices', b.devices, 1, MAX_DEVICES).map((raw, i): DeviceInput => {
    const path = `devices[${i}]`;
    const d = deviceMembers(path, object(path, raw), ctx, DEVICE_RULES);
    if (d.deviceId === undefined) throw fail(join(path, 'device_id'), 'required');
    // The IoT Agents fall back to a group by entity type; Weft requires the apikey so that the
    // device's MQTT identity (<apikey>/<deviceId>) is explicit. The broker checks the group exists.
    if (d.apikey === undefined) throw fail(join(path, 'apikey'), 'required');
    const prior = seen.get(d.deviceId);
    if (prior !== undefined) throw fail(join(path, 'device_id'), `'${d.deviceId}' is also the device_id of devices[${prior}]`);
    seen.set(d.deviceId, i);
    const device: DeviceInput = {
      deviceId: d.deviceId,
      apikey: d.apikey,
      attributes: d.attributes ?? [],
      staticAttributes: d.staticAttributes ?? [],
      commands: d.commands ?? [],
      credentials: d.credentials ?? {},
    };
    if (d.entityId !== undefined) device.entityId = d.entityId;
    if (d.entityType !== undefined) device.entityType = d.entityType;
    if (d.payload !== undefined) device.payload = d.payload;
    return device;
  });
}

/**
 * Each member given replaces the device's. entity_name and entity_type parse here, but the
 * broker refuses to change them (as the IoT Agents do): a device keeps its twin.
 */
export function parseDeviceUpdate(body: unknown, ctx: CompiledContext): Partial<Omit<DeviceInput, 'deviceId' | 'apikey'>> {
  const d = deviceMembers('', object('body', body), ctx, DEVICE_UPDATE_RULES);
  if (Object.keys(d).length === 0) throw fail('body', 'names no member to update');
  return d;
}
