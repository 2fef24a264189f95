/**
 * Service group bodies (IoT Agent config groups: POST and PUT /iot/services, iotagent-node-lib
 * doc/api.md "Config group datamodel") -> ServiceGroupInput.
 */
import type { CompiledContext } from '../../ngsi/jsonld/context';
import type { ServiceGroup, UnknownKeys } from '../model';
import type { CredentialsInput, ServiceGroupInput } from '../provisioning';
import {
  AGENT_ONLY, apikey, array, boolean, checkMembers, checkTransport, entityType, fail, join, object, payloadFormat, type MemberRule,
} from './fields';
import { checkLazy, checkMappings, parseAttributeMappings, parseCommands, parseCredentials, parseStaticAttributes } from './mappings';

export const MAX_GROUPS = 100;

const GROUP_RULES: Readonly<Record<string, MemberRule>> = {
  ...AGENT_ONLY,
  apikey: 'accept', entity_type: 'accept', attributes: 'accept', static_attributes: 'accept', commands: 'accept',
  autoprovision: 'accept', explicitAttrs: 'accept', payload: 'accept', protocol: 'accept', credentials: 'accept',
  transport: 'accept', lazy: 'accept',
  // The IoT Agents' HTTP southbound path: Weft's devices publish on MQTT topics named by the apikey alone.
  resource: 'ignore',
  // Where a separate agent sends measures: Weft is that broker.
  cbroker: 'ignore', cbHost: 'ignore',
  // observedAt is an absolute instant; a timezone changes nothing in the twin.
  timezone: 'ignore',
  // Read-only members of a rendered group, so a GET body can be sent back.
  createdAt: 'ignore', modifiedAt: 'ignore',
};

const GROUP_UPDATE_RULES: Readonly<Record<string, MemberRule>> = {
  ...GROUP_RULES,
  apikey: { unsupported: 'the apikey of a group cannot change (devices authenticate and publish with it)' },
};

/** The members present in `obj`, parsed; defaults and required members are the caller's. */
function groupMembers(path: string, obj: Record<string, unknown>, ctx: CompiledContext, rules: Readonly<Record<string, MemberRule>>): Partial<ServiceGroupInput> {
  checkMembers(path, obj, rules);
  const g: Partial<ServiceGroupInput> = {};
  if (obj.apikey !== undefined) g.apikey = apikey(join(path, 'apikey'), obj.apikey);
  if (obj.entity_type !== undefined) g.entityType = entityType(join(path, 'entity_type'), obj.entity_type, ctx);
  if (obj.attributes !== undefined) g.attributes = parseAttributeMappings(join(path, 'attributes'), obj.attributes, ctx);
  if (obj.static_attributes !== undefined) g.staticAttributes = parseStaticAttributes(join(path, 'static_attributes'), obj.static_attributes, ctx);
  if (obj.commands !== undefined) g.commands = parseCommands(join(path, 'commands'), obj.commands, ctx);
  const payload = payloadFormat(path, obj);
  if (payload !== undefined) g.payload = payload;
  if (obj.autoprovision !== undefined) g.autoprovision = boolean(join(path, 'autoprovision'), obj.autoprovision);
  if (obj.explicitAttrs !== undefined) g.unknownKeys = unknownKeys(join(path, 'explicitAttrs'), obj.explicitAttrs);
  if (obj.credentials !== undefined) g.credentials = parseCredentials(join(path, 'credentials'), obj.credentials);
  checkTransport(join(path, 'transport'), obj.transport);
  if (obj.lazy !== undefined) checkLazy(join(path, 'lazy'), obj.lazy);
  checkMappings(path, g.attributes ?? [], g.staticAttributes ?? [], g.commands ?? []);
  if (g.autoprovision === true && g.credentials !== undefined) checkAutoprovision(path, g.credentials);
  return g;
}

// IoT Agent explicitAttrs: true keeps only the mapped measures. Its JEXL-string and list
// forms select measures by expression, which Weft does not evaluate.
function unknownKeys(path: string, v: unknown): UnknownKeys {
  if (typeof v !== 'boolean') throw fail(path, 'must be true or false (IoT Agent expressions are not evaluated)');
  return v ? 'ignore' : 'store';
}

/** An unprovisioned device can only prove itself with the group's credentials: without any, autoprovision would admit anyone knowing the apikey. */
function checkAutoprovision(path: string, credentials: CredentialsInput): void {
  if (credentials.password === undefined && (credentials.publicKeys === undefined || credentials.publicKeys.length === 0)) {
    throw fail(join(path, 'autoprovision'), 'needs group credentials (a password or publicKeys) for unprovisioned devices to authenticate with');
  }
}

export function parseServiceGroups(body: unknown, ctx: CompiledContext, now: string): ServiceGroupInput[] {
  const b = object('body', body);
  checkMembers('', b, { services: 'accept' });
  if (b.services === undefined) throw fail('services', 'required');
  const seen = new Map<string, number>();
  return array('services', b.services, 1, MAX_GROUPS).map((raw, i): ServiceGroupInput => {
    const path = `services[${i}]`;
    const g = groupMembers(path, object(path, raw), ctx, GROUP_RULES);
    if (g.apikey === undefined) throw fail(join(path, 'apikey'), 'required');
    if (g.entityType === undefined) throw fail(join(path, 'entity_type'), 'required');
    const prior = seen.get(g.apikey);
    if (prior !== undefined) throw fail(join(path, 'apikey'), `'${g.apikey}' is also the apikey of services[${prior}]`);
    seen.set(g.apikey, i);
    const group: ServiceGroupInput = {
      apikey: g.apikey,
      entityType: g.entityType,
      attributes: g.attributes ?? [],
      staticAttributes: g.staticAttributes ?? [],
      commands: g.commands ?? [],
      payload: g.payload ?? 'json',
      // The IoT Agents default to true; Weft defaults to false so that an apikey alone never
      // lets unknown devices in: a group opts in, with credentials (checkAutoprovision).
      autoprovision: g.autoprovision ?? false,
      unknownKeys: g.unknownKeys ?? 'store',
      credentials: g.credentials ?? {},
      createdAt: now,
      modifiedAt: now,
    };
    if (group.autoprovision) checkAutoprovision(path, group.credentials);
    return group;
  });
}

/**
 * IoT Agent update semantics: each member given replaces the group's, the others stay.
 * Checks that need the stored group (autoprovision with credentials set earlier, a command
 * given here against attributes stored) are the broker's, on the merged group (checkMappings).
 */
export function parseServiceGroupUpdate(body: unknown, ctx: CompiledContext): Partial<ServiceGroupInput> {
  const g = groupMembers('', object('body', body), ctx, GROUP_UPDATE_RULES);
  if (Object.keys(g).length === 0) throw fail('body', 'names no member to update');
  return g;
}

/**
 * The rules parseServiceGroupUpdate cannot check alone, for the broker to run on the group
 * it merged from the stored one and the update (paths as in an update body).
 */
export function checkServiceGroup(group: ServiceGroup): void {
  checkMappings('', group.attributes, group.staticAttributes, group.commands);
  const { passwordHash, publicKeys } = group.credentials;
  if (group.autoprovision && passwordHash === undefined) checkAutoprovision('', { publicKeys });
}
