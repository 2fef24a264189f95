import assert from 'node:assert/strict';
import { parseAttributeFragment, parseEntity, parseEntityFragment, isNullMarker } from '../../src/ngsi/parse';
import { NgsiError } from '../../src/ngsi/errors';
import { LOCATION_IRI } from '../../src/ngsi/entity';
import { DEFAULT_VOCAB, coreContext, userContext } from '../helpers/context';

const NOW = '2024-05-01T10:00:00.000Z';
const ctx = userContext({ Car: 'https://example.org/Car', speed: 'https://example.org/speed' });
const SPEED = 'https://example.org/speed';

const badRequest = (fragment: string) => (err: unknown): boolean => {
  assert.ok(err instanceof NgsiError, `expected NgsiError, got ${String(err)}`);
  assert.equal(err.problem, 'BadRequestData');
  assert.match(err.detail, new RegExp(fragment));
  return true;
};

describe('parseEntity (clause 4.5.1, 5.6.1)', () => {
  it('expands type and attribute names, stamps the entity and every instance', () => {
    const e = parseEntity({
      '@context': ['whatever'],
      id: 'urn:ngsi-ld:Car:1',
      type: 'Car',
      speed: { type: 'Property', value: 80 },
      brand: 'Mercedes',
      location: { type: 'Point', coordinates: [1, 2] },
      createdAt: '1999-01-01T00:00:00Z',
      modifiedAt: '1999-01-01T00:00:00Z',
    }, ctx, NOW);
    assert.equal(e.id, 'urn:ngsi-ld:Car:1');
    assert.deepEqual(e.type, ['https://example.org/Car']);
    assert.equal(e.createdAt, NOW);
    assert.equal(e.modifiedAt, NOW);
    assert.equal(e.scope, undefined);
    assert.deepEqual(Object.keys(e.attrs).sort(), [SPEED, `${DEFAULT_VOCAB}brand`, LOCATION_IRI].sort());
    assert.equal(e.attrs[`${DEFAULT_VOCAB}brand`][0].value, 'Mercedes');
    assert.equal(e.attrs[LOCATION_IRI][0].type, 'GeoProperty');
    for (const list of Object.values(e.attrs)) for (const a of list) assert.equal(a.createdAt, NOW);
  });

  it('accepts multiple types as a set, and scopes', () => {
    const e = parseEntity({ id: 'urn:a:1', type: ['Car', 'Vehicle', 'Car'], scope: ['/a/b', '/c'] }, ctx, NOW);
    assert.deepEqual(e.type, ['https://example.org/Car', `${DEFAULT_VOCAB}Vehicle`]);
    assert.deepEqual(e.scope, ['/a/b', '/c']);
    assert.equal(parseEntity({ id: 'urn:a:1', type: 'Car', scope: '/x' }, ctx, NOW).scope?.[0], '/x');
  });

  it('does not treat an attribute given by term and by IRI as two attributes', () => {
    assert.throws(() => parseEntity({ id: 'urn:a:1', type: 'Car', speed: 1, [SPEED]: 2 }, ctx, NOW), badRequest("'https://example.org/speed' is given twice|given twice"));
  });

  const cases: [string, unknown, string][] = [
    ['a non-object body', [{ id: 'urn:a:1', type: 'Car' }], 'must be a JSON object'],
    ['a missing id', { type: 'Car' }, "'id' member is required"],
    ['a missing type', { id: 'urn:a:1' }, "'type' member is required"],
    ['an id that is not a URI', { id: 'car1', type: 'Car' }, 'Invalid entity id "car1"'],
    ['an empty type array', { id: 'urn:a:1', type: [] }, 'empty array'],
    ['a non-string type', { id: 'urn:a:1', type: [1] }, 'must be a string'],
    ['a type with forbidden characters', { id: 'urn:a:1', type: 'Car Park' }, "Invalid entity type 'Car Park'"],
    ['an invalid scope', { id: 'urn:a:1', type: 'Car', scope: 'nope' }, 'Invalid scope'],
    ['an invalid attribute name', { id: 'urn:a:1', type: 'Car', 'a=b': 1 }, "Invalid attribute name 'a=b'"],
    ['a JSON-LD keyword as attribute', { id: 'urn:a:1', type: 'Car', '@id': 'urn:a:1' }, "Invalid attribute name '@id'"],
    ['a null attribute', { id: 'urn:a:1', type: 'Car', speed: null }, "attribute 'speed' of entity 'urn:a:1'.*null"],
    ['a bad attribute', { id: 'urn:a:1', type: 'Car', speed: { type: 'Property' } }, "attribute 'speed' of entity 'urn:a:1'.*needs a 'value'"],
  ];
  for (const [what, doc, detail] of cases) {
    it(`rejects ${what}`, () => assert.throws(() => parseEntity(doc, ctx, NOW), badRequest(detail)));
  }
});

describe('parseEntityFragment (append, update, merge bodies)', () => {
  it('accepts a body with attributes only', () => {
    const f = parseEntityFragment({ speed: 10 }, ctx, NOW, { allowNull: false });
    assert.equal(f.id, undefined);
    assert.equal(f.type, undefined);
    assert.equal(f.scope, undefined);
    assert.equal(f.attrs[SPEED]?.[0].value, 10);
  });

  it('validates id and expands type when given', () => {
    const f = parseEntityFragment({ id: 'urn:a:1', type: 'Car' }, ctx, NOW, { allowNull: false });
    assert.equal(f.id, 'urn:a:1');
    assert.deepEqual(f.type, ['https://example.org/Car']);
    assert.throws(() => parseEntityFragment({ id: 'nope' }, ctx, NOW, { allowNull: false }), badRequest('Invalid entity id'));
  });

  it('turns null and "urn:ngsi-ld:null" into deletion markers when allowed', () => {
    const f = parseEntityFragment({
      speed: null,
      brand: 'urn:ngsi-ld:null',
      scope: 'urn:ngsi-ld:null',
      color: { value: 'red', shade: null, tone: 'urn:ngsi-ld:null' },
      wheels: { value: 'urn:ngsi-ld:null', datasetId: 'urn:ds:1' },
      owner: { type: 'Relationship', object: 'urn:ngsi-ld:null' },
      label: { type: 'LanguageProperty', languageMap: { '@none': 'urn:ngsi-ld:null' } },
    }, ctx, NOW, { allowNull: true });
    assert.equal(f.attrs[SPEED], null);
    assert.equal(f.attrs[`${DEFAULT_VOCAB}brand`], null);
    assert.equal(f.scope, null);
    const color = f.attrs[`${DEFAULT_VOCAB}color`]?.[0];
    assert.equal(color?.value, 'red');
    assert.ok(color?.sub && isNullMarker(color.sub[`${DEFAULT_VOCAB}shade`]));
    assert.ok(color?.sub && isNullMarker(color.sub[`${DEFAULT_VOCAB}tone`]));
    const wheels = f.attrs[`${DEFAULT_VOCAB}wheels`]?.[0];
    assert.ok(wheels && isNullMarker(wheels));
    assert.equal(wheels?.datasetId, 'urn:ds:1');
    assert.ok(isNullMarker(f.attrs[`${DEFAULT_VOCAB}owner`]![0]));
    assert.ok(isNullMarker(f.attrs[`${DEFAULT_VOCAB}label`]![0]));
  });

  it('rejects null attributes, sub-attributes and scope when not allowed', () => {
    const no = { allowNull: false };
    assert.throws(() => parseEntityFragment({ speed: null }, ctx, NOW, no), badRequest("attribute 'speed'.*null"));
    assert.throws(() => parseEntityFragment({ speed: 'urn:ngsi-ld:null' }, ctx, NOW, no), badRequest("attribute 'speed'.*null"));
    assert.throws(() => parseEntityFragment({ speed: { value: 1, acc: null } }, ctx, NOW, no), badRequest("sub-attribute 'acc'"));
    assert.throws(() => parseEntityFragment({ speed: { type: 'Property', value: 'urn:ngsi-ld:null' } }, ctx, NOW, no), badRequest('urn:ngsi-ld:null'));
    assert.throws(() => parseEntityFragment({ scope: null }, ctx, NOW, no), badRequest('Invalid scope'));
  });
});

describe('parseAttributeFragment (PATCH /entities/{id}/attrs/{attrId}, clause 5.6.4)', () => {
  it('keeps only the given members, type optional', () => {
    const f = parseAttributeFragment({ value: 3, observedAt: '2024-01-01T00:00:00Z' }, ctx, NOW);
    assert.equal(f.type, undefined);
    assert.deepEqual(f.members, { value: 3, observedAt: '2024-01-01T00:00:00Z' });
    assert.deepEqual(f.sub, {});
  });

  it('parses sub-attributes, with null (or the marker) meaning delete', () => {
    const f = parseAttributeFragment({ type: 'Property', accuracy: 0.3, source: null, other: 'urn:ngsi-ld:null' }, ctx, NOW);
    assert.equal(f.type, 'Property');
    assert.equal(f.sub[`${DEFAULT_VOCAB}accuracy`]?.value, 0.3);
    assert.equal(f.sub[`${DEFAULT_VOCAB}source`], null);
    assert.equal(f.sub[`${DEFAULT_VOCAB}other`], null);
  });

  it('checks members against the given type and expands vocab / objectType', () => {
    assert.deepEqual(parseAttributeFragment({ vocab: 'Car' }, ctx, NOW).members, { vocab: 'https://example.org/Car' });
    assert.equal(parseAttributeFragment({ objectType: 'Car', object: 'urn:a:1' }, ctx, NOW).members.objectType, 'https://example.org/Car');
    assert.throws(() => parseAttributeFragment({ type: 'Relationship', value: 1 }, ctx, NOW), badRequest("member 'value' is not allowed in a Relationship"));
    assert.throws(() => parseAttributeFragment({ type: 'GeoProperty', value: { type: 'Point' } }, ctx, NOW), badRequest('GeoJSON'));
  });

  const cases: [string, unknown, string][] = [
    ['a non-object body', 5, 'must be a JSON object'],
    ['an unknown type', { type: 'Nope' }, 'is not an attribute type'],
    ['a null value', { value: null }, "'value' must not be null"],
    ['an invalid object', { object: 'x' }, 'not a valid URI'],
    ['an invalid observedAt', { observedAt: 'today' }, 'observedAt'],
    ['an invalid sub-attribute', { acc: { type: 'Property' } }, "sub-attribute 'acc' of attribute fragment"],
    ['an id member', { id: 'urn:a:1' }, "member 'id' is not allowed"],
  ];
  for (const [what, body, detail] of cases) {
    it(`rejects ${what}`, () => assert.throws(() => parseAttributeFragment(body, coreContext(), NOW), badRequest(detail)));
  }
});
