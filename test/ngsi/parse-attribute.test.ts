import assert from 'node:assert/strict';
import { parseAttribute } from '../../src/ngsi/parse';
import { NgsiError } from '../../src/ngsi/errors';
import { LOCATION_IRI } from '../../src/ngsi/entity';
import { DEFAULT_VOCAB, coreContext, userContext } from '../helpers/context';

const NOW = '2024-05-01T10:00:00.000Z';
const ctx = userContext({ speed: 'https://example.org/speed', Car: 'https://example.org/Car', ex: 'https://example.org/' });
const SPEED = 'https://example.org/speed';
const parse = (value: unknown, name = SPEED) => parseAttribute(name, value, ctx, NOW);

const badRequest = (fragment: string) => (err: unknown): boolean => {
  assert.ok(err instanceof NgsiError, `expected NgsiError, got ${String(err)}`);
  assert.equal(err.problem, 'BadRequestData');
  assert.match(err.detail, new RegExp(fragment));
  return true;
};

const point = { type: 'Point', coordinates: [-8.5, 41.2] };

describe('parseAttribute: normalized attributes (clause 4.5, 5.2)', () => {
  it('parses a Property with its optional members and stamps both timestamps', () => {
    const [a] = parse({ type: 'Property', value: 55, unitCode: 'KMH', observedAt: '2024-05-01T09:00:00Z', datasetId: 'urn:ds:1' });
    assert.deepEqual(a, {
      type: 'Property', value: 55, unitCode: 'KMH', observedAt: '2024-05-01T09:00:00Z', datasetId: 'urn:ds:1',
      createdAt: NOW, modifiedAt: NOW,
    });
  });

  it('keeps a JSON object value as given, without expanding its keys', () => {
    const value = { speed: 1, nested: { Car: 'x' } };
    assert.deepEqual(parse({ type: 'Property', value })[0].value, value);
  });

  it('parses a Relationship with one URI or an array of URIs, expanding objectType', () => {
    assert.equal(parse({ type: 'Relationship', object: 'urn:ngsi-ld:Car:1' })[0].object, 'urn:ngsi-ld:Car:1');
    const [r] = parse({ type: 'Relationship', object: ['urn:a:1', 'urn:a:2'], objectType: 'Car' });
    assert.deepEqual(r.object, ['urn:a:1', 'urn:a:2']);
    assert.equal(r.objectType, 'https://example.org/Car');
  });

  it('parses a GeoProperty with a valid geometry', () => {
    assert.deepEqual(parse({ type: 'GeoProperty', value: point })[0].value, point);
  });

  it('parses a LanguageProperty', () => {
    const languageMap = { en: 'car', fr: ['voiture', 'auto'], '@none': 'x' };
    assert.deepEqual(parse({ type: 'LanguageProperty', languageMap })[0].languageMap, languageMap);
  });

  it('parses a VocabProperty, expanding each word with the context', () => {
    assert.equal(parse({ type: 'VocabProperty', vocab: 'Car' })[0].vocab, 'https://example.org/Car');
    assert.deepEqual(parse({ type: 'VocabProperty', vocab: ['Car', 'Bike'] })[0].vocab, ['https://example.org/Car', `${DEFAULT_VOCAB}Bike`]);
  });

  it("accepts 'VocabularyProperty' as the older name of VocabProperty (as Orion-LD)", () => {
    assert.equal(parse({ type: 'VocabularyProperty', vocab: 'Car' })[0].type, 'VocabProperty');
  });

  it('keeps a JsonProperty as is', () => {
    const json = { Car: [1, { a: null }] };
    assert.deepEqual(parse({ type: 'JsonProperty', json })[0].json, json);
  });

  it('parses a ListProperty and a ListRelationship (objects stored as URIs)', () => {
    assert.deepEqual(parse({ type: 'ListProperty', valueList: [3, 1, 2] })[0].valueList, [3, 1, 2]);
    const [l] = parse({ type: 'ListRelationship', objectList: [{ object: 'urn:a:1' }, 'urn:a:2'] });
    assert.deepEqual(l.objectList, ['urn:a:1', 'urn:a:2']);
  });

  it('parses sub-attributes recursively, expanded, with timestamps', () => {
    const [a] = parse({
      type: 'Property', value: 1,
      accuracy: { type: 'Property', value: 0.9, source: { type: 'Relationship', object: 'urn:src:1' } },
      ex: 'shadowed?',
    });
    const acc = a.sub?.[`${DEFAULT_VOCAB}accuracy`];
    assert.equal(acc?.value, 0.9);
    assert.equal(acc?.createdAt, NOW);
    assert.equal(acc?.sub?.[`${DEFAULT_VOCAB}source`]?.object, 'urn:src:1');
    assert.equal(a.sub?.['https://example.org/']?.value, 'shadowed?');
  });

  it('ignores createdAt / modifiedAt sent by the client (system-generated)', () => {
    const [a] = parse({ type: 'Property', value: 1, createdAt: '2000-01-01T00:00:00Z', modifiedAt: 'garbage' });
    assert.equal(a.createdAt, NOW);
    assert.equal(a.modifiedAt, NOW);
  });
});

describe('parseAttribute: concise representation (clause 4.5.x)', () => {
  it('a bare string, number, boolean or array is a Property', () => {
    for (const v of ['fast', 12.5, false, [1, 2]]) {
      const [a] = parse(v);
      assert.equal(a.type, 'Property');
      assert.deepEqual(a.value, v);
    }
  });

  it('infers the kind from the value member', () => {
    const cases: [unknown, string][] = [
      [{ value: 1 }, 'Property'],
      [{ value: point }, 'GeoProperty'],
      [{ object: 'urn:a:1' }, 'Relationship'],
      [{ languageMap: { en: 'x' } }, 'LanguageProperty'],
      [{ vocab: 'Car' }, 'VocabProperty'],
      [{ json: { a: 1 } }, 'JsonProperty'],
      [{ valueList: [1] }, 'ListProperty'],
      [{ objectList: ['urn:a:1'] }, 'ListRelationship'],
    ];
    for (const [input, kind] of cases) assert.equal(parse(input)[0].type, kind, JSON.stringify(input));
  });

  it('a bare GeoJSON geometry is a GeoProperty', () => {
    const [a] = parse(point);
    assert.equal(a.type, 'GeoProperty');
    assert.deepEqual(a.value, point);
  });

  it('location is a GeoProperty even when its value is given with a plain value member', () => {
    assert.equal(parseAttribute(LOCATION_IRI, { value: point }, coreContext(), NOW)[0].type, 'GeoProperty');
  });

  it('keeps concise sub-attributes and members', () => {
    const [a] = parse({ value: 3, unitCode: 'KMH', accuracy: 0.5 });
    assert.equal(a.unitCode, 'KMH');
    assert.deepEqual(a.sub?.[`${DEFAULT_VOCAB}accuracy`], { type: 'Property', value: 0.5, createdAt: NOW, modifiedAt: NOW });
  });
});

describe('parseAttribute: multi-attributes (clause 4.5.5)', () => {
  it('parses an array of instances with distinct datasetIds', () => {
    const list = parse([{ type: 'Property', value: 1 }, { value: 2, datasetId: 'urn:ds:gps' }]);
    assert.equal(list.length, 2);
    assert.equal(list[0].datasetId, undefined);
    assert.equal(list[1].datasetId, 'urn:ds:gps');
  });

  it('rejects a duplicate datasetId', () => {
    assert.throws(() => parse([{ value: 1, datasetId: 'urn:ds:1' }, { value: 2, datasetId: 'urn:ds:1' }]), badRequest("datasetId 'urn:ds:1' is used twice"));
  });

  it('rejects two default instances', () => {
    assert.throws(() => parse([{ type: 'Property', value: 1 }, { type: 'Property', value: 2 }]), badRequest('more than one default instance'));
  });

  it('an array of plain objects is a Property value, not instances', () => {
    const [a] = parse([{ a: 1 }, { b: 2 }]);
    assert.deepEqual(a.value, [{ a: 1 }, { b: 2 }]);
  });
});

describe('parseAttribute: errors name the attribute (BadRequestData)', () => {
  const cases: [string, unknown, string][] = [
    ['null', null, "attribute 'speed'.*null"],
    ['the null marker outside merge', 'urn:ngsi-ld:null', 'null'],
    ['an unknown type', { type: 'Thing', value: 1 }, 'type "Thing" is not an attribute type'],
    ['a Property without value', { type: 'Property', unitCode: 'x' }, "needs a 'value'"],
    ['a Property with a null value', { type: 'Property', value: null }, "'value' must not be null"],
    ['a Property with an object member', { type: 'Property', value: 1, object: 'urn:a:1' }, "member 'object' is not allowed in a Property"],
    ['a Relationship with a value', { type: 'Relationship', object: 'urn:a:1', value: 1 }, "member 'value' is not allowed"],
    ['a Relationship with a non-URI object', { type: 'Relationship', object: 'not a uri' }, 'is not a valid URI'],
    ['a Relationship with an empty object array', { type: 'Relationship', object: [] }, 'non-empty array of URIs'],
    ['a Relationship with unitCode', { type: 'Relationship', object: 'urn:a:1', unitCode: 'KMH' }, 'unitCode is not allowed in a Relationship'],
    ['objectType on a Property', { type: 'Property', value: 1, objectType: 'Car' }, 'objectType is only allowed in a Relationship'],
    ['an invalid geometry', { type: 'GeoProperty', value: { type: 'Point', coordinates: [1] } }, 'not a valid GeoJSON geometry'],
    ['a languageMap that is not an object', { type: 'LanguageProperty', languageMap: 'car' }, "'languageMap' must be an object"],
    ['a languageMap with a bad tag', { type: 'LanguageProperty', languageMap: { 'en us': 'x' } }, 'not a language tag'],
    ['a languageMap with a number', { type: 'LanguageProperty', languageMap: { en: 1 } }, "languageMap\\['en'\\]"],
    ['a vocab that is a number', { type: 'VocabProperty', vocab: 3 }, "'vocab' items"],
    ['a valueList that is not an array', { type: 'ListProperty', valueList: 1 }, "'valueList' must be an array"],
    ['an objectList with a non-URI', { type: 'ListRelationship', objectList: ['x y'] }, "'objectList'.*not a valid URI"],
    ['an invalid datasetId', { value: 1, datasetId: 'gps' }, "'datasetId' \"gps\" is not a valid URI"],
    ['an invalid observedAt', { value: 1, observedAt: '2024-13-01T00:00:00Z' }, 'observedAt .* is not an ISO 8601 date-time'],
    ['a non-string unitCode', { value: 1, unitCode: 3 }, 'unitCode must be a non-empty string'],
    ['an id inside the attribute', { value: 1, id: 'urn:a:1' }, "member 'id' is not allowed"],
    ['a JSON-LD keyword inside the attribute', { value: 1, '@type': 'x' }, "member '@type' is not allowed"],
    ['a reserved member', { value: 1, previousValue: 0 }, "member 'previousValue' is not allowed"],
    ['two value members (concise)', { value: 1, json: {} }, "member 'json' is not allowed in a Property"],
    ['an object without type or value member', { foo: 1 }, 'no type and no value member'],
    ['an invalid sub-attribute name', { value: 1, 'a b': 2 }, "Invalid attribute name 'a b'"],
    ['a datasetId on a sub-attribute', { value: 1, acc: { value: 1, datasetId: 'urn:ds:1' } }, "sub-attribute 'acc' of attribute 'speed'.*datasetId is only allowed"],
    ['a null sub-attribute outside merge', { value: 1, acc: null }, "sub-attribute 'acc'.*null"],
    ['an invalid sub-attribute', { value: 1, acc: { type: 'Relationship', object: 'x' } }, "sub-attribute 'acc' of attribute 'speed'"],
  ];
  for (const [what, value, detail] of cases) {
    it(`rejects ${what}`, () => assert.throws(() => parse(value), badRequest(detail)));
  }

  it('rejects location that is not a GeoProperty', () => {
    assert.throws(() => parseAttribute(LOCATION_IRI, { type: 'Property', value: 'here' }, coreContext(), NOW), badRequest("'location'.*must be a GeoProperty"));
    assert.throws(() => parseAttribute(LOCATION_IRI, 'here', coreContext(), NOW), badRequest('not a valid GeoJSON geometry'));
  });
});
