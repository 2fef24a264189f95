/**
 * The provisioning API's bodies (issue 5): IoT Agent-shaped service groups and devices
 * (iotagent-node-lib doc/api.md, /iot/services and /iot/devices, snake_case members as the
 * IoT Agents name them) in, the registry model (./model.ts) out, every name expanded with
 * the request's @context; and back again for responses.
 *
 * Pure: no I/O, no clock (`now` is a parameter). Passwords come out as given: the broker
 * hashes them and verifies public keys (security/devices). Every error is BadRequestData
 * with a detail `<path>: <what is wrong>`, e.g. `devices[2].attributes[0].type: ...`.
 *
 * Member by member (anything else is rejected, naming the member, so typos are caught):
 *  - accepted: apikey, entity_type, attributes, static_attributes, commands, autoprovision,
 *    explicitAttrs (boolean only), credentials, payload ('json' | 'ul') or the IoT Agent
 *    protocol ('IoTA-JSON', 'PDI-IoTA-JSON', 'IoTA-UL', 'PDI-IoTA-UltraLight'), transport
 *    ('MQTT' only), lazy (empty only: Weft has no lazy attributes); devices: device_id,
 *    apikey, entity_name, entity_type and the same lists.
 *  - ignored: resource, cbroker, cbHost, timezone (IoT Agent plumbing with no meaning inside
 *    the broker) and the read-only members Weft renders (createdAt, modifiedAt, autoprovisioned).
 *  - rejected with the reason: timestamp, trust, expressions (entityNameExp, expression, ...),
 *    internal_attributes, ngsiVersion, payloadType, endpoint, service/subservice/service_path
 *    (the tenant is a header), multi-entity attribute members (see ./provisioning/fields.ts).
 * Implementation: ./provisioning/{fields,mappings,group,device,render}.ts.
 */
import type { Iri } from '../ngsi/entity';
import { isUri } from '../ngsi/uri';
import type {
  AttributeMapping, CommandDeclaration, Device, DeviceCredentials, PayloadFormat, ServiceGroup, StaticAttribute,
} from './model';
import { fail } from './provisioning/fields';
import { checkMappings } from './provisioning/mappings';

/**
 * Credentials as a client gives them, validated only structurally (password: 8 to 256
 * characters; publicKeys: JSON objects); the broker hashes and verifies.
 */
export interface CredentialsInput { password?: string; publicKeys?: unknown[] }

export type ServiceGroupInput = Omit<ServiceGroup, 'credentials'> & { credentials: CredentialsInput };

export interface DeviceInput {
  deviceId: string;
  apikey: string;
  /** Absent: from the group (resolveDevice). */
  entityId?: string;
  entityType?: Iri;
  payload?: PayloadFormat;
  attributes: AttributeMapping[];
  staticAttributes: StaticAttribute[];
  commands: CommandDeclaration[];
  credentials: CredentialsInput;
}

export { parseServiceGroups, parseServiceGroupUpdate, checkServiceGroup, MAX_GROUPS } from './provisioning/group';
export { parseDevices, parseDeviceUpdate, MAX_DEVICES } from './provisioning/device';
export { renderServiceGroup, renderDevice } from './provisioning/render';
export { checkMappings, MAX_LIST } from './provisioning/mappings';

/**
 * A device's full model from its input and its group (defaults), pure. The device keeps only
 * its own mappings: the group's apply at ingestion, the device's winning per objectId.
 * Default entity id: `urn:ngsi-ld:<type's local name>:<deviceId>`, the IoT Agents' NGSI-LD
 * default (they use the type as written, which is the local name of its IRI).
 */
export function resolveDevice(input: DeviceInput, group: ServiceGroup, credentials: DeviceCredentials, now: string, autoprovisioned: boolean): Device {
  if (input.apikey !== group.apikey) throw fail('apikey', `'${input.apikey}' is not the apikey of the group given ('${group.apikey}')`);
  // Re-checked because the broker may have merged an update into stored lists.
  checkMappings('', input.attributes, input.staticAttributes, input.commands);
  const entityType = input.entityType ?? group.entityType;
  return {
    deviceId: input.deviceId,
    apikey: input.apikey,
    entityId: input.entityId ?? defaultEntityId(entityType, input.deviceId),
    entityType,
    payload: input.payload ?? group.payload,
    attributes: input.attributes,
    staticAttributes: input.staticAttributes,
    commands: input.commands,
    credentials,
    autoprovisioned,
    createdAt: now,
    modifiedAt: now,
  };
}

function defaultEntityId(type: Iri, deviceId: string): string {
  const local = type.slice(Math.max(type.lastIndexOf('/'), type.lastIndexOf('#'), type.lastIndexOf(':')) + 1);
  const id = `urn:ngsi-ld:${local}:${deviceId}`;
  if (local === '' || !isUri(id)) throw fail('entity_name', `required: no default entity id can be made from the type '${type}'`);
  return id;
}
