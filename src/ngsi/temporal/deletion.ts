/**
 * Deletion markers (GS CIM 009 v1.8.1 clause 5.2.1 with 4.5.7 / 4.5.8): when an attribute
 * instance leaves an entity (update, merge, delete attribute) or the entity is deleted, its
 * history gets one more instance carrying deletedAt, whose value member is the NGSI-LD Null:
 * "urn:ngsi-ld:null" as a Property value or Relationship object, {"@none": "urn:ngsi-ld:null"}
 * as a languageMap. The other kinds take the marker in their own value member (vocab, json,
 * a one-element valueList / objectList), as Stellio records them.
 */
import type { Attribute } from '../entity';
import { NGSI_LD_NULL } from '../parse/null';

/** The instance recorded for `removed` deleted at `at` (its type, datasetId and createdAt stay). */
export function deletionMarker(removed: Attribute, at: string): Attribute {
  const m: Attribute = { type: removed.type };
  switch (removed.type) {
    case 'Property':
    case 'GeoProperty': m.value = NGSI_LD_NULL; break;
    case 'Relationship': m.object = NGSI_LD_NULL; break;
    case 'LanguageProperty': m.languageMap = { '@none': NGSI_LD_NULL }; break;
    case 'VocabProperty': m.vocab = NGSI_LD_NULL; break;
    case 'JsonProperty': m.json = NGSI_LD_NULL; break;
    case 'ListProperty': m.valueList = [NGSI_LD_NULL]; break;
    case 'ListRelationship': m.objectList = [NGSI_LD_NULL]; break;
  }
  if (removed.datasetId !== undefined) m.datasetId = removed.datasetId;
  m.createdAt = removed.createdAt ?? at;
  m.modifiedAt = at;
  return m;
}
