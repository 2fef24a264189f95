/**
 * The registry back in the IoT Agent shape, names compacted with the request's @context.
 * Secrets never leave: a stored password shows as `password: true`; public keys are public.
 */
import type { Attribute } from '../../ngsi/entity';
import type { CompiledContext } from '../../ngsi/jsonld/context';
import type { AttributeMapping, CommandDeclaration, Device, DeviceCredentials, ServiceGroup, StaticAttribute } from '../model';

export function renderServiceGroup(group: ServiceGroup, ctx: CompiledContext): Record<string, unknown> {
  return {
    apikey: group.apikey,
    entity_type: ctx.compactIri(group.entityType),
    payload: group.payload,
    autoprovision: group.autoprovision,
    explicitAttrs: group.unknownKeys === 'ignore',
    attributes: group.attributes.map((a) => renderMapping(a, ctx)),
    static_attributes: group.staticAttributes.map((s) => renderStatic(s, ctx)),
    commands: group.commands.map((c) => renderCommand(c, ctx)),
    credentials: renderCredentials(group.credentials),
    createdAt: group.createdAt,
    modifiedAt: group.modifiedAt,
  };
}

export function renderDevice(device: Device, ctx: CompiledContext): Record<string, unknown> {
  return {
    device_id: device.deviceId,
    apikey: device.apikey,
    entity_name: device.entityId,
    entity_type: ctx.compactIri(device.entityType),
    payload: device.payload,
    attributes: device.attributes.map((a) => renderMapping(a, ctx)),
    static_attributes: device.staticAttributes.map((s) => renderStatic(s, ctx)),
    commands: device.commands.map((c) => renderCommand(c, ctx)),
    credentials: renderCredentials(device.credentials),
    autoprovisioned: device.autoprovisioned,
    createdAt: device.createdAt,
    modifiedAt: device.modifiedAt,
  };
}

function renderMapping(a: AttributeMapping, ctx: CompiledContext): Record<string, unknown> {
  // The value type says more than the kind and implies it, so it is what `type` shows.
  const out: Record<string, unknown> = { object_id: a.objectId, name: ctx.compactIri(a.name), type: a.valueType ?? a.kind };
  if (a.unitCode !== undefined) out.metadata = { unitCode: { type: 'Text', value: a.unitCode } };
  return out;
}

function renderCommand(c: CommandDeclaration, ctx: CompiledContext): Record<string, unknown> {
  return { object_id: c.objectId, name: ctx.compactIri(c.name), type: 'command' };
}

function renderStatic(s: StaticAttribute, ctx: CompiledContext): Record<string, unknown> {
  const out: Record<string, unknown> = { name: ctx.compactIri(s.name), ...valueOf(s.attribute) };
  const metadata: Record<string, unknown> = {};
  if (s.attribute.unitCode !== undefined) metadata.unitCode = { type: 'Text', value: s.attribute.unitCode };
  for (const [iri, sub] of Object.entries(s.attribute.sub ?? {})) metadata[ctx.compactIri(iri)] = valueOf(sub);
  if (Object.keys(metadata).length > 0) out.metadata = metadata;
  return out;
}

// Static attributes are only ever Property, GeoProperty or Relationship (see mappings.ts).
function valueOf(a: Attribute): Record<string, unknown> {
  return { type: a.type, value: a.type === 'Relationship' ? a.object : a.value };
}

function renderCredentials(c: DeviceCredentials): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (c.passwordHash !== undefined) out.password = true;
  if (c.publicKeys !== undefined) out.publicKeys = c.publicKeys;
  return out;
}
