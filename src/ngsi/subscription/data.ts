/**
 * One entry of a Notification's `data` (clause 5.3.1): the entity a change is about, rendered
 * like a GET would (../render) in the subscription's format, sysAttrs, lang and attributes,
 * plus what only notifications carry:
 *
 *  - showChanges (clause 5.2.14): each attribute instance this change updated or deleted
 *    carries its previous state, in the member named after its kind: previousValue
 *    (Property, GeoProperty), previousObject (Relationship), previousLanguageMap
 *    (LanguageProperty; previousValue when `lang` rendered it as a Property), previousVocab,
 *    previousJson, previousValueList, previousObjectList. Not for created instances (there is
 *    nothing before) and not in keyValues (parse refuses showChanges with it: a bare value
 *    has nowhere to put it).
 *  - deleted attributes (clause 5.2.1: "for representing deleted elements in notifications
 *    ... urn:ngsi-ld:null is used as a Property value or Relationship object and
 *    {"@none": "urn:ngsi-ld:null"} for the languageMap"): when the subscription asked for
 *    attributeDeleted (or entityUpdated, which covers it), each deleted instance appears with
 *    its kind, its value member set to that null and `deletedAt` (the notification time,
 *    the broker keeps no deletion time). Kinds the clause does not name follow the same rule
 *    (vocab / json: the null; valueList / objectList: a list holding it). keyValues shows
 *    the bare null only (no room for deletedAt).
 *  - a deleted entity (entityDeleted): {id, type, deletedAt}, as Orion-LD and Stellio send it.
 */
import type { Attribute, AttributeKind, Iri } from '../entity';
import type { CompiledContext } from '../jsonld/context';
import { VALUE_MEMBER, VALUE_MEMBERS } from '../parse/kinds';
import { NGSI_LD_NULL } from '../parse/null';
import { compactTypes, renderEntity, type RenderOptions } from '../render';
import { languagePrefs, pickLanguage } from '../render/lang';
import { changeTriggers, type SubscriptionChange } from './triggers';

export interface DataOptions {
  render: RenderOptions;
  showChanges: boolean;
  /** Show deleted attribute instances (the subscription covers attributeDeleted). */
  showDeleted: boolean;
  /** deletedAt of deleted entities and attributes. */
  notifiedAt: string;
}

/** What to add to one rendered attribute instance. */
interface Note {
  previous: Attribute | undefined;
  deletedAt: string | undefined;
}

export function renderDataItem(change: SubscriptionChange, ctx: CompiledContext, o: DataOptions): Record<string, unknown> | undefined {
  if (change.kind === 'delete') {
    const last = change.previous ?? change.entity;
    if (last === undefined) return undefined;
    return { id: last.id, type: compactTypes(last.type, ctx), deletedAt: o.notifiedAt };
  }
  const entity = change.entity;
  if (entity === undefined) return undefined;
  // The common case costs one render: nothing to annotate without a previous state.
  if (change.previous === undefined || (!o.showChanges && !o.showDeleted)) return renderEntity(entity, ctx, o.render);

  const notes = new Map<Iri, Array<Note | undefined>>();
  let attrs = entity.attrs;
  for (const c of changeTriggers(change).instances) {
    if (c.trigger === 'attributeUpdated' && o.showChanges && c.previous !== undefined) {
      const list = entity.attrs[c.attr]!;
      const index = list.findIndex((a) => a.datasetId === c.datasetId);
      noteAt(notes, c.attr, list.length, index, { previous: c.previous, deletedAt: undefined });
    } else if (c.trigger === 'attributeDeleted' && o.showDeleted && c.previous !== undefined) {
      if (attrs === entity.attrs) attrs = { ...entity.attrs };
      const list = [...(attrs[c.attr] ?? []), deletedMarker(c.previous)];
      attrs[c.attr] = list;
      noteAt(notes, c.attr, list.length, list.length - 1, { previous: o.showChanges ? c.previous : undefined, deletedAt: o.notifiedAt });
    }
  }
  const shown = attrs === entity.attrs ? entity : { ...entity, attrs };
  const out = renderEntity(shown, ctx, o.render);
  if (o.render.format === 'keyValues') return out;
  const prefs = languagePrefs(o.render.lang);
  for (const [iri, list] of notes) {
    const key = ctx.compactIri(iri);
    if (key in out) out[key] = annotate(out[key], list, shown.attrs[iri]!.length, ctx, prefs !== null);
  }
  return out;
}

function noteAt(notes: Map<Iri, Array<Note | undefined>>, attr: Iri, length: number, index: number, note: Note): void {
  let list = notes.get(attr);
  if (list === undefined) notes.set(attr, (list = []));
  list.length = Math.max(list.length, length);
  list[index] = note;
}

/** A deleted instance as clause 5.2.1 represents it: its kind, the NGSI-LD null as value. */
function deletedMarker(prev: Attribute): Attribute {
  const marker: Attribute = { type: prev.type };
  (marker as unknown as Record<string, unknown>)[VALUE_MEMBER[prev.type]] = nullValue(prev.type);
  if (prev.datasetId !== undefined) marker.datasetId = prev.datasetId;
  return marker;
}

function nullValue(kind: AttributeKind): unknown {
  switch (kind) {
    case 'LanguageProperty': return { '@none': NGSI_LD_NULL };
    case 'ListProperty':
    case 'ListRelationship': return [NGSI_LD_NULL];
    default: return NGSI_LD_NULL;
  }
}

/**
 * Adds the notes to a rendered attribute: one instance renders as itself, several as an
 * array in the order of the instance list (../render/attribute renderInstances).
 */
function annotate(rendered: unknown, notes: ReadonlyArray<Note | undefined>, instances: number, ctx: CompiledContext, lang: boolean): unknown {
  if (instances === 1) return annotateOne(rendered, notes[0], ctx, lang);
  if (!Array.isArray(rendered)) return rendered;
  return rendered.map((r, i) => annotateOne(r, notes[i], ctx, lang));
}

function annotateOne(rendered: unknown, note: Note | undefined, ctx: CompiledContext, lang: boolean): unknown {
  if (note === undefined) return rendered;
  // Concise collapses a metadata-free Property to its bare value; it needs its {value} form
  // back to carry previousValue or deletedAt. A bare value never has a value member (the
  // renderer keeps {value} when it would), so this test tells the two apart.
  const obj: Record<string, unknown> = isInstanceObject(rendered) ? rendered : { value: rendered };
  const prev = note.previous;
  if (prev !== undefined) addPrevious(obj, prev, ctx, lang);
  if (note.deletedAt !== undefined) obj.deletedAt = note.deletedAt;
  return obj;
}

function isInstanceObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const m of VALUE_MEMBERS) if (m in v) return true;
  return false;
}

function addPrevious(obj: Record<string, unknown>, prev: Attribute, ctx: CompiledContext, lang: boolean): void {
  switch (prev.type) {
    case 'Property':
    case 'GeoProperty':
      obj.previousValue = prev.value;
      return;
    case 'Relationship':
      obj.previousObject = prev.object;
      return;
    case 'LanguageProperty': {
      const map = prev.languageMap ?? {};
      // Rendered in one language (clause 4.15): the previous value in that language's place.
      const tag = lang && 'lang' in obj ? pickPrevious(map, obj.lang) : undefined;
      if (tag !== undefined) obj.previousValue = map[tag];
      else obj.previousLanguageMap = map;
      return;
    }
    case 'VocabProperty': {
      const v = prev.vocab;
      obj.previousVocab = v === undefined ? v : typeof v === 'string' ? ctx.compactIri(v) : v.map((i) => ctx.compactIri(i));
      return;
    }
    case 'JsonProperty':
      obj.previousJson = prev.json;
      return;
    case 'ListProperty':
      obj.previousValueList = prev.valueList;
      return;
    case 'ListRelationship':
      // Same shape as the current objectList in normalized/concise (../render/attribute).
      obj.previousObjectList = (prev.objectList ?? []).map((object) => ({ object }));
      return;
  }
}

/** The previous map's entry in the language the current value was rendered in, if any. */
function pickPrevious(map: Record<string, string | string[]>, tag: unknown): string | undefined {
  if (typeof tag !== 'string') return undefined;
  return map[tag] !== undefined ? tag : pickLanguage(map, [tag.toLowerCase()]);
}
