import assert from 'node:assert/strict';
import type { Attribute, Entity } from '../../src/ngsi/entity';
import { NgsiError } from '../../src/ngsi/errors';
import { appendAttributes, deleteAttribute, patchAttribute, replaceAttribute, updateAttributes } from '../../src/ngsi/merge';
import { parseAttributeFragment } from '../../src/ngsi/parse';
import { coreContext } from '../helpers/context';

const T0 = '2024-01-01T00:00:00.000Z';
const T1 = '2024-06-01T12:00:00.000Z';
const SPEED = 'https://example.org/speed';
const BRAND = 'https://example.org/brand';
const ACC = 'https://example.org/accuracy';
const SRC = 'https://example.org/source';

const prop = (value: unknown, extra: Partial<Attribute> = {}, at = T0): Attribute =>
  ({ type: 'Property', value, createdAt: at, modifiedAt: at, ...extra });

function car(): Entity {
  return {
    id: 'urn:ngsi-ld:Car:1',
    type: ['https://example.org/Car'],
    createdAt: T0,
    modifiedAt: T0,
    attrs: {
      [SPEED]: [
        prop(50, { unitCode: 'KMH', sub: { [ACC]: prop(0.9) } }),
        prop(52, { datasetId: 'urn:ds:gps' }),
      ],
      [BRAND]: [prop('Mercedes')],
    },
  };
}

const failsWith = (problem: string, fragment: string) => (err: unknown): boolean => {
  assert.ok(err instanceof NgsiError, `expected NgsiError, got ${String(err)}`);
  assert.equal(err.problem, problem);
  assert.match(err.detail, new RegExp(fragment));
  return true;
};

/** Every test checks the input survived untouched. */
function frozenCopy(): { e: Entity; check: () => void } {
  const e = car();
  const snapshot = structuredClone(e);
  return { e, check: () => assert.deepEqual(e, snapshot, 'the input entity was mutated') };
}

describe('appendAttributes (clause 5.6.3)', () => {
  it('adds a new attribute with fresh timestamps and bumps the entity modifiedAt', () => {
    const { e, check } = frozenCopy();
    const color = 'https://example.org/color';
    const r = appendAttributes(e, { [color]: [prop('red', {}, 'ignored')] }, { noOverwrite: false, now: T1 });
    assert.deepEqual(r.entity.attrs[color], [prop('red', {}, T1)]);
    assert.deepEqual(r.updated, [color]);
    assert.deepEqual(r.notUpdated, []);
    assert.equal(r.entity.modifiedAt, T1);
    assert.equal(r.entity.createdAt, T0);
    check();
  });

  it('replaces the instance with the same datasetId, keeping its createdAt', () => {
    const { e, check } = frozenCopy();
    const r = appendAttributes(e, { [SPEED]: [prop(99, { datasetId: 'urn:ds:gps' }, T1)] }, { noOverwrite: false, now: T1 });
    const list = r.entity.attrs[SPEED];
    assert.equal(list.length, 2);
    assert.deepEqual(list[1], { type: 'Property', value: 99, datasetId: 'urn:ds:gps', createdAt: T0, modifiedAt: T1 });
    assert.equal(list[0].value, 50, 'the default instance is untouched');
    check();
  });

  it('adds an instance with a new datasetId next to the existing ones', () => {
    const r = appendAttributes(car(), { [SPEED]: [prop(7, { datasetId: 'urn:ds:radar' })] }, { noOverwrite: false, now: T1 });
    assert.deepEqual(r.entity.attrs[SPEED].map((a) => a.datasetId), [undefined, 'urn:ds:gps', 'urn:ds:radar']);
  });

  it('with noOverwrite keeps existing instances and reports them', () => {
    const { e, check } = frozenCopy();
    const r = appendAttributes(e, {
      [BRAND]: [prop('BMW')],
      [SPEED]: [prop(1, { datasetId: 'urn:ds:new' })],
    }, { noOverwrite: true, now: T1 });
    assert.equal(r.entity.attrs[BRAND][0].value, 'Mercedes');
    assert.deepEqual(r.notUpdated, [{ attributeName: BRAND, reason: 'the default instance already exists and noOverwrite was requested' }]);
    assert.deepEqual(r.updated, [SPEED]);
    check();
  });

  it('leaves modifiedAt alone when nothing changed', () => {
    const r = appendAttributes(car(), { [BRAND]: [prop('BMW')] }, { noOverwrite: true, now: T1 });
    assert.equal(r.entity.modifiedAt, T0);
    assert.deepEqual(r.updated, []);
  });

  it('may change the kind of an attribute by replacing it whole', () => {
    const rel: Attribute = { type: 'Relationship', object: 'urn:ngsi-ld:Brand:1' };
    const r = appendAttributes(car(), { [BRAND]: [rel] }, { noOverwrite: false, now: T1 });
    assert.deepEqual(r.entity.attrs[BRAND], [{ type: 'Relationship', object: 'urn:ngsi-ld:Brand:1', createdAt: T0, modifiedAt: T1 }]);
  });
});

describe('updateAttributes (clause 5.6.2)', () => {
  it('replaces existing instances only, reporting the others', () => {
    const { e, check } = frozenCopy();
    const r = updateAttributes(e, {
      [SPEED]: [prop(60), prop(61, { datasetId: 'urn:ds:unknown' })],
      'https://example.org/missing': [prop(1)],
    }, T1);
    assert.deepEqual(r.entity.attrs[SPEED][0], { type: 'Property', value: 60, createdAt: T0, modifiedAt: T1 });
    assert.equal(r.entity.attrs[SPEED].length, 2);
    assert.equal(r.entity.attrs['https://example.org/missing'], undefined);
    assert.deepEqual(r.updated, [SPEED]);
    assert.deepEqual(r.notUpdated, [
      { attributeName: SPEED, reason: "the instance with datasetId 'urn:ds:unknown' of the attribute does not exist" },
      { attributeName: 'https://example.org/missing', reason: 'attribute not found in the entity' },
    ]);
    assert.equal(r.entity.modifiedAt, T1);
    check();
  });

  it('replaces the whole instance: members not given are gone', () => {
    const r = updateAttributes(car(), { [SPEED]: [prop(60)] }, T1);
    assert.equal(r.entity.attrs[SPEED][0].unitCode, undefined);
    assert.equal(r.entity.attrs[SPEED][0].sub, undefined);
  });

  it('keeps createdAt of sub-attributes that existed before', () => {
    const r = updateAttributes(car(), { [SPEED]: [prop(60, { sub: { [ACC]: prop(0.5, {}, T1), [SRC]: prop('x', {}, T1) } })] }, T1);
    const sub = r.entity.attrs[SPEED][0].sub!;
    assert.deepEqual(sub[ACC], { type: 'Property', value: 0.5, createdAt: T0, modifiedAt: T1 });
    assert.equal(sub[SRC].createdAt, T1);
  });

  it('changes nothing when no attribute exists', () => {
    const r = updateAttributes(car(), { 'https://example.org/x': [prop(1)] }, T1);
    assert.equal(r.entity.modifiedAt, T0);
  });
});

describe('patchAttribute (clause 5.6.4)', () => {
  const ctx = coreContext();
  const frag = (body: unknown) => parseAttributeFragment(body, ctx, T1);
  const OBS = '2024-06-01T11:00:00Z';

  it('replaces the given members and keeps the rest', () => {
    const { e, check } = frozenCopy();
    const out = patchAttribute(e, SPEED, frag({ value: 70, observedAt: OBS }), undefined, T1);
    const a = out.attrs[SPEED][0];
    assert.equal(a.value, 70);
    assert.equal(a.observedAt, OBS);
    assert.equal(a.unitCode, 'KMH');
    assert.deepEqual(a.sub?.[ACC], prop(0.9));
    assert.equal(a.createdAt, T0);
    assert.equal(a.modifiedAt, T1);
    assert.equal(out.modifiedAt, T1);
    check();
  });

  it('merges sub-attributes: given replace or add, null deletes', () => {
    const e = car();
    const withSrc = patchAttribute(e, SPEED, { members: {}, sub: { [SRC]: prop('radar', {}, T1) } }, undefined, T1);
    assert.deepEqual(Object.keys(withSrc.attrs[SPEED][0].sub!).sort(), [ACC, SRC].sort());
    const replaced = patchAttribute(withSrc, SPEED, { members: {}, sub: { [ACC]: prop(0.1, {}, T1) } }, undefined, T1);
    assert.deepEqual(replaced.attrs[SPEED][0].sub![ACC], { type: 'Property', value: 0.1, createdAt: T0, modifiedAt: T1 });
    const deleted = patchAttribute(replaced, SPEED, { members: {}, sub: { [ACC]: null, [SRC]: null } }, undefined, T1);
    assert.equal(deleted.attrs[SPEED][0].sub, undefined);
  });

  it('targets the instance given by datasetId (argument or fragment member)', () => {
    const byArg = patchAttribute(car(), SPEED, frag({ value: 1 }), 'urn:ds:gps', T1);
    assert.equal(byArg.attrs[SPEED][1].value, 1);
    assert.equal(byArg.attrs[SPEED][0].value, 50);
    const byMember = patchAttribute(car(), SPEED, frag({ value: 2, datasetId: 'urn:ds:gps' }), undefined, T1);
    assert.equal(byMember.attrs[SPEED][1].value, 2);
    assert.equal(byMember.attrs[SPEED][1].datasetId, 'urn:ds:gps');
  });

  it('answers ResourceNotFound for a missing attribute or instance', () => {
    assert.throws(() => patchAttribute(car(), 'https://example.org/none', frag({ value: 1 }), undefined, T1), failsWith('ResourceNotFound', 'has no attribute'));
    assert.throws(() => patchAttribute(car(), SPEED, frag({ value: 1 }), 'urn:ds:none', T1), failsWith('ResourceNotFound', "datasetId 'urn:ds:none'"));
    const noDefault: Entity = { ...car(), attrs: { [SPEED]: [prop(1, { datasetId: 'urn:ds:a' })] } };
    assert.throws(() => patchAttribute(noDefault, SPEED, frag({ value: 1 }), undefined, T1), failsWith('ResourceNotFound', 'default instance'));
  });

  it('refuses to change the attribute kind (as Orion-LD and Stellio)', () => {
    assert.throws(() => patchAttribute(car(), BRAND, frag({ type: 'Relationship', object: 'urn:a:1' }), undefined, T1),
      failsWith('BadRequestData', 'transform a Property into a Relationship'));
  });

  it('checks fragment members against the stored kind', () => {
    assert.throws(() => patchAttribute(car(), BRAND, frag({ object: 'urn:a:1' }), undefined, T1), failsWith('BadRequestData', "member 'object' is not allowed in a Property"));
    assert.throws(() => patchAttribute(car(), BRAND, frag({ objectType: 'Car' }), undefined, T1), failsWith('BadRequestData', 'objectType'));
    const geo: Entity = { ...car(), attrs: { loc: [{ type: 'GeoProperty', value: { type: 'Point', coordinates: [1, 2] } }] } };
    assert.throws(() => patchAttribute(geo, 'loc', frag({ value: 'here' }), undefined, T1), failsWith('BadRequestData', 'GeoJSON'));
    const rel: Entity = { ...car(), attrs: { r: [{ type: 'Relationship', object: 'urn:a:1' }] } };
    assert.throws(() => patchAttribute(rel, 'r', frag({ unitCode: 'KMH' }), undefined, T1), failsWith('BadRequestData', 'unitCode'));
  });
});

describe('replaceAttribute (clause 5.6.19)', () => {
  it('replaces the instance whole, keeping createdAt', () => {
    const { e, check } = frozenCopy();
    const out = replaceAttribute(e, SPEED, [prop(10, {}, T1)], T1);
    assert.deepEqual(out.attrs[SPEED][0], { type: 'Property', value: 10, createdAt: T0, modifiedAt: T1 });
    assert.equal(out.attrs[SPEED][1].value, 52);
    assert.equal(out.modifiedAt, T1);
    check();
  });

  it('answers ResourceNotFound for a missing attribute or instance', () => {
    assert.throws(() => replaceAttribute(car(), 'https://example.org/none', [prop(1)], T1), failsWith('ResourceNotFound', 'has no attribute'));
    assert.throws(() => replaceAttribute(car(), SPEED, [prop(1, { datasetId: 'urn:ds:x' })], T1), failsWith('ResourceNotFound', 'urn:ds:x'));
  });
});

describe('deleteAttribute (clause 5.6.5)', () => {
  it('deletes only the default instance by default', () => {
    const { e, check } = frozenCopy();
    const out = deleteAttribute(e, SPEED, { deleteAll: false, now: T1 });
    assert.deepEqual(out.attrs[SPEED].map((a) => a.datasetId), ['urn:ds:gps']);
    assert.equal(out.modifiedAt, T1);
    check();
  });

  it('deletes the instance with the given datasetId', () => {
    const out = deleteAttribute(car(), SPEED, { datasetId: 'urn:ds:gps', deleteAll: false, now: T1 });
    assert.deepEqual(out.attrs[SPEED].map((a) => a.value), [50]);
  });

  it('deletes every instance with deleteAll, and the attribute when its last instance goes', () => {
    assert.equal(SPEED in deleteAttribute(car(), SPEED, { deleteAll: true, now: T1 }).attrs, false);
    assert.equal(BRAND in deleteAttribute(car(), BRAND, { deleteAll: false, now: T1 }).attrs, false);
  });

  it('answers ResourceNotFound for a missing attribute or instance', () => {
    assert.throws(() => deleteAttribute(car(), 'https://example.org/none', { deleteAll: true, now: T1 }), failsWith('ResourceNotFound', 'has no attribute'));
    assert.throws(() => deleteAttribute(car(), 'https://example.org/none', { deleteAll: false, now: T1 }), failsWith('ResourceNotFound', 'has no attribute'));
    assert.throws(() => deleteAttribute(car(), BRAND, { datasetId: 'urn:ds:x', deleteAll: false, now: T1 }), failsWith('ResourceNotFound', 'urn:ds:x'));
  });
});
