/**
 * Raw measures -> typed NGSI-LD attributes, through a device's provisioning (issue 5).
 * compileMapping runs once per device (then cached by the gateway); toAttributes runs per
 * message and does no JSON-LD work: every name is an IRI already.
 */
import type { Attribute, Iri } from '../ngsi/entity';
import { NGSI_LD_NULL } from '../ngsi/parse/null';
import { isUri } from '../ngsi/uri';
import { brief, convert } from './convert';
import type { AttributeMapping, CommandDeclaration, Device, ServiceGroup, StaticAttribute, UnknownKeys } from './model';
import type { MeasureBatch } from './payload';

export interface CompiledMapping {
  /** objectId -> mapping; the device's mappings win over its group's for the same objectId. */
  byKey: ReadonlyMap<string, AttributeMapping>;
  unknownKeys: UnknownKeys;
  /** objectId -> command (device's first, then group's not overridden). */
  commands: ReadonlyMap<string, CommandDeclaration>;
  /** by attribute IRI -> command (to find a command from a changed twin attribute). */
  commandsByName: ReadonlyMap<Iri, CommandDeclaration>;
  staticAttributes: readonly StaticAttribute[];
}

export function compileMapping(group: ServiceGroup, device: Device | undefined): CompiledMapping {
  const byKey = new Map<string, AttributeMapping>();
  for (const m of group.attributes) byKey.set(m.objectId, m);
  for (const m of device?.attributes ?? []) byKey.set(m.objectId, m);

  const commands = new Map<string, CommandDeclaration>();
  const commandsByName = new Map<Iri, CommandDeclaration>();
  for (const c of [...(device?.commands ?? []), ...group.commands]) {
    // A group command is overridden by a device command of the same objectId or the same attribute.
    if (commands.has(c.objectId) || commandsByName.has(c.name)) continue;
    commands.set(c.objectId, c);
    commandsByName.set(c.name, c);
  }

  const statics = new Map<Iri, StaticAttribute>();
  for (const s of group.staticAttributes) statics.set(s.name, s);
  for (const s of device?.staticAttributes ?? []) statics.set(s.name, s);

  return { byKey, unknownKeys: group.unknownKeys, commands, commandsByName, staticAttributes: [...statics.values()] };
}

export interface MappedMeasures { attrs: Record<Iri, Attribute>; rejected: Array<{ key: string; reason: string }> }

/**
 * Keys the mapping does not name become `defaultVocab + key` when unknownKeys is 'store':
 * verbatim after the prefix, so only keys that keep it a plain IRI segment are accepted
 * ('..' would climb out of the vocabulary once the IRI is resolved).
 */
const UNKNOWN_KEY = /^(?!\.\.?$)[A-Za-z0-9_.-]+$/;

/**
 * A batch's measures as attributes. A measure that cannot be converted goes to `rejected`
 * with a reason and does not stop the others. observedAt is set only when the payload gave a
 * timestamp: the broker stamps modifiedAt itself.
 * opts.defaultVocab: IRI prefix for keys the mapping does not name when unknownKeys is 'store'.
 */
export function toAttributes(batch: MeasureBatch, mapping: CompiledMapping, opts: { defaultVocab: string }): MappedMeasures {
  const attrs: Record<Iri, Attribute> = {};
  const rejected: Array<{ key: string; reason: string }> = [];
  const fromText = batch.fromText === true;
  const { measures } = batch;
  for (const key of Object.keys(measures)) {
    const raw = measures[key];
    if (mapping.commands.has(key)) {
      rejected.push({ key, reason: `${key} is a command: a device cannot set it` });
      continue;
    }
    let m = mapping.byKey.get(key);
    if (m === undefined) {
      if (mapping.unknownKeys === 'ignore') continue;
      if (!UNKNOWN_KEY.test(key)) {
        rejected.push({ key, reason: `unknown key ${brief(key)} cannot be stored: only letters, digits, '_', '.' and '-' are allowed` });
        continue;
      }
      m = { objectId: key, name: opts.defaultVocab + key, kind: 'Property' };
    }
    if (isCommandAttribute(m.name, mapping)) {
      rejected.push({ key, reason: `${key} names a command's attribute: a device cannot set it` });
      continue;
    }
    if (Object.hasOwn(attrs, m.name)) {
      rejected.push({ key, reason: `${key} maps to an attribute another key of the message already set` });
      continue;
    }
    const made = toAttribute(m, raw, fromText);
    if (typeof made === 'string') {
      rejected.push({ key, reason: made });
      continue;
    }
    if (batch.observedAt !== undefined) made.observedAt = batch.observedAt;
    attrs[m.name] = made;
  }
  return { attrs, rejected };
}

/** The attribute, or why the value does not fit the mapping. */
function toAttribute(m: AttributeMapping, raw: unknown, fromText: boolean): Attribute | string {
  if (m.kind === 'Relationship') {
    if (typeof raw !== 'string' || !isUri(raw) || raw === NGSI_LD_NULL) return `${m.objectId}: a relationship needs a URI, got ${brief(raw)}`;
    return { type: 'Relationship', object: raw };
  }
  // A GeoProperty with no valueType takes GeoJSON, its natural value.
  const valueType = m.valueType ?? (m.kind === 'GeoProperty' ? 'geo:json' : undefined);
  const converted = convert(valueType, raw, fromText);
  if (!converted.ok) return `${m.objectId}: ${converted.problem}`;
  // Geo value types make a GeoProperty whatever the declared kind: geo queries only see GeoProperties.
  const type = valueType === 'geo:point' || valueType === 'geo:json' ? 'GeoProperty' : m.kind;
  const a: Attribute = { type, value: converted.value };
  if (m.unitCode !== undefined && type === 'Property') a.unitCode = m.unitCode;
  return a;
}

/** A command's attribute, or its `_status` / `_info` companion (the twin's, written by Weft only). */
function isCommandAttribute(name: Iri, mapping: CompiledMapping): boolean {
  const byName = mapping.commandsByName;
  if (byName.size === 0) return false;
  if (byName.has(name)) return true;
  if (name.endsWith('_status')) return byName.has(name.slice(0, -7));
  if (name.endsWith('_info')) return byName.has(name.slice(0, -5));
  return false;
}
