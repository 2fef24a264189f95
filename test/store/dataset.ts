/**
 * The entities every filter test of the store contract queries, in creation order. Each one
 * exists to tell some filters apart; the comment says which.
 */
import type { Entity } from '../../src/ngsi/entity';
import { entity, iri, point, polygon, prop, rel } from './fixtures';

export const SENSOR_1 = 'urn:ngsi-ld:Sensor:1';
export const SENSOR_2 = 'urn:ngsi-ld:Sensor:2';
export const SENSOR_3 = 'urn:ngsi-ld:Sensor:3';
export const DEVICE_1 = 'urn:ngsi-ld:Device:1';
export const DEVICE_2 = 'urn:ngsi-ld:Device:2';
export const BUILDING_1 = 'urn:ngsi-ld:Building:1';
export const SENSOR_4 = 'urn:ngsi-ld:Sensor:4';
export const SENSOR_5 = 'urn:ngsi-ld:Sensor:5';

export function dataset(): Entity[] {
  return [
    // Paris; date-time value; relationship; array value; scope under /Madrid/Gardens.
    entity(SENSOR_1, ['Sensor'], {
      temperature: prop(25),
      name: prop('alpha'),
      active: prop(true),
      observed: prop('2024-01-10T10:00:00Z'),
      controlledBy: rel(DEVICE_1),
      tags: prop(['red', 'blue']),
      location: point(2.35, 48.85),
    }, ['/Madrid/Gardens']),
    // Madrid; sub-attribute and unitCode on temperature; a time of day; deeper scope.
    entity(SENSOR_2, ['Sensor'], {
      temperature: prop(15, { unitCode: 'CEL', sub: { [iri('accuracy')]: prop(0.5) } }),
      name: prop('beta'),
      active: prop(false),
      observed: prop('2024-03-01T00:00:00Z'),
      opens: prop('08:00:00Z'),
      controlledBy: rel(DEVICE_2),
      location: point(-3.7, 40.41),
    }, ['/Madrid/Gardens/ParqueNorte']),
    // Two types; two temperature instances (18 default, 30 in a dataset): any instance
    // matches; a date-time in the typed JSON-LD form.
    entity(SENSOR_3, ['Sensor', 'Device'], {
      temperature: [prop(18), prop(30, { datasetId: 'urn:ngsi-ld:Dataset:raw' })],
      name: prop('gamma'),
      since: prop({ '@type': 'DateTime', '@value': '2023-06-01T00:00:00Z' }),
      location: point(2.17, 41.38),
    }, ['/Barcelona']),
    entity(DEVICE_1, ['Device'], {
      name: prop('delta'),
      battery: prop(80),
      config: { type: 'JsonProperty', json: { mode: 'eco' } },
    }, ['/Madrid']),
    // No name; a VocabProperty (values stored expanded), a LanguageProperty, a scalar JsonProperty.
    entity(DEVICE_2, ['Device'], {
      battery: prop(5),
      category: { type: 'VocabProperty', vocab: iri('Actuator') },
      label: { type: 'LanguageProperty', languageMap: { en: 'pump', fr: ['pompe', 'pompe à eau'] } },
      raw: { type: 'JsonProperty', json: 42 },
    }),
    // Compound value; polygon location around central Paris.
    entity(BUILDING_1, ['Building'], {
      name: prop('Building alpha'),
      address: prop({ streetAddress: 'Main St', city: 'Paris' }),
      location: {
        type: 'GeoProperty',
        value: polygon([[2.3, 48.8], [2.4, 48.8], [2.4, 48.9], [2.3, 48.9], [2.3, 48.8]]),
      },
    }),
    // The string "25": numbers compare with numbers only.
    entity(SENSOR_4, ['Sensor'], { temperature: prop('25'), name: prop('epsilon') }),
    entity(SENSOR_5, ['Sensor'], {
      temperature: prop(20.5),
      tags: prop(['green']),
      readings: { type: 'ListProperty', valueList: [1, 2, 3] },
    }),
  ];
}
