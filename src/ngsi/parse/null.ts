/**
 * The NGSI-LD null marker (clause 4.5.x, Merge Entity 5.6.17): JSON null does not survive
 * JSON-LD expansion, so the spec uses the string "urn:ngsi-ld:null" to ask for deletion.
 *
 * In an EntityFragment, an attribute deleted as a whole is `null`. A single instance or a
 * sub-attribute to delete is carried as an attribute whose value member is the marker (the
 * same way the client wrote it), because Attribute.sub cannot hold null. The merge rules
 * test it with isNullMarker.
 */
import type { Attribute } from '../entity';

export const NGSI_LD_NULL = 'urn:ngsi-ld:null';

/** A deletion marker sub-attribute / instance, as produced by the fragment parsers. */
export function nullMarker(datasetId?: string): Attribute {
  const a: Attribute = { type: 'Property', value: NGSI_LD_NULL };
  if (datasetId !== undefined) a.datasetId = datasetId;
  return a;
}

/** True when the instance's value member is the null marker (any attribute kind). */
export function isNullMarker(a: Attribute): boolean {
  const m = a.value ?? a.object ?? a.vocab ?? a.json ?? (a.languageMap as Record<string, unknown> | undefined)?.['@none'];
  return m === NGSI_LD_NULL;
}
