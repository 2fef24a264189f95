/**
 * Attribute instances -> client representation (GS CIM 009 v1.8.1 clauses 4.5.1-4.5.4, 5.2).
 *
 * Hot path: every GET renders through here. No JSON-LD processing, no regex; names go
 * through ctx.compactIri (memoised by the compiled context). Values (Property.value,
 * JsonProperty.json, ...) are not copied: the output shares them with the stored entity and
 * must be treated as read-only (it is only ever serialised).
 */
import type { Attribute } from '../entity';
import type { CompiledContext } from '../jsonld/context';
import type { RenderOptions } from './options';
import { pickLanguage, type LanguagePrefs } from './lang';

/**
 * Members that make a bare concise value ambiguous: a concise parser reading an object
 * with one of these would take it for an attribute (or a multi-instance `dataset` map)
 * instead of a Property value. GeoJSON-looking values fall under 'type'.
 */
const CONCISE_RESERVED = new Set([
  'type', 'value', 'object', 'languageMap', 'vocab', 'json', 'valueList', 'objectList', 'dataset',
]);

/** Renders all instances of one attribute: one instance -> its rendering, several -> per format. */
export function renderInstances(
  instances: readonly Attribute[], ctx: CompiledContext, o: RenderOptions, prefs: LanguagePrefs,
): unknown {
  if (instances.length === 1) {
    const a = instances[0]!;
    return o.format === 'keyValues' ? simplified(a, ctx, o, prefs) : full(a, ctx, o, prefs, true);
  }
  if (o.format === 'keyValues') {
    // Clause 4.5.4 (v1.8): a multi-attribute becomes {"dataset": {datasetId: value}}, the
    // default instance under "@none" (core context: "dataset" is an @index container).
    // Orion-LD renders an array of values instead; Stellio follows the spec, so do we.
    const byId: Record<string, unknown> = {};
    for (let i = 0; i < instances.length; i++) {
      const a = instances[i]!;
      byId[a.datasetId ?? '@none'] = simplified(a, ctx, o, prefs);
    }
    return { dataset: byId };
  }
  const out = new Array<unknown>(instances.length);
  // Inside an array an instance is never collapsed to a bare value: a bare element would
  // read as a Property value of a single attribute, not as one instance among several.
  for (let i = 0; i < instances.length; i++) out[i] = full(instances[i]!, ctx, o, prefs, false);
  return out;
}

/**
 * Normalized (clause 4.5.1) or concise (clause 4.5.2 in v1.8 numbering: type omitted where
 * it can be inferred) rendering of one instance, sub-attributes included.
 * `mayCollapse`: in concise, a Property/GeoProperty without any metadata becomes its bare
 * value (Orion-LD and Stellio do the same; sysAttrs timestamps count as metadata).
 */
function full(a: Attribute, ctx: CompiledContext, o: RenderOptions, prefs: LanguagePrefs, mayCollapse: boolean): unknown {
  const concise = o.format === 'concise';
  if (concise && mayCollapse && !hasMetadata(a, o.sysAttrs)) {
    if (a.type === 'GeoProperty') return a.value;
    if (a.type === 'Property' && !ambiguousBare(a.value)) return a.value;
  }
  const out: Record<string, unknown> = {};
  let type: string = a.type;
  switch (a.type) {
    case 'Property':
    case 'GeoProperty':
      if (!concise) out.type = type;
      out.value = a.value;
      break;
    case 'Relationship':
      if (!concise) out.type = type;
      out.object = a.object;
      if (o.inline !== undefined && typeof a.object === 'string') {
        const target = o.inline.get(a.object);
        if (target !== undefined) out.entity = target;
      }
      break;
    case 'LanguageProperty': {
      const map = a.languageMap ?? {};
      const tag = prefs === null ? undefined : pickLanguage(map, prefs);
      if (tag === undefined) {
        if (!concise) out.type = type;
        out.languageMap = map;
      } else {
        // Clause 4.15: in the requested language a LanguageProperty is rendered as a
        // Property whose value is the string (or strings) in that language, plus `lang`.
        type = 'Property';
        if (!concise) out.type = type;
        out.value = map[tag];
        out.lang = tag;
      }
      break;
    }
    case 'VocabProperty':
      if (!concise) out.type = type;
      out.vocab = compactVocab(a.vocab, ctx);
      break;
    case 'JsonProperty':
      if (!concise) out.type = type;
      out.json = a.json;
      break;
    case 'ListProperty':
      if (!concise) out.type = type;
      out.valueList = a.valueList;
      break;
    case 'ListRelationship':
      if (!concise) out.type = type;
      out.objectList = objectListOf(a.objectList);
      if (o.inline !== undefined) {
        const list = inlineList(a.objectList, o.inline);
        if (list !== undefined) out.entityList = list;
      }
      break;
  }
  if (a.objectType !== undefined) out.objectType = ctx.compactIri(a.objectType);
  if (a.datasetId !== undefined) out.datasetId = a.datasetId;
  if (a.observedAt !== undefined) out.observedAt = a.observedAt;
  if (a.unitCode !== undefined) out.unitCode = a.unitCode;
  if (o.sysAttrs) {
    if (a.createdAt !== undefined) out.createdAt = a.createdAt;
    if (a.modifiedAt !== undefined) out.modifiedAt = a.modifiedAt;
  }
  const sub = a.sub;
  if (sub !== undefined) {
    for (const iri in sub) out[ctx.compactIri(iri)] = full(sub[iri]!, ctx, o, prefs, true);
  }
  return out;
}

/**
 * Simplified (keyValues, clause 4.5.4) value of one instance. Kinds whose type could not be
 * told from a bare value keep the member that names it ({languageMap}, {vocab}, {json},
 * {valueList}, {objectList}) so the result can be sent back as keyValues without loss;
 * Stellio and Orion-LD do this for LanguageProperty, VocabProperty and JsonProperty and we
 * extend it to the two list kinds (a bare array would read back as an unordered Property).
 */
function simplified(a: Attribute, ctx: CompiledContext, o: RenderOptions, prefs: LanguagePrefs): unknown {
  switch (a.type) {
    case 'Property':
    case 'GeoProperty':
      return a.value;
    case 'Relationship':
      // join=inline with keyValues: the Relationship's value is the target entity (Stellio).
      if (o.inline !== undefined && typeof a.object === 'string') {
        const target = o.inline.get(a.object);
        if (target !== undefined) return target;
      }
      return a.object;
    case 'LanguageProperty': {
      const map = a.languageMap ?? {};
      const tag = prefs === null ? undefined : pickLanguage(map, prefs);
      return tag === undefined ? { languageMap: map } : map[tag];
    }
    case 'VocabProperty':
      return { vocab: compactVocab(a.vocab, ctx) };
    case 'JsonProperty':
      return { json: a.json };
    case 'ListProperty':
      return { valueList: a.valueList };
    case 'ListRelationship': {
      const out: Record<string, unknown> = { objectList: a.objectList ?? [] };
      if (o.inline !== undefined) {
        const list = inlineList(a.objectList, o.inline);
        if (list !== undefined) out.entityList = list;
      }
      return out;
    }
  }
}

/** Metadata that forbids collapsing a concise Property to its bare value. */
function hasMetadata(a: Attribute, sysAttrs: boolean): boolean {
  if (a.datasetId !== undefined || a.observedAt !== undefined || a.unitCode !== undefined) return true;
  if (sysAttrs && (a.createdAt !== undefined || a.modifiedAt !== undefined)) return true;
  const sub = a.sub;
  if (sub !== undefined) for (const _ in sub) return true;
  return false;
}

/**
 * True when a bare Property value would be misread by a concise parser (clause 4.5.2 read
 * rules): an object with an attribute-like member, or an array holding one (an array of
 * such objects reads as several attribute instances). Orion-LD collapses regardless; we
 * keep {value} in these cases so GET-then-PUT round-trips.
 */
function ambiguousBare(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const el: unknown = v[i];
      if (el !== null && typeof el === 'object' && !Array.isArray(el) && hasReservedKey(el as Record<string, unknown>)) return true;
    }
    return false;
  }
  return hasReservedKey(v as Record<string, unknown>);
}

function hasReservedKey(obj: Record<string, unknown>): boolean {
  for (const k in obj) if (CONCISE_RESERVED.has(k)) return true;
  return false;
}

/** VocabProperty values are IRIs: compacted through the context (clause 5.2.35), string or array kept. */
function compactVocab(v: string | string[] | undefined, ctx: CompiledContext): string | string[] | undefined {
  if (v === undefined || typeof v === 'string') return v === undefined ? v : ctx.compactIri(v);
  const out = new Array<string>(v.length);
  for (let i = 0; i < v.length; i++) out[i] = ctx.compactIri(v[i]!);
  return out;
}

/**
 * Normalized/concise objectList (ListRelationship, clause 5.2.37): an array of {object: URI}.
 * The core context types `object` as @id but not `objectList`, so bare strings in the list
 * would expand to literals; Scorpio stores hasObjectList as a list of hasObject nodes, i.e.
 * this shape. Simplified (keyValues) gives the bare URIs instead.
 */
function objectListOf(list: readonly string[] | undefined): Array<{ object: string }> {
  if (list === undefined) return [];
  const out = new Array<{ object: string }>(list.length);
  for (let i = 0; i < list.length; i++) out[i] = { object: list[i]! };
  return out;
}

/**
 * join=inline for a ListRelationship: the rendered targets found, in list order, as
 * `entityList` (the core context's term for it). Undefined when none of the targets is
 * available, so no empty member appears.
 */
function inlineList(list: readonly string[] | undefined, inline: Map<string, Record<string, unknown>>): Array<Record<string, unknown>> | undefined {
  if (list === undefined) return undefined;
  let out: Array<Record<string, unknown>> | undefined;
  for (let i = 0; i < list.length; i++) {
    const target = inline.get(list[i]!);
    if (target !== undefined) (out ??= []).push(target);
  }
  return out;
}
