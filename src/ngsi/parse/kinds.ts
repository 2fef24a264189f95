/**
 * Which member carries the value of each attribute kind (clause 4.5.x, 5.2.5 - 5.2.40), and
 * the concise-form inference table (clause 4.5.x "concise representation"): an attribute
 * without `type` gets the kind of the value member it has.
 */
import type { Attribute, AttributeKind } from '../entity';

export type ValueMember = 'value' | 'object' | 'languageMap' | 'vocab' | 'json' | 'valueList' | 'objectList';

export const VALUE_MEMBER: Readonly<Record<AttributeKind, ValueMember>> = {
  Property: 'value',
  GeoProperty: 'value',
  Relationship: 'object',
  LanguageProperty: 'languageMap',
  VocabProperty: 'vocab',
  JsonProperty: 'json',
  ListProperty: 'valueList',
  ListRelationship: 'objectList',
};

export const VALUE_MEMBERS: readonly ValueMember[] = ['value', 'object', 'languageMap', 'vocab', 'json', 'valueList', 'objectList'];

/** Concise inference order; 'value' maps to Property and is refined to GeoProperty by the caller. */
export const KIND_OF_MEMBER: Readonly<Record<ValueMember, AttributeKind>> = {
  value: 'Property',
  object: 'Relationship',
  languageMap: 'LanguageProperty',
  vocab: 'VocabProperty',
  json: 'JsonProperty',
  valueList: 'ListProperty',
  objectList: 'ListRelationship',
};

const KINDS = new Set<string>(Object.keys(VALUE_MEMBER));

/**
 * Accepts the attribute kinds and 'VocabularyProperty', the name early v1.8 drafts used
 * (Orion-LD accepts both and stores VocabProperty, pCheckAttribute.cpp).
 */
export function toKind(t: unknown): AttributeKind | undefined {
  if (t === 'VocabularyProperty') return 'VocabProperty';
  return typeof t === 'string' && KINDS.has(t) ? (t as AttributeKind) : undefined;
}

/** The value member present in an instance (its kind decides which). */
export function valueOf(a: Attribute): unknown {
  return a[VALUE_MEMBER[a.type]];
}
