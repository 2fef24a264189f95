/**
 * Resolution of a q attribute path (AttrPath) to its target values in an expanded entity
 * (clause 4.9, "target element" and "target value"):
 *  - every instance (datasetId) of the attribute is a candidate ("the target value shall be
 *    any Value of such instances");
 *  - `.sub` steps into sub-attributes; a final member (observedAt, unitCode, ...) is the target;
 *  - the target value depends on the element's type: Property/GeoProperty value,
 *    Relationship object, ListProperty valueList, ListRelationship objectList,
 *    VocabProperty vocab, JsonProperty json, LanguageProperty languageMap values;
 *  - `[k1.k2]` then walks into a compound value (ECMA-262 member access); on a
 *    LanguageProperty the single key is a language tag, `*` meaning any language;
 *  - an array target value is a set of candidates (`==` matches if any element does).
 * A scanner returns NONE (no target element), FOUND (targets, none passed the test) or
 * MATCH, so `!=` can be "the target exists and no value equals" without walking twice.
 * Compiled once per path; scanning allocates nothing.
 */
import type { Attribute, Entity } from '../entity';
import type { AttrPath } from './ast';
import { PATH_MEMBERS } from './q';

export const NONE = 0;
export const FOUND = 1;
export const MATCH = 2;
export type ScanResult = typeof NONE | typeof FOUND | typeof MATCH;

/** How a target value is to be compared (Relationships only support == and !=, clause 4.9). */
export const TargetKind = {
  /** A Property-like value: number, string, boolean, date-time, compound. */
  Value: 0,
  /** A Relationship / ListRelationship object (URI). */
  Object: 1,
  /** A VocabProperty value (an expanded IRI). */
  Vocab: 2,
} as const;
export type TargetKind = (typeof TargetKind)[keyof typeof TargetKind];

export type ScalarTest = (value: unknown, kind: TargetKind) => boolean;
export type PathScanner = (entity: Entity, test: ScalarTest) => ScanResult;

const ANY_LANGUAGE = '*';

export function compilePath(path: AttrPath): PathScanner {
  const { attr, keys } = path;
  const last = path.sub.length > 0 ? path.sub[path.sub.length - 1] : undefined;
  const member = last !== undefined && PATH_MEMBERS.has(last) ? (last as keyof Attribute) : undefined;
  // Sub-attribute steps, without the final member.
  const steps = member === undefined ? path.sub : path.sub.slice(0, -1);
  // A member in the middle of a path (`a.observedAt.b`) addresses nothing.
  const unreachable = steps.some((s) => PATH_MEMBERS.has(s)) || (member !== undefined && keys.length > 0);

  const scanInstance = (instance: Attribute, test: ScalarTest): ScanResult => {
    let element: Attribute | undefined = instance;
    for (let i = 0; i < steps.length && element !== undefined; i++) element = element.sub?.[steps[i]];
    if (element === undefined) return NONE;
    if (member !== undefined) return scanValue(element[member], TargetKind.Value, test);
    return scanElement(element, keys, test);
  };

  return (entity, test) => {
    if (unreachable) return NONE;
    const instances = entity.attrs[attr];
    if (instances === undefined) return NONE;
    let result: ScanResult = NONE;
    for (let i = 0; i < instances.length; i++) {
      const r = scanInstance(instances[i], test);
      if (r === MATCH) return MATCH;
      if (r === FOUND) result = FOUND;
    }
    return result;
  };
}

function scanElement(element: Attribute, keys: readonly string[], test: ScalarTest): ScanResult {
  switch (element.type) {
    case 'Property':
    case 'GeoProperty':
      return scanValue(walkKeys(element.value, keys), TargetKind.Value, test);
    case 'JsonProperty':
      return scanValue(walkKeys(element.json, keys), TargetKind.Value, test);
    case 'ListProperty':
      return scanValue(walkKeys(element.valueList, keys), TargetKind.Value, test);
    case 'Relationship':
      return keys.length > 0 ? NONE : scanValue(element.object, TargetKind.Object, test);
    case 'ListRelationship':
      return keys.length > 0 ? NONE : scanValue(element.objectList, TargetKind.Object, test);
    case 'VocabProperty':
      return keys.length > 0 ? NONE : scanValue(element.vocab, TargetKind.Vocab, test);
    case 'LanguageProperty':
      return scanLanguages(element.languageMap, keys, test);
  }
}

/** `attr` and `attr[*]`: any language's value(s); `attr[en]`: the English value(s). */
function scanLanguages(map: Attribute['languageMap'], keys: readonly string[], test: ScalarTest): ScanResult {
  if (map === undefined || keys.length > 1) return NONE;
  if (keys.length === 1 && keys[0] !== ANY_LANGUAGE) {
    return Object.hasOwn(map, keys[0]) ? scanValue(map[keys[0]], TargetKind.Value, test) : NONE;
  }
  let result: ScanResult = NONE;
  for (const language in map) {
    const r = scanValue(map[language], TargetKind.Value, test);
    if (r === MATCH) return MATCH;
    if (r === FOUND) result = FOUND;
  }
  return result;
}

/** Member access into a compound value; undefined when a step is missing (clause 4.9: non-existent). */
function walkKeys(value: unknown, keys: readonly string[]): unknown {
  let current = value;
  for (let i = 0; i < keys.length; i++) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, keys[i])) return undefined;
    current = (current as Record<string, unknown>)[keys[i]];
  }
  return current;
}

function scanValue(value: unknown, kind: TargetKind, test: ScalarTest): ScanResult {
  if (value === undefined) return NONE;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (test(value[i], kind)) return MATCH;
    return FOUND;
  }
  return test(value, kind) ? MATCH : FOUND;
}
