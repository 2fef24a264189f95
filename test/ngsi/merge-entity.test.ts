import assert from 'node:assert/strict';
import type { Entity } from '../../src/ngsi/entity';
import { NgsiError } from '../../src/ngsi/errors';
import { addTypes, mergeEntity, replaceEntity, upsertEntity } from '../../src/ngsi/merge';
import { parseEntity, parseEntityFragment } from '../../src/ngsi/parse';
import { userContext } from '../helpers/context';

const T0 = '2024-01-01T00:00:00.000Z';
const T1 = '2024-06-01T12:00:00.000Z';
const EX = 'https://example.org/';
const ctx = userContext({ ex: EX, Car: `${EX}Car`, Vehicle: `${EX}Vehicle`, speed: `${EX}speed`, brand: `${EX}brand`, accuracy: `${EX}accuracy`, source: `${EX}source`, owner: `${EX}owner` });
const SPEED = `${EX}speed`;
const BRAND = `${EX}brand`;
const ACC = `${EX}accuracy`;
const SRC = `${EX}source`;
const OWNER = `${EX}owner`;

function car(): Entity {
  return parseEntity({
    id: 'urn:ngsi-ld:Car:1',
    type: 'Car',
    scope: '/Madrid',
    speed: [
      { value: 50, unitCode: 'KMH', observedAt: '2024-01-01T00:00:00Z', accuracy: 0.9, source: 'radar' },
      { value: 52, datasetId: 'urn:ds:gps' },
    ],
    brand: 'Mercedes',
    owner: { object: 'urn:ngsi-ld:Person:1' },
  }, ctx, T0);
}

const merge = (e: Entity, body: unknown) => mergeEntity(e, parseEntityFragment(body, ctx, T1, { allowNull: true }), T1);

function frozenCopy(): { e: Entity; check: () => void } {
  const e = car();
  const snapshot = structuredClone(e);
  return { e, check: () => assert.deepEqual(e, snapshot, 'the input entity was mutated') };
}

const failsWith = (problem: string, fragment: string) => (err: unknown): boolean => {
  assert.ok(err instanceof NgsiError, `expected NgsiError, got ${String(err)}`);
  assert.equal(err.problem, problem);
  assert.match(err.detail, new RegExp(fragment));
  return true;
};

describe('mergeEntity (clause 5.6.17)', () => {
  it('merges an instance member by member: the value replaced, the rest kept', () => {
    const { e, check } = frozenCopy();
    const out = merge(e, { speed: 80 });
    const a = out.attrs[SPEED][0];
    assert.equal(a.value, 80);
    assert.equal(a.unitCode, 'KMH');
    assert.equal(a.observedAt, '2024-01-01T00:00:00Z');
    assert.equal(a.sub?.[ACC]?.value, 0.9);
    assert.equal(a.createdAt, T0);
    assert.equal(a.modifiedAt, T1);
    assert.equal(out.attrs[SPEED][1].value, 52, 'other instances untouched');
    assert.equal(out.modifiedAt, T1);
    assert.equal(out.createdAt, T0);
    check();
  });

  it('merges sub-attributes: replaced, added, and deleted by null', () => {
    const out = merge(car(), { speed: { value: 81, accuracy: 0.5, source: null, note: 'new' } });
    const sub = out.attrs[SPEED][0].sub!;
    assert.deepEqual(sub[ACC], { type: 'Property', value: 0.5, createdAt: T0, modifiedAt: T1 });
    assert.equal(SRC in sub, false);
    assert.equal(sub[`https://uri.etsi.org/ngsi-ld/default-context/note`]?.createdAt, T1);
  });

  it('matches instances by datasetId and adds unknown ones', () => {
    const out = merge(car(), { speed: [{ value: 1, datasetId: 'urn:ds:gps' }, { value: 2, datasetId: 'urn:ds:radar' }] });
    assert.deepEqual(out.attrs[SPEED].map((a) => [a.datasetId, a.value]), [[undefined, 50], ['urn:ds:gps', 1], ['urn:ds:radar', 2]]);
    assert.equal(out.attrs[SPEED][2].createdAt, T1);
  });

  it('adds new attributes, dropping deletion markers they cannot apply', () => {
    const out = merge(car(), { color: { value: 'red', shade: null } });
    assert.deepEqual(out.attrs['https://uri.etsi.org/ngsi-ld/default-context/color'], [{ type: 'Property', value: 'red', createdAt: T1, modifiedAt: T1 }]);
  });

  it('deletes an attribute given null or "urn:ngsi-ld:null", and ignores absent ones', () => {
    const { e, check } = frozenCopy();
    const out = merge(e, { brand: null, owner: 'urn:ngsi-ld:null', absent: null });
    assert.equal(BRAND in out.attrs, false);
    assert.equal(OWNER in out.attrs, false);
    assert.ok(SPEED in out.attrs);
    check();
  });

  it('deletes one instance given the marker with its datasetId', () => {
    const out = merge(car(), { speed: { value: 'urn:ngsi-ld:null', datasetId: 'urn:ds:gps' } });
    assert.deepEqual(out.attrs[SPEED].map((a) => a.datasetId), [undefined]);
    const none = merge(out, { speed: { value: 'urn:ngsi-ld:null' } });
    assert.equal(SPEED in none.attrs, false, 'the last instance gone removes the attribute');
  });

  it('adds types (a set) and replaces or deletes the scope', () => {
    const out = merge(car(), { type: ['Vehicle', 'Car'], scope: ['/Paris', '/Rome'] });
    assert.deepEqual(out.type, [`${EX}Car`, `${EX}Vehicle`]);
    assert.deepEqual(out.scope, ['/Paris', '/Rome']);
    assert.equal(merge(out, { scope: null }).scope, undefined);
    assert.deepEqual(merge(out, {}).scope, ['/Paris', '/Rome'], 'scope untouched when absent');
  });

  it('refuses to change the kind of an existing attribute', () => {
    assert.throws(() => merge(car(), { brand: { object: 'urn:ngsi-ld:Brand:1' } }), failsWith('BadRequestData', "attribute '.*brand'.*transform a Property into a Relationship"));
  });

  it('refuses a fragment whose id is another entity', () => {
    assert.throws(() => merge(car(), { id: 'urn:ngsi-ld:Car:2' }), failsWith('BadRequestData', 'does not match'));
  });
});

describe('replaceEntity (clause 5.6.18)', () => {
  it('keeps the id and createdAt, takes everything else from the replacement', () => {
    const { e, check } = frozenCopy();
    const replacement = parseEntity({ id: 'urn:ngsi-ld:Car:1', type: 'Vehicle', speed: 10 }, ctx, T1);
    const out = replaceEntity(e, replacement, T1);
    assert.deepEqual(out, {
      id: 'urn:ngsi-ld:Car:1', type: [`${EX}Vehicle`], createdAt: T0, modifiedAt: T1,
      attrs: { [SPEED]: [{ type: 'Property', value: 10, createdAt: T1, modifiedAt: T1 }] },
    });
    check();
  });
});

describe('upsertEntity (clause 5.6.8)', () => {
  const incoming = () => parseEntity({ id: 'urn:ngsi-ld:Car:1', type: 'Vehicle', speed: 99, color: 'red' }, ctx, '1999-01-01T00:00:00Z');

  it('creates a missing entity with fresh timestamps', () => {
    const out = upsertEntity(undefined, incoming(), 'update', T1);
    assert.equal(out.createdAt, T1);
    assert.equal(out.modifiedAt, T1);
    assert.equal(out.attrs[SPEED][0].createdAt, T1);
  });

  it("mode 'replace' replaces the whole entity", () => {
    const { e, check } = frozenCopy();
    const out = upsertEntity(e, incoming(), 'replace', T1);
    assert.deepEqual(out.type, [`${EX}Vehicle`]);
    assert.equal(BRAND in out.attrs, false);
    assert.equal(out.attrs[SPEED].length, 1);
    assert.equal(out.createdAt, T0);
    check();
  });

  it("mode 'update' adds types and appends with overwrite, keeping other attributes", () => {
    const { e, check } = frozenCopy();
    const out = upsertEntity(e, incoming(), 'update', T1);
    assert.deepEqual(out.type, [`${EX}Car`, `${EX}Vehicle`]);
    assert.equal(out.attrs[BRAND][0].value, 'Mercedes');
    assert.equal(out.attrs[SPEED][0].value, 99);
    assert.equal(out.attrs[SPEED][0].unitCode, undefined, 'the default instance is overwritten whole');
    assert.equal(out.attrs[SPEED][0].createdAt, T0);
    assert.equal(out.attrs[SPEED][1].datasetId, 'urn:ds:gps');
    assert.deepEqual(out.scope, ['/Madrid']);
    assert.equal(out.modifiedAt, T1);
    check();
  });
});

describe('addTypes', () => {
  it('adds only new types and bumps modifiedAt only then', () => {
    const e = car();
    assert.equal(addTypes(e, [`${EX}Car`], T1).modifiedAt, T0);
    const out = addTypes(e, [`${EX}Vehicle`], T1);
    assert.deepEqual(out.type, [`${EX}Car`, `${EX}Vehicle`]);
    assert.equal(out.modifiedAt, T1);
    assert.deepEqual(e.type, [`${EX}Car`]);
  });
});

