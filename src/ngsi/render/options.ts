/**
 * Options of the render step (ngsi/render): which representation a client asked for and
 * which members it wants. Everything here names members on the *expanded* side of the
 * @context edge (attribute IRIs), so http/ expands `pick`/`omit` terms once per request.
 */

/** GS CIM 009 v1.8.1 clause 4.5: normalized (default), concise (4.5.x, options=concise), simplified (4.5.4, options=keyValues). */
export type Format = 'normalized' | 'concise' | 'keyValues';

export interface RenderOptions {
  format: Format;
  /** options=sysAttrs: createdAt/modifiedAt on the entity, on attribute instances and on sub-attributes. */
  sysAttrs: boolean;
  /**
   * pick (clause 4.21): only these entity members. 'id', 'type', 'scope', 'createdAt' and
   * 'modifiedAt' literally; attributes by expanded IRI.
   */
  pick?: Set<string>;
  /** omit (clause 4.21): members to leave out, same naming as `pick`. */
  omit?: Set<string>;
  /**
   * lang (clause 4.15): a language tag or an Accept-Language-like list ("fr-CH, fr;q=0.9, en;q=0.8").
   * LanguageProperties are then rendered as a Property in the best matching language, with
   * a `lang` member. '*' alone keeps the languageMap.
   */
  lang?: string;
  /**
   * join=inline (clause 4.5.23): already-rendered target entities by id. A Relationship whose
   * object is a key gets an `entity` member; a ListRelationship gets `entityList`.
   */
  inline?: Map<string, Record<string, unknown>>;
}

export interface GeoJsonOptions extends RenderOptions {
  /** Expanded IRI of the GeoProperty that becomes the Feature's geometry (default: ngsi-ld:location, chosen by http/). */
  geometryProperty: string;
}
