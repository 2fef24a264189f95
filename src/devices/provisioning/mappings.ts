/**
 * The three IoT Agent attribute lists of a group or device: `attributes` (measures),
 * `static_attributes` and `commands` (iotagent-node-lib doc/api.md, "Entity attributes"),
 * and the credentials member Weft adds. `lazy` attributes have no Weft equivalent.
 */
import { MAX_DEVICE_KEYS } from '../../security/devices';
import { ATTRIBUTE_MEMBERS, type Attribute, type Iri } from '../../ngsi/entity';
import { isDateTime } from '../../ngsi/parse/datetime';
import { parseAttribute } from '../../ngsi/parse/attribute';
import { GEO_NAMES } from '../../ngsi/parse/members';
import type { CompiledContext } from '../../ngsi/jsonld/context';
import {
  VALUE_TYPES, type AttributeMapping, type CommandDeclaration, type MeasureKind, type StaticAttribute, type ValueType,
} from '../model';
import type { CredentialsInput } from '../provisioning';
import { EXPRESSIONS, array, at, attributeName, checkMembers, fail, isPlainObject, join, object, objectId, string, type MemberRule } from './fields';

/** Bounds the work one request can cause; far above any real device's attribute count. */
export const MAX_LIST = 1000;

const KINDS: readonly MeasureKind[] = ['Property', 'GeoProperty', 'Relationship'];
// IoT Agent (NGSI-v2 era) type names for the same value types.
const TYPE_ALIASES: Readonly<Record<string, ValueType>> = { Float: 'Number', String: 'Text' };
const TYPE_NAMES = [...KINDS, ...VALUE_TYPES, ...Object.keys(TYPE_ALIASES)].join(', ');

// Own members only: "toString" or "constructor" must not find Object.prototype's.
function valueType(v: unknown): ValueType | undefined {
  if (typeof v !== 'string') return undefined;
  if ((VALUE_TYPES as readonly string[]).includes(v)) return v as ValueType;
  return Object.prototype.hasOwnProperty.call(TYPE_ALIASES, v) ? TYPE_ALIASES[v] : undefined;
}

const MULTI_ENTITY = { unsupported: "a device feeds one twin (IoT Agent multi-entity is not built)" };

const ATTRIBUTE_RULES: Readonly<Record<string, MemberRule>> = {
  object_id: 'accept', name: 'accept', type: 'accept', unitCode: 'accept', metadata: 'accept',
  expression: EXPRESSIONS, skipValue: EXPRESSIONS, entity_name: MULTI_ENTITY, entity_type: MULTI_ENTITY, reverse: MULTI_ENTITY,
};

/** `type` of a measure: a kind, or a value type that implies its kind. */
function measureType(path: string, v: unknown): { kind: MeasureKind; valueType?: ValueType } {
  if (typeof v === 'string') {
    if ((KINDS as readonly string[]).includes(v)) return { kind: v as MeasureKind };
    const vt = valueType(v);
    if (vt !== undefined) return { kind: vt.startsWith('geo:') ? 'GeoProperty' : 'Property', valueType: vt };
  }
  throw fail(path, `${JSON.stringify(v)} is not one of ${TYPE_NAMES}`);
}

/** unitCode given directly (NGSI-LD style) or as IoT Agent metadata { unitCode: { type, value } }. */
function unitCodeOf(path: string, obj: Record<string, unknown>): string | undefined {
  let unit: string | undefined;
  if (obj.unitCode !== undefined) unit = string(join(path, 'unitCode'), obj.unitCode);
  if (obj.metadata !== undefined) {
    const mpath = join(path, 'metadata');
    const metadata = object(mpath, obj.metadata);
    for (const key of Object.keys(metadata)) {
      if (key !== 'unitCode') throw fail(join(mpath, key), 'only unitCode metadata is supported on a measure');
    }
    if (metadata.unitCode !== undefined) {
      const fromMeta = metadataValue(join(mpath, 'unitCode'), metadata.unitCode);
      const u = string(join(mpath, 'unitCode.value'), fromMeta.value);
      if (unit !== undefined && unit !== u) throw fail(join(mpath, 'unitCode'), `'${u}' contradicts unitCode '${unit}'`);
      unit = u;
    }
  }
  return unit;
}

/** An IoT Agent metadata entry: { type?, value }. */
function metadataValue(path: string, v: unknown): { type: string | undefined; value: unknown } {
  const m = object(path, v);
  checkMembers(path, m, { type: 'accept', value: 'accept' });
  if (m.type !== undefined) string(join(path, 'type'), m.type);
  if (!('value' in m)) throw fail(join(path, 'value'), 'required');
  return { type: m.type as string | undefined, value: m.value };
}

function parseMapping(path: string, raw: unknown, ctx: CompiledContext): AttributeMapping {
  const obj = object(path, raw);
  checkMembers(path, obj, ATTRIBUTE_RULES);
  const { term, iri } = attributeName(join(path, 'name'), obj.name, ctx);
  const geoName = GEO_NAMES.has(iri);
  const { kind, valueType } = obj.type === undefined
    ? { kind: geoName ? 'GeoProperty' as const : 'Property' as const, valueType: undefined }
    : measureType(join(path, 'type'), obj.type);
  // clause 4.7: location, observationSpace and operationSpace are GeoProperties by definition
  if (geoName && kind !== 'GeoProperty') throw fail(join(path, 'type'), `'${term}' must be a GeoProperty (clause 4.7)`);
  const mapping: AttributeMapping = {
    objectId: obj.object_id === undefined ? objectId(join(path, 'name'), term) : objectId(join(path, 'object_id'), obj.object_id),
    name: iri, kind,
  };
  if (valueType !== undefined) mapping.valueType = valueType;
  const unit = unitCodeOf(path, obj);
  if (unit !== undefined) {
    if (kind === 'Relationship') throw fail(join(path, 'unitCode'), 'a Relationship has no unitCode (clause 4.5.3)');
    mapping.unitCode = unit;
  }
  return mapping;
}

export function parseAttributeMappings(path: string, v: unknown, ctx: CompiledContext): AttributeMapping[] {
  const out = array(path, v, 0, MAX_LIST).map((raw, i) => parseMapping(`${path}[${i}]`, raw, ctx));
  unique(path, out, (m) => m.objectId, 'object_id', 'device key');
  unique(path, out, (m) => m.name, 'name', 'attribute');
  return out;
}

const COMMAND_RULES: Readonly<Record<string, MemberRule>> = {
  name: 'accept', type: 'accept', object_id: 'accept',
  expression: EXPRESSIONS, payloadType: { unsupported: "the payload format is the device's (payload member)" },
  contentType: { unsupported: 'commands are published on MQTT, not sent over HTTP' },
  metadata: { unsupported: 'commands carry no metadata' },
};

export function parseCommands(path: string, v: unknown, ctx: CompiledContext): CommandDeclaration[] {
  const out = array(path, v, 0, MAX_LIST).map((raw, i): CommandDeclaration => {
    const p = `${path}[${i}]`;
    const obj = object(p, raw);
    checkMembers(p, obj, COMMAND_RULES);
    const { term, iri } = attributeName(join(p, 'name'), obj.name, ctx);
    if (obj.type !== undefined && obj.type !== 'command') throw fail(join(p, 'type'), "must be 'command' when given");
    return { name: iri, objectId: obj.object_id === undefined ? objectId(join(p, 'name'), term) : objectId(join(p, 'object_id'), obj.object_id) };
  });
  unique(path, out, (c) => c.objectId, 'object_id', 'command key');
  unique(path, out, (c) => c.name, 'name', 'command');
  return out;
}

const STATIC_RULES: Readonly<Record<string, MemberRule>> = {
  name: 'accept', type: 'accept', value: 'accept', unitCode: 'accept', metadata: 'accept',
};

// Static attributes are templates: the twin's attribute gets its timestamps when the broker
// writes it, so those parseAttribute stamps are dropped (this stands in for them meanwhile).
const NO_TIME = '1970-01-01T00:00:00.000Z';

/**
 * { name, type, value } -> the NGSI-LD attribute it stands for, then through parseAttribute
 * so that it is validated and expanded exactly as an entity's attribute is.
 */
function parseStatic(path: string, raw: unknown, ctx: CompiledContext): StaticAttribute {
  const obj = object(path, raw);
  checkMembers(path, obj, STATIC_RULES);
  const { iri } = attributeName(join(path, 'name'), obj.name, ctx);
  const doc = staticDocument(path, obj.type, obj);
  if (obj.unitCode !== undefined) doc.unitCode = obj.unitCode;
  if (obj.metadata !== undefined) {
    const mpath = join(path, 'metadata');
    for (const [key, entry] of Object.entries(object(mpath, obj.metadata))) {
      const m = metadataValue(join(mpath, key), entry);
      if (key === 'unitCode') {
        if (doc.unitCode !== undefined && doc.unitCode !== m.value) throw fail(join(mpath, key), 'contradicts unitCode');
        doc.unitCode = m.value;
      } else if (ATTRIBUTE_MEMBERS.has(key)) {
        throw fail(join(mpath, key), 'is an NGSI-LD attribute member, not a metadata name');
      } else {
        // defineProperty: a metadata name "__proto__" must stay a member, not replace the prototype
        Object.defineProperty(doc, key, { value: staticDocument(join(mpath, key), m.type, m), enumerable: true, writable: true, configurable: true });
      }
    }
  }
  const [attribute] = at(path, () => parseAttribute(iri, doc, ctx, NO_TIME));
  return { name: iri, attribute: withoutTimestamps(attribute) };
}

function staticDocument(path: string, type: unknown, obj: Record<string, unknown>): Record<string, unknown> {
  const tpath = join(path, 'type');
  if (!('value' in obj)) throw fail(join(path, 'value'), 'required');
  const value = obj.value;
  if (type === undefined) throw fail(tpath, 'required');
  if (type === 'Relationship') return { type: 'Relationship', object: value };
  if (type === 'Property') return { type: 'Property', value };
  if (type === 'GeoProperty' || type === 'geo:json') return { type: 'GeoProperty', value };
  if (type === 'geo:point') return { type: 'GeoProperty', value: typeof value === 'string' ? latLonPoint(join(path, 'value'), value) : value };
  const vt = valueType(type);
  if (vt === undefined) throw fail(tpath, `${JSON.stringify(type)} is not one of ${TYPE_NAMES}`);
  // An IoT Agent static attribute typed Text often holds a list ("category": ["sensor"]), so a
  // list of values of the type is accepted as well.
  const ok = Array.isArray(value) && vt !== 'Object' ? value.length > 0 && value.every((x) => isOfType(vt, x)) : isOfType(vt, value);
  if (!ok) throw fail(join(path, 'value'), `${JSON.stringify(value)} is not a ${vt} value`);
  return { type: 'Property', value };
}

function isOfType(vt: ValueType, v: unknown): boolean {
  switch (vt) {
    case 'Number': return typeof v === 'number' && Number.isFinite(v);
    case 'Integer': return Number.isInteger(v);
    case 'Boolean': return typeof v === 'boolean';
    case 'Text': return typeof v === 'string';
    case 'DateTime': return isDateTime(v);
    case 'Object': return typeof v === 'object' && v !== null;
    case 'geo:point': case 'geo:json': return false; // handled before: GeoProperty
  }
}

// The IoT Agents' geo:point text is "lat, lon"; GeoJSON wants [lon, lat].
function latLonPoint(path: string, s: string): unknown {
  const parts = s.split(',').map((p) => p.trim());
  const [lat, lon] = parts.map(Number);
  if (parts.length !== 2 || parts.some((p) => p === '') || !Number.isFinite(lat) || !Number.isFinite(lon)) {
    throw fail(path, `'${s}' is not a "latitude, longitude" point`);
  }
  return { type: 'Point', coordinates: [lon, lat] };
}

function withoutTimestamps(a: Attribute): Attribute {
  const { createdAt: _c, modifiedAt: _m, sub, ...rest } = a;
  const out: Attribute = rest;
  if (sub !== undefined) out.sub = Object.fromEntries(Object.entries(sub).map(([k, s]) => [k, withoutTimestamps(s)]));
  return out;
}

export function parseStaticAttributes(path: string, v: unknown, ctx: CompiledContext): StaticAttribute[] {
  const out = array(path, v, 0, MAX_LIST).map((raw, i) => parseStatic(`${path}[${i}]`, raw, ctx));
  unique(path, out, (s) => s.name, 'name', 'static attribute');
  return out;
}

/** The IoT Agents render `lazy: []`; an empty list is accepted so their bodies can be sent as they are. */
export function checkLazy(path: string, v: unknown): void {
  if (!Array.isArray(v) || v.length > 0) {
    throw fail(path, 'lazy attributes are not supported (Weft does not forward queries to devices): declare them as attributes or commands');
  }
}

function unique<T>(path: string, list: readonly T[], key: (t: T) => string, member: string, what: string): void {
  const seen = new Map<string, number>();
  list.forEach((item, i) => {
    const k = key(item);
    const j = seen.get(k);
    if (j !== undefined) throw fail(`${path}[${i}].${member}`, `the ${what} '${k}' is already declared by ${path}[${j}]`);
    seen.set(k, i);
  });
}

/**
 * One twin attribute has one source: a measure, a static value or a command (with its
 * `_status` and `_info` companions). Two sources would overwrite each other on the twin.
 * Exported so that the broker can re-check a group or device after merging an update.
 */
export function checkMappings(path: string, attributes: readonly AttributeMapping[], statics: readonly StaticAttribute[], commands: readonly CommandDeclaration[]): void {
  const owner = new Map<Iri, string>();
  const claim = (iri: Iri, by: string, where: string): void => {
    const prior = owner.get(iri);
    if (prior !== undefined) throw fail(where, `'${iri}' is already the twin attribute of ${prior}`);
    owner.set(iri, by);
  };
  attributes.forEach((a, i) => claim(a.name, `${join(path, 'attributes')}[${i}]`, `${join(path, 'attributes')}[${i}].name`));
  statics.forEach((s, i) => claim(s.name, `${join(path, 'static_attributes')}[${i}]`, `${join(path, 'static_attributes')}[${i}].name`));
  commands.forEach((c, i) => {
    const by = `${join(path, 'commands')}[${i}]`;
    for (const iri of [c.name, `${c.name}_status`, `${c.name}_info`]) claim(iri, by, `${by}.name`);
  });
}

const CREDENTIAL_RULES: Readonly<Record<string, MemberRule>> = { password: 'accept', publicKeys: 'accept' };
// security/devices' bound, checked here first for an error that names the path.
const MAX_KEYS = MAX_DEVICE_KEYS;

/** Structural checks only: the broker hashes the password and verifies the keys cryptographically. */
export function parseCredentials(path: string, v: unknown): CredentialsInput {
  const obj = object(path, v);
  checkMembers(path, obj, CREDENTIAL_RULES);
  const out: CredentialsInput = {};
  if (obj.password !== undefined) {
    const p = obj.password;
    const len = typeof p === 'string' ? [...p].length : -1;
    if (len < 8 || len > 256) throw fail(join(path, 'password'), 'must be a string of 8 to 256 characters');
    out.password = p as string;
  }
  if (obj.publicKeys !== undefined) {
    const keys = array(join(path, 'publicKeys'), obj.publicKeys, 0, MAX_KEYS);
    keys.forEach((k, i) => {
      if (!isPlainObject(k)) throw fail(`${join(path, 'publicKeys')}[${i}]`, 'must be a JWK (a JSON object)');
    });
    out.publicKeys = keys;
  }
  return out;
}
