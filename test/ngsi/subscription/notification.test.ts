import assert from 'node:assert/strict';
import { buildNotification } from '../../../src/ngsi/subscription/notification';
import type { SubscriptionChange } from '../../../src/ngsi/subscription/triggers';
import { CORE_URL, coreContext, userContext } from '../../helpers/context';
import { building, prop, rel, sub, v } from './fixtures';

const AT = '2024-06-01T12:00:05Z';
const NID = 'urn:ngsi-ld:Notification:1';
const T0 = '2024-01-01T00:00:00Z';
const T1 = '2024-01-02T00:00:00Z';
const T2 = '2024-01-03T00:00:00Z';
const NULL = 'urn:ngsi-ld:null';

const notification = (over: Record<string, unknown>, n: Record<string, unknown> = {}) => ({
  notification: { endpoint: { uri: 'http://r.example/n' }, ...n }, ...over,
});
const build = (over: Record<string, unknown>, n: Record<string, unknown>, changes: SubscriptionChange[], ctx = coreContext()) =>
  buildNotification(sub(notification(over, n), ctx), changes, ctx, AT, NID);
const data = (over: Record<string, unknown>, n: Record<string, unknown>, changes: SubscriptionChange[]) =>
  build(over, n, changes).body.data as Record<string, unknown>[];

const e1 = building({ speed: prop(50, { createdAt: T0, modifiedAt: T1 }), owner: rel('urn:ngsi-ld:Person:1') });

describe('ngsi/subscription buildNotification (clause 5.3.1)', () => {
  describe('the Notification and its @context', () => {
    it('application/json: id, type, subscriptionId, notifiedAt, data; a Link header, no @context', () => {
      const n = build({ id: 'urn:ngsi-ld:Subscription:s' }, {}, [{ kind: 'create', entity: e1 }]);
      assert.equal(n.contentType, 'application/json');
      assert.deepEqual(Object.keys(n.body), ['id', 'type', 'subscriptionId', 'notifiedAt', 'data']);
      assert.deepEqual([n.body.id, n.body.type, n.body.subscriptionId, n.body.notifiedAt], [NID, 'Notification', 'urn:ngsi-ld:Subscription:s', AT]);
      assert.equal(n.link, `<${CORE_URL}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`);
    });
    it('application/ld+json: the @context in the body, no Link', () => {
      const ctx = userContext({ speed: 'https://example.org/speed' });
      const n = build({}, { endpoint: { uri: 'http://r.example/n', accept: 'application/ld+json' } }, [{ kind: 'create', entity: e1 }], ctx);
      assert.equal(n.contentType, 'application/ld+json');
      assert.deepEqual(n.body['@context'], ctx.source);
      assert.equal(n.link, undefined);
    });
    it('jsonldContext wins, in the body or in the Link', () => {
      const jsonldContext = 'https://c.example/ctx.jsonld';
      const ld = build({ jsonldContext }, { endpoint: { uri: 'http://r.example/n', accept: 'application/ld+json' } }, []);
      assert.equal(ld.body['@context'], jsonldContext);
      assert.equal(build({ jsonldContext }, {}, []).link, `<${jsonldContext}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`);
    });
    it('an inline @context cannot be linked: the Link names the core context', () => {
      const n = build({}, {}, [], userContext({ speed: 'https://example.org/speed' }));
      assert.match(n.link ?? '', new RegExp(`^<${CORE_URL}>`));
    });
    it('has one data entry per change, in order', () => {
      const e2 = { ...e1, id: 'urn:ngsi-ld:Building:2' };
      const d = data({ notificationTrigger: ['entityCreated', 'entityDeleted'] }, {}, [{ kind: 'create', entity: e2 }, { kind: 'delete', previous: e1 }]);
      assert.deepEqual(d.map((x) => x.id), ['urn:ngsi-ld:Building:2', 'urn:ngsi-ld:Building:1']);
    });
  });

  describe('formats, attributes, sysAttrs, lang (clause 5.2.14)', () => {
    const change: SubscriptionChange[] = [{ kind: 'create', entity: e1 }];
    it('normalized (default)', () => {
      assert.deepEqual(data({}, {}, change), [{
        id: 'urn:ngsi-ld:Building:1', type: 'Building',
        speed: { type: 'Property', value: 50 },
        owner: { type: 'Relationship', object: 'urn:ngsi-ld:Person:1' },
      }]);
    });
    it('concise and keyValues', () => {
      assert.deepEqual(data({}, { format: 'concise' }, change)[0], { id: 'urn:ngsi-ld:Building:1', type: 'Building', speed: 50, owner: { object: 'urn:ngsi-ld:Person:1' } });
      assert.deepEqual(data({}, { format: 'keyValues' }, change)[0], { id: 'urn:ngsi-ld:Building:1', type: 'Building', speed: 50, owner: 'urn:ngsi-ld:Person:1' });
    });
    it('attributes picks the attributes, keeping id and type', () => {
      assert.deepEqual(data({}, { attributes: ['owner'] }, change)[0], { id: 'urn:ngsi-ld:Building:1', type: 'Building', owner: { type: 'Relationship', object: 'urn:ngsi-ld:Person:1' } });
    });
    it('sysAttrs adds createdAt/modifiedAt to the entity and its attributes, also with attributes', () => {
      const d = data({}, { sysAttrs: true, attributes: ['speed'] }, change)[0]!;
      assert.deepEqual(d, {
        id: 'urn:ngsi-ld:Building:1', type: 'Building',
        speed: { type: 'Property', value: 50, createdAt: T0, modifiedAt: T1 },
        createdAt: e1.createdAt, modifiedAt: e1.modifiedAt,
      });
    });
    it('lang renders LanguageProperties in the chosen language (clause 4.15)', () => {
      const e = building({ name: { type: 'LanguageProperty', languageMap: { en: 'Tower', fr: 'Tour' } } });
      assert.deepEqual(data({ lang: 'fr' }, {}, [{ kind: 'create', entity: e }])[0]!.name, { type: 'Property', value: 'Tour', lang: 'fr' });
    });
    it('a periodic notification (update without previous state) is the plain entity', () => {
      assert.deepEqual(data({}, { showChanges: true }, [{ kind: 'update', entity: e1 }])[0]!.speed, { type: 'Property', value: 50 });
    });
  });

  describe('showChanges (clause 5.2.14)', () => {
    const kinds = building({
      speed: prop(50, { modifiedAt: T1 }),
      same: prop(1, { modifiedAt: T1 }),
      owner: rel('urn:ngsi-ld:Person:1', { modifiedAt: T1 }),
      name: { type: 'LanguageProperty', languageMap: { en: 'Tower', fr: 'Tour' }, modifiedAt: T1 },
      category: { type: 'VocabProperty', vocab: v('office'), modifiedAt: T1 },
      config: { type: 'JsonProperty', json: { a: 1 }, modifiedAt: T1 },
      floors: { type: 'ListProperty', valueList: [1, 2], modifiedAt: T1 },
      tenants: { type: 'ListRelationship', objectList: ['urn:x:a'], modifiedAt: T1 },
    });
    const after = building({
      speed: prop(60, { modifiedAt: T2 }),
      same: prop(1, { modifiedAt: T1 }),
      owner: rel('urn:ngsi-ld:Person:2', { modifiedAt: T2 }),
      name: { type: 'LanguageProperty', languageMap: { en: 'Big Tower', fr: 'Grande Tour' }, modifiedAt: T2 },
      category: { type: 'VocabProperty', vocab: v('shop'), modifiedAt: T2 },
      config: { type: 'JsonProperty', json: { a: 2 }, modifiedAt: T2 },
      floors: { type: 'ListProperty', valueList: [1, 2, 3], modifiedAt: T2 },
      tenants: { type: 'ListRelationship', objectList: ['urn:x:b'], modifiedAt: T2 },
      fresh: prop(true),
    });
    const changed: SubscriptionChange[] = [{ kind: 'update', entity: after, previous: kinds }];

    it('normalized: every updated attribute carries its previous state, named after its kind', () => {
      const d = data({}, { showChanges: true }, changed)[0]!;
      assert.deepEqual(d.speed, { type: 'Property', value: 60, previousValue: 50 });
      assert.deepEqual(d.same, { type: 'Property', value: 1 });
      assert.deepEqual(d.owner, { type: 'Relationship', object: 'urn:ngsi-ld:Person:2', previousObject: 'urn:ngsi-ld:Person:1' });
      assert.deepEqual(d.name, { type: 'LanguageProperty', languageMap: { en: 'Big Tower', fr: 'Grande Tour' }, previousLanguageMap: { en: 'Tower', fr: 'Tour' } });
      assert.deepEqual(d.category, { type: 'VocabProperty', vocab: 'shop', previousVocab: 'office' });
      assert.deepEqual(d.config, { type: 'JsonProperty', json: { a: 2 }, previousJson: { a: 1 } });
      assert.deepEqual(d.floors, { type: 'ListProperty', valueList: [1, 2, 3], previousValueList: [1, 2] });
      assert.deepEqual(d.tenants, { type: 'ListRelationship', objectList: [{ object: 'urn:x:b' }], previousObjectList: [{ object: 'urn:x:a' }] });
      assert.deepEqual(d.fresh, { type: 'Property', value: true }, 'a created attribute has no previous value');
    });
    it('concise: a bare value gets its {value} form back to carry previousValue', () => {
      const d = data({}, { showChanges: true, format: 'concise' }, changed)[0]!;
      assert.deepEqual(d.speed, { value: 60, previousValue: 50 });
      assert.equal(d.same, 1);
      assert.equal(d.fresh, true);
      assert.deepEqual(d.owner, { object: 'urn:ngsi-ld:Person:2', previousObject: 'urn:ngsi-ld:Person:1' });
    });
    it('with lang, a LanguageProperty shown in one language gives the previous value in it', () => {
      const d = data({ lang: 'fr' }, { showChanges: true }, changed)[0]!;
      assert.deepEqual(d.name, { type: 'Property', value: 'Grande Tour', lang: 'fr', previousValue: 'Tour' });
    });
    it('multi-attributes: the previous state goes on the instance that changed', () => {
      const was = building({ temp: [prop(1, { modifiedAt: T1 }), prop(2, { datasetId: 'urn:ds:b', modifiedAt: T1 })] });
      const now = building({ temp: [prop(1, { modifiedAt: T1 }), prop(3, { datasetId: 'urn:ds:b', modifiedAt: T2 })] });
      const d = data({}, { showChanges: true }, [{ kind: 'update', entity: now, previous: was }])[0]!;
      assert.deepEqual(d.temp, [
        { type: 'Property', value: 1 },
        { type: 'Property', value: 3, datasetId: 'urn:ds:b', previousValue: 2 },
      ]);
    });
    it('without showChanges nothing is added', () => {
      assert.deepEqual(data({}, {}, changed)[0]!.speed, { type: 'Property', value: 60 });
    });
  });

  describe('deletions', () => {
    it('a deleted entity is {id, type, deletedAt} in every format', () => {
      const types = { ...e1, type: [v('Building'), v('Tower')] };
      for (const format of ['normalized', 'concise', 'keyValues']) {
        assert.deepEqual(data({ notificationTrigger: ['entityDeleted'] }, { format }, [{ kind: 'delete', previous: types }]), [
          { id: 'urn:ngsi-ld:Building:1', type: ['Building', 'Tower'], deletedAt: AT },
        ]);
      }
    });

    const was = building({
      speed: prop(50, { modifiedAt: T1 }),
      owner: rel('urn:ngsi-ld:Person:1'),
      name: { type: 'LanguageProperty', languageMap: { en: 'Tower' } },
      temp: [prop(1), prop(2, { datasetId: 'urn:ds:b' })],
      kept: prop(7),
    });
    const now = building({ temp: [prop(1)], kept: prop(7) });
    const changes: SubscriptionChange[] = [{ kind: 'update', entity: now, previous: was }];
    const withDeleted = { notificationTrigger: ['attributeDeleted'] };

    it('attributeDeleted: each deleted instance with urn:ngsi-ld:null and deletedAt (clause 5.2.1)', () => {
      assert.deepEqual(data(withDeleted, {}, changes)[0], {
        id: 'urn:ngsi-ld:Building:1', type: 'Building',
        temp: [{ type: 'Property', value: 1 }, { type: 'Property', value: NULL, datasetId: 'urn:ds:b', deletedAt: AT }],
        kept: { type: 'Property', value: 7 },
        speed: { type: 'Property', value: NULL, deletedAt: AT },
        owner: { type: 'Relationship', object: NULL, deletedAt: AT },
        name: { type: 'LanguageProperty', languageMap: { '@none': NULL }, deletedAt: AT },
      });
    });
    it('entityUpdated covers attributeDeleted', () => {
      assert.deepEqual(data({ notificationTrigger: ['entityUpdated'] }, {}, changes)[0]!.speed, { type: 'Property', value: NULL, deletedAt: AT });
    });
    it('with showChanges the deleted instance also carries its previous value', () => {
      assert.deepEqual(data(withDeleted, { showChanges: true }, changes)[0]!.speed, { type: 'Property', value: NULL, deletedAt: AT, previousValue: 50 });
    });
    it('concise keeps {value, deletedAt}; keyValues shows the bare null', () => {
      assert.deepEqual(data(withDeleted, { format: 'concise' }, changes)[0]!.speed, { value: NULL, deletedAt: AT });
      const kv = data(withDeleted, { format: 'keyValues' }, changes)[0]!;
      assert.equal(kv.speed, NULL);
      assert.equal(kv.owner, NULL);
    });
    it('only the subscribed attributes are shown, deleted or not', () => {
      assert.deepEqual(Object.keys(data(withDeleted, { attributes: ['speed'] }, changes)[0]!), ['id', 'type', 'speed']);
    });
    it('without attributeDeleted (or entityUpdated) a deleted attribute is simply absent', () => {
      assert.deepEqual(Object.keys(data({}, {}, changes)[0]!), ['id', 'type', 'temp', 'kept']);
    });
  });
});
