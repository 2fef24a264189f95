import { strict as assert } from 'node:assert';
import type { Attribute, Entity } from '../../src/ngsi/entity';
import type { CompiledContext } from '../../src/ngsi/jsonld/context';
import { compactTypes, renderEntity, type RenderOptions } from '../../src/ngsi/render';

const D = 'https://uri.etsi.org/ngsi-ld/default-context/';
const NGSI = 'https://uri.etsi.org/ngsi-ld/';
const EX = 'https://example.org/vocab/';

/** Map-based stand-in for the real compiled context: strips the default vocab, knows a few IRIs. */
class MapContext implements CompiledContext {
  readonly key = 'test';
  readonly source = 'https://example.org/context.jsonld';
  readonly linkUrl = 'https://example.org/context.jsonld';
  calls = 0;
  private readonly known = new Map<string, string>([[`${NGSI}location`, 'location'], [`${EX}Office`, 'ex:Office'], [`${EX}office`, 'ex:office']]);
  expandTerm(term: string): string { return D + term; }
  compactIri(iri: string): string {
    this.calls++;
    return this.known.get(iri) ?? (iri.startsWith(D) ? iri.slice(D.length) : iri);
  }
}

const T0 = '2024-01-01T00:00:00Z';
const T1 = '2024-01-02T00:00:00Z';

function building(): Entity {
  return {
    id: 'urn:ngsi-ld:Building:1',
    type: [`${D}Building`],
    scope: ['/Madrid'],
    createdAt: T0,
    modifiedAt: T1,
    attrs: {
      [`${D}temperature`]: [{
        type: 'Property', value: 21.5, unitCode: 'CEL', observedAt: T1, createdAt: T0, modifiedAt: T1,
        sub: { [`${D}accuracy`]: { type: 'Property', value: 0.1, createdAt: T0, modifiedAt: T1 } },
      }],
      [`${D}height`]: [{ type: 'Property', value: 30, createdAt: T0, modifiedAt: T1 }],
      [`${NGSI}location`]: [{ type: 'GeoProperty', value: { type: 'Point', coordinates: [1, 2] } }],
      [`${D}owner`]: [{ type: 'Relationship', object: 'urn:ngsi-ld:Person:1', objectType: `${D}Person` }],
      [`${D}name`]: [{ type: 'LanguageProperty', languageMap: { en: 'Tower', fr: 'Tour' } }],
      [`${D}category`]: [{ type: 'VocabProperty', vocab: [`${D}commercial`, `${EX}office`] }],
      [`${D}config`]: [{ type: 'JsonProperty', json: { a: 1, value: 2 } }],
      [`${D}floors`]: [{ type: 'ListProperty', valueList: [1, 2, 3] }],
      [`${D}tenants`]: [{ type: 'ListRelationship', objectList: ['urn:ngsi-ld:Shop:a', 'urn:ngsi-ld:Shop:b'] }],
    },
  };
}

const opts = (over: Partial<RenderOptions> = {}): RenderOptions => ({ format: 'normalized', sysAttrs: false, ...over });
const withAttr = (name: string, instances: Attribute[]): Entity =>
  ({ id: 'urn:x:1', type: [`${D}T`], createdAt: T0, modifiedAt: T1, attrs: { [D + name]: instances } });

describe('ngsi/render renderEntity', () => {
  const ctx = new MapContext();

  describe('normalized (clause 4.5.1)', () => {
    it('renders every attribute kind with compacted names, types, objectType and vocab', () => {
      assert.deepEqual(renderEntity(building(), ctx, opts()), {
        id: 'urn:ngsi-ld:Building:1',
        type: 'Building',
        scope: '/Madrid',
        temperature: { type: 'Property', value: 21.5, observedAt: T1, unitCode: 'CEL', accuracy: { type: 'Property', value: 0.1 } },
        height: { type: 'Property', value: 30 },
        location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [1, 2] } },
        owner: { type: 'Relationship', object: 'urn:ngsi-ld:Person:1', objectType: 'Person' },
        name: { type: 'LanguageProperty', languageMap: { en: 'Tower', fr: 'Tour' } },
        category: { type: 'VocabProperty', vocab: ['commercial', 'ex:office'] },
        config: { type: 'JsonProperty', json: { a: 1, value: 2 } },
        floors: { type: 'ListProperty', valueList: [1, 2, 3] },
        tenants: { type: 'ListRelationship', objectList: [{ object: 'urn:ngsi-ld:Shop:a' }, { object: 'urn:ngsi-ld:Shop:b' }] },
      });
    });

    it('keeps member order: id, type, scope, attributes in stored order, then sysAttrs', () => {
      const out = renderEntity(building(), ctx, opts({ sysAttrs: true }));
      assert.deepEqual(Object.keys(out), [
        'id', 'type', 'scope', 'temperature', 'height', 'location', 'owner', 'name', 'category', 'config',
        'floors', 'tenants', 'createdAt', 'modifiedAt',
      ]);
      assert.equal(out['@context'], undefined);
    });

    it('adds createdAt/modifiedAt to entity, instances and sub-attributes only with sysAttrs', () => {
      const on = renderEntity(building(), ctx, opts({ sysAttrs: true }));
      assert.equal(on.createdAt, T0);
      assert.equal(on.modifiedAt, T1);
      assert.deepEqual(on.temperature, {
        type: 'Property', value: 21.5, observedAt: T1, unitCode: 'CEL', createdAt: T0, modifiedAt: T1,
        accuracy: { type: 'Property', value: 0.1, createdAt: T0, modifiedAt: T1 },
      });
      const off = renderEntity(building(), ctx, opts());
      assert.equal('createdAt' in off, false);
      assert.equal('createdAt' in (off.height as object), false);
    });

    it('renders several instances (datasetIds) as an array', () => {
      const e = withAttr('speed', [
        { type: 'Property', value: 55 },
        { type: 'Property', value: 54.5, datasetId: 'urn:ngsi-ld:Dataset:gps' },
      ]);
      assert.deepEqual(renderEntity(e, ctx, opts()).speed, [
        { type: 'Property', value: 55 },
        { type: 'Property', value: 54.5, datasetId: 'urn:ngsi-ld:Dataset:gps' },
      ]);
    });

    it('renders a single VocabProperty value as a compacted string and a multi-object Relationship as is', () => {
      const e = withAttr('status', [{ type: 'VocabProperty', vocab: `${EX}Office` }]);
      e.attrs[`${D}rel`] = [{ type: 'Relationship', object: ['urn:a', 'urn:b'] }];
      const out = renderEntity(e, ctx, opts());
      assert.deepEqual(out.status, { type: 'VocabProperty', vocab: 'ex:Office' });
      assert.deepEqual(out.rel, { type: 'Relationship', object: ['urn:a', 'urn:b'] });
    });

    it('renders several entity types as an array and leaves scope out when there is none', () => {
      const e = withAttr('p', [{ type: 'Property', value: 1 }]);
      e.type = [`${D}A`, `${EX}Office`];
      const out = renderEntity(e, ctx, opts());
      assert.deepEqual(out.type, ['A', 'ex:Office']);
      assert.equal('scope' in out, false);
      e.scope = ['/a', '/b'];
      assert.deepEqual(renderEntity(e, ctx, opts()).scope, ['/a', '/b']);
    });

    it('renders sub-attributes recursively with the same rules (nested relationship, vocab)', () => {
      const e = withAttr('temp', [{
        type: 'Property', value: 1,
        sub: { [`${D}measuredBy`]: { type: 'Relationship', object: 'urn:s:1', sub: { [`${D}kind`]: { type: 'VocabProperty', vocab: `${EX}office` } } } },
      }]);
      assert.deepEqual(renderEntity(e, ctx, opts()).temp, {
        type: 'Property', value: 1,
        measuredBy: { type: 'Relationship', object: 'urn:s:1', kind: { type: 'VocabProperty', vocab: 'ex:office' } },
      });
    });
  });

  describe('concise (type omitted where inferable)', () => {
    const c = opts({ format: 'concise' });

    it('collapses metadata-free Property/GeoProperty to bare values and drops type elsewhere', () => {
      assert.deepEqual(renderEntity(building(), ctx, c), {
        id: 'urn:ngsi-ld:Building:1',
        type: 'Building',
        scope: '/Madrid',
        temperature: { value: 21.5, observedAt: T1, unitCode: 'CEL', accuracy: 0.1 },
        height: 30,
        location: { type: 'Point', coordinates: [1, 2] },
        owner: { object: 'urn:ngsi-ld:Person:1', objectType: 'Person' },
        name: { languageMap: { en: 'Tower', fr: 'Tour' } },
        category: { vocab: ['commercial', 'ex:office'] },
        config: { json: { a: 1, value: 2 } },
        floors: { valueList: [1, 2, 3] },
        tenants: { objectList: [{ object: 'urn:ngsi-ld:Shop:a' }, { object: 'urn:ngsi-ld:Shop:b' }] },
      });
    });

    it('keeps {value} when sysAttrs add timestamps, and on GeoProperty with metadata', () => {
      const out = renderEntity(building(), ctx, opts({ format: 'concise', sysAttrs: true }));
      assert.deepEqual(out.height, { value: 30, createdAt: T0, modifiedAt: T1 });
      const e = withAttr('where', [{ type: 'GeoProperty', value: { type: 'Point', coordinates: [0, 0] }, observedAt: T0 }]);
      assert.deepEqual(renderEntity(e, ctx, c).where, { value: { type: 'Point', coordinates: [0, 0] }, observedAt: T0 });
    });

    it('keeps {value} when the bare value would read back as an attribute or as instances', () => {
      const e = withAttr('a', [{ type: 'Property', value: { value: 3 } }]);
      e.attrs[`${D}b`] = [{ type: 'Property', value: { type: 'Point', coordinates: [0, 0] } }];
      e.attrs[`${D}c`] = [{ type: 'Property', value: [{ object: 'urn:x' }] }];
      e.attrs[`${D}d`] = [{ type: 'Property', value: { street: 'Main' } }];
      e.attrs[`${D}e`] = [{ type: 'Property', value: ['x', 'y'] }];
      e.attrs[`${D}f`] = [{ type: 'Property', value: null }];
      const out = renderEntity(e, ctx, c);
      assert.deepEqual(out.a, { value: { value: 3 } });
      assert.deepEqual(out.b, { value: { type: 'Point', coordinates: [0, 0] } });
      assert.deepEqual(out.c, { value: [{ object: 'urn:x' }] });
      assert.deepEqual(out.d, { street: 'Main' });
      assert.deepEqual(out.e, ['x', 'y']);
      assert.equal(out.f, null);
    });

    it('renders multi-instance attributes as an array of non-collapsed instances', () => {
      const e = withAttr('speed', [
        { type: 'Property', value: 55 },
        { type: 'Property', value: 54.5, datasetId: 'urn:ds:2' },
      ]);
      assert.deepEqual(renderEntity(e, ctx, c).speed, [{ value: 55 }, { value: 54.5, datasetId: 'urn:ds:2' }]);
    });

    it('renders sub-attributes concisely too', () => {
      const e = withAttr('temp', [{
        type: 'Property', value: 1,
        sub: { [`${D}measuredBy`]: { type: 'Relationship', object: 'urn:s:1' }, [`${D}note`]: { type: 'Property', value: 'ok' } },
      }]);
      assert.deepEqual(renderEntity(e, ctx, c).temp, { value: 1, measuredBy: { object: 'urn:s:1' }, note: 'ok' });
    });
  });

  describe('keyValues (simplified, clause 4.5.4)', () => {
    const kv = opts({ format: 'keyValues' });

    it('renders each kind as its value, keeping the naming member where the type is not inferable', () => {
      assert.deepEqual(renderEntity(building(), ctx, kv), {
        id: 'urn:ngsi-ld:Building:1',
        type: 'Building',
        scope: '/Madrid',
        temperature: 21.5,
        height: 30,
        location: { type: 'Point', coordinates: [1, 2] },
        owner: 'urn:ngsi-ld:Person:1',
        name: { languageMap: { en: 'Tower', fr: 'Tour' } },
        category: { vocab: ['commercial', 'ex:office'] },
        config: { json: { a: 1, value: 2 } },
        floors: { valueList: [1, 2, 3] },
        tenants: { objectList: ['urn:ngsi-ld:Shop:a', 'urn:ngsi-ld:Shop:b'] },
      });
    });

    it('keeps entity sysAttrs but never attribute timestamps or sub-attributes', () => {
      const out = renderEntity(building(), ctx, opts({ format: 'keyValues', sysAttrs: true }));
      assert.equal(out.temperature, 21.5);
      assert.equal(out.createdAt, T0);
      assert.equal(out.modifiedAt, T1);
    });

    it('renders a multi-attribute as a dataset map with the default instance under @none', () => {
      const e = withAttr('speed', [
        { type: 'Property', value: 10 },
        { type: 'Property', value: 11, datasetId: 'urn:ds:1' },
      ]);
      e.attrs[`${D}owner`] = [
        { type: 'Relationship', object: 'urn:p:john', datasetId: 'urn:ds:1' },
        { type: 'Relationship', object: 'urn:p:jane', datasetId: 'urn:ds:2' },
      ];
      const out = renderEntity(e, ctx, kv);
      assert.deepEqual(out.speed, { dataset: { '@none': 10, 'urn:ds:1': 11 } });
      assert.deepEqual(out.owner, { dataset: { 'urn:ds:1': 'urn:p:john', 'urn:ds:2': 'urn:p:jane' } });
    });
  });

  describe('pick / omit (clause 4.21)', () => {
    it('keeps only picked members, attributes named by expanded IRI', () => {
      const out = renderEntity(building(), ctx, opts({ pick: new Set(['id', `${D}height`]) }));
      assert.deepEqual(out, { id: 'urn:ngsi-ld:Building:1', height: { type: 'Property', value: 30 } });
    });

    it('leaves omitted members out, id/type/scope included', () => {
      const out = renderEntity(building(), ctx, opts({ format: 'keyValues', omit: new Set(['type', 'scope', `${D}temperature`, `${NGSI}location`]) }));
      assert.deepEqual(Object.keys(out), ['id', 'height', 'owner', 'name', 'category', 'config', 'floors', 'tenants']);
    });

    it('treats entity createdAt/modifiedAt as members under pick', () => {
      const picked = renderEntity(building(), ctx, opts({ sysAttrs: true, pick: new Set(['id', 'modifiedAt']) }));
      assert.deepEqual(picked, { id: 'urn:ngsi-ld:Building:1', modifiedAt: T1 });
    });
  });

  describe('join=inline (clause 4.5.23)', () => {
    const shopA = { id: 'urn:ngsi-ld:Shop:a', type: 'Shop' };
    const person = { id: 'urn:ngsi-ld:Person:1', type: 'Person', name: 'Ann' };
    const inline = new Map<string, Record<string, unknown>>([[person.id, person], [shopA.id, shopA]]);

    it('adds `entity` to a Relationship and `entityList` to a ListRelationship (found targets only)', () => {
      const out = renderEntity(building(), ctx, opts({ inline }));
      assert.deepEqual(out.owner, { type: 'Relationship', object: 'urn:ngsi-ld:Person:1', entity: person, objectType: 'Person' });
      assert.deepEqual(out.tenants, {
        type: 'ListRelationship',
        objectList: [{ object: 'urn:ngsi-ld:Shop:a' }, { object: 'urn:ngsi-ld:Shop:b' }],
        entityList: [shopA],
      });
    });

    it('adds nothing when the target is not in the map', () => {
      const out = renderEntity(building(), ctx, opts({ format: 'concise', inline: new Map() }));
      assert.deepEqual(out.owner, { object: 'urn:ngsi-ld:Person:1', objectType: 'Person' });
      assert.equal('entityList' in (out.tenants as object), false);
    });

    it('in keyValues replaces the Relationship value by the target rendering', () => {
      const out = renderEntity(building(), ctx, opts({ format: 'keyValues', inline }));
      assert.equal(out.owner, person);
      assert.deepEqual(out.tenants, { objectList: ['urn:ngsi-ld:Shop:a', 'urn:ngsi-ld:Shop:b'], entityList: [shopA] });
    });
  });

  describe('compactTypes', () => {
    it('returns a string for one type and an array for several', () => {
      assert.equal(compactTypes([`${D}Building`], ctx), 'Building');
      assert.deepEqual(compactTypes([`${D}Building`, `${EX}Office`, 'urn:other:Type'], ctx), ['Building', 'ex:Office', 'urn:other:Type']);
    });
  });

  it('compacts only through ctx.compactIri (one call per name, no other compaction)', () => {
    const counting = new MapContext();
    renderEntity(withAttr('p', [{ type: 'Property', value: 1, sub: { [`${D}q`]: { type: 'Property', value: 2 } } }]), counting, opts());
    assert.equal(counting.calls, 3); // type, p, q
  });
});
