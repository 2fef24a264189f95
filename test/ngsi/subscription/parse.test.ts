import assert from 'node:assert/strict';
import { LOCATION_IRI } from '../../../src/ngsi/entity';
import { DEFAULT_TRIGGERS } from '../../../src/ngsi/subscription/model';
import { parseSubscription } from '../../../src/ngsi/subscription/parse';
import { CORE_URL, coreContext, userContext } from '../../helpers/context';
import { assertNgsiError, body, NOW, newId, sub, v } from './fixtures';

const EX = 'https://example.org/';
const bad = (over: Record<string, unknown>, detail: RegExp) =>
  assertNgsiError(() => parseSubscription(body(over), coreContext(), NOW, newId), 'BadRequestData', detail);
const unsupported = (over: Record<string, unknown>, detail: RegExp) =>
  assertNgsiError(() => parseSubscription(body(over), coreContext(), NOW, newId), 'OperationNotSupported', detail);
const endpoint = (e: Record<string, unknown>) => ({ notification: { endpoint: { uri: 'http://r.example/n', ...e } } });

describe('ngsi/subscription parseSubscription (clause 5.2.12, 5.8.1)', () => {
  describe('defaults', () => {
    it('fills in every default of a minimal subscription', () => {
      const s = parseSubscription(body(), coreContext(), NOW, () => 'abc');
      assert.equal(s.id, 'urn:ngsi-ld:Subscription:abc');
      assert.deepEqual(s.entities, [{ type: 'Building' }]);
      assert.deepEqual(s.notificationTrigger, DEFAULT_TRIGGERS);
      assert.equal(s.isActive, true);
      assert.deepEqual(s.notification, {
        format: 'normalized', sysAttrs: false, showChanges: false,
        endpoint: { uri: 'http://receiver.example/notify', accept: 'application/json' },
      });
      assert.deepEqual(s.filter, { selectors: [{ type: { kind: 'type', iri: v('Building') } }] });
      assert.equal(s.context, CORE_URL);
      assert.deepEqual(s.delivery, { timesSent: 0, timesFailed: 0 });
      assert.equal(s.createdAt, NOW);
      assert.equal(s.modifiedAt, NOW);
      for (const k of ['watchedAttributes', 'q', 'geoQ', 'scopeQ', 'expiresAt', 'throttling', 'timeInterval', 'lang', 'jsonldContext']) {
        assert.equal(k in s, false, `${k} should be absent`);
      }
    });
    it('keeps a given id and takes a generated URI as it is', () => {
      assert.equal(sub({ id: 'urn:ngsi-ld:Subscription:mine' }).id, 'urn:ngsi-ld:Subscription:mine');
      assert.equal(parseSubscription(body(), coreContext(), NOW, () => 'urn:x:1').id, 'urn:x:1');
    });
    it('ignores the read-only members a client copies from a GET (status, createdAt, notification counters)', () => {
      const s = sub({
        status: 'active', createdAt: '2000-01-01T00:00:00Z', modifiedAt: '2000-01-01T00:00:00Z',
        notification: { endpoint: { uri: 'http://r.example/n' }, timesSent: 4, status: 'ok', lastNotification: NOW },
      });
      assert.equal(s.createdAt, NOW);
      assert.deepEqual(s.delivery, { timesSent: 0, timesFailed: 0 });
    });
    it('accepts "simplified" as the keyValues format (clause 4.5.4 name)', () => {
      assert.equal(sub({ notification: { format: 'simplified', endpoint: { uri: 'http://r.example/n' } } }).notification.format, 'keyValues');
    });
  });

  describe('names are expanded with the request @context', () => {
    const ctx = userContext({ Building: `${EX}Building`, temperature: `${EX}temperature`, place: `${EX}place` });
    it('expands entity types, watchedAttributes, notification.attributes, q and geoproperty', () => {
      const s = sub({
        watchedAttributes: ['temperature', 'humidity', 'temperature'],
        q: 'temperature>20',
        geoQ: { geometry: 'Point', coordinates: [1, 2], georel: 'near;maxDistance==10', geoproperty: 'place' },
        notification: { attributes: ['temperature'], endpoint: { uri: 'http://r.example/n' } },
      }, ctx);
      assert.deepEqual(s.filter.selectors, [{ type: { kind: 'type', iri: `${EX}Building` } }]);
      assert.deepEqual(s.watchedAttributes, [`${EX}temperature`, v('humidity')]);
      assert.deepEqual(s.notification.attributes, [`${EX}temperature`]);
      assert.equal(s.filter.q?.kind, 'compare');
      assert.equal((s.filter.q as { path: { attr: string } }).path.attr, `${EX}temperature`);
      assert.equal(s.filter.geoQ?.geoproperty, `${EX}place`);
      assert.deepEqual(s.geoQ, { geometry: 'Point', coordinates: [1, 2], georel: 'near;maxDistance==10', geoproperty: `${EX}place` });
      assert.equal(s.q, 'temperature>20');
      assert.deepEqual(s.context, ctx.source);
    });
    it('builds one selector per entities item, keeping the texts as given', () => {
      const s = sub({ entities: [{ type: 'Building', id: 'urn:ngsi-ld:Building:1' }, { idPattern: '^urn:x:.*', type: 'A|B' }] });
      assert.deepEqual(s.entities, [{ id: 'urn:ngsi-ld:Building:1', type: 'Building' }, { idPattern: '^urn:x:.*', type: 'A|B' }]);
      assert.deepEqual(s.filter.selectors, [
        { ids: ['urn:ngsi-ld:Building:1'], type: { kind: 'type', iri: v('Building') } },
        { idPattern: '^urn:x:.*', type: { kind: 'or', items: [{ kind: 'type', iri: v('A') }, { kind: 'type', iri: v('B') }] } },
      ]);
    });
    it('defaults geoproperty to location and accepts coordinates as JSON text', () => {
      const s = sub({ geoQ: { geometry: 'Point', coordinates: '[1,2]', georel: 'within' } });
      assert.equal(s.filter.geoQ?.geoproperty, LOCATION_IRI);
      assert.deepEqual(s.filter.geoQ?.geometry, { type: 'Point', coordinates: [1, 2] });
      assert.deepEqual(s.geoQ, { geometry: 'Point', coordinates: '[1,2]', georel: 'within' });
    });
    it('keeps a filter that survives JSON serialisation unchanged', () => {
      const s = sub({ q: 'a==1;b~="x.*"|c', scopeQ: '/Madrid/#', geoQ: { geometry: 'Point', coordinates: [1, 2], georel: 'near;maxDistance==5' } });
      assert.deepEqual(JSON.parse(JSON.stringify(s.filter)), s.filter);
    });
  });

  describe('top-level validation', () => {
    it('requires type Subscription', () => {
      assertNgsiError(() => parseSubscription({ entities: [{ type: 'A' }], notification: {} }, coreContext(), NOW, newId), 'BadRequestData', /type is required/);
      bad({ type: 'Subscriptions' }, /type must be 'Subscription'/);
    });
    it('requires the id to be a URI', () => {
      bad({ id: 'not a uri' }, /id must be a URI/);
      bad({ id: 42 }, /id must be a URI/);
    });
    it('refuses unknown members with 400 and known-but-unbuilt ones with 422', () => {
      bad({ colour: 'red' }, /colour is not a member of Subscription/);
      unsupported({ csf: 'a==b' }, /csf/);
      unsupported({ temporalQ: { timerel: 'before', timeAt: NOW } }, /temporalQ/);
    });
    it('needs entities or watchedAttributes', () => {
      bad({ entities: undefined }, /entities or watchedAttributes must be present/);
      assert.deepEqual(sub({ entities: undefined, watchedAttributes: ['speed'] }).watchedAttributes, [v('speed')]);
    });
    it('requires notification', () => {
      bad({ notification: undefined }, /notification is required/);
      bad({ notification: 'http://x' }, /notification must be an object/);
    });
    it('checks subscriptionName, description, isActive, lang and jsonldContext', () => {
      bad({ subscriptionName: 3 }, /subscriptionName must be a string/);
      bad({ description: {} }, /description must be a string/);
      bad({ isActive: 'yes' }, /isActive must be true or false/);
      bad({ lang: 'en GB' }, /lang 'en GB' is not a language tag/);
      bad({ jsonldContext: 'context.jsonld' }, /jsonldContext must be the URI/);
      const s = sub({ subscriptionName: 'n', description: 'd', isActive: false, lang: 'fr, en;q=0.5', jsonldContext: 'https://c.example/ctx.jsonld' });
      assert.deepEqual([s.subscriptionName, s.description, s.isActive, s.lang, s.jsonldContext], ['n', 'd', false, 'fr, en;q=0.5', 'https://c.example/ctx.jsonld']);
    });
  });

  describe('entities (clause 5.2.33 EntitySelector)', () => {
    it('must be a non-empty array of objects', () => {
      bad({ entities: [] }, /entities must not be an empty array/);
      bad({ entities: { type: 'A' } }, /entities must be an array/);
      bad({ entities: ['A'] }, /entities\[0\] must be an object/);
    });
    it('requires a valid type expression', () => {
      bad({ entities: [{ id: 'urn:x:1' }] }, /entities\[0\]\.type is required/);
      bad({ entities: [{ type: '' }] }, /entities\[0\]\.type must not be empty/);
      bad({ entities: [{ type: 'A;;B' }] }, /entities\[0\]\.type: Invalid type/);
    });
    it('refuses a non-URI id, an invalid idPattern, both together and unknown members', () => {
      bad({ entities: [{ type: 'A', id: 'x y' }] }, /entities\[0\]\.id is not a URI/);
      bad({ entities: [{ type: 'A', idPattern: '(' }] }, /entities\[0\]\.idPattern is not a valid regular expression/);
      bad({ entities: [{ type: 'A', id: 'urn:x:1', idPattern: '.*' }] }, /entities\[0\] cannot have both id and idPattern/);
      bad({ entities: [{ type: 'A', q: 'x' }] }, /entities\[0\]\.q is not a member of EntitySelector/);
    });
  });

  describe('watchedAttributes, notificationTrigger, q, geoQ, scopeQ', () => {
    it('watchedAttributes: a non-empty list of attribute names', () => {
      bad({ watchedAttributes: [] }, /watchedAttributes must not be an empty array/);
      bad({ watchedAttributes: 'speed' }, /watchedAttributes must be an array/);
      bad({ watchedAttributes: ['a b'] }, /watchedAttributes\[0\] is not an attribute name/);
      bad({ watchedAttributes: ['id'] }, /'id' is an entity member/);
    });
    it('notificationTrigger: the six values, de-duplicated', () => {
      bad({ notificationTrigger: [] }, /notificationTrigger must not be an empty array/);
      bad({ notificationTrigger: ['entityChanged'] }, /notificationTrigger\[0\] must be one of entityCreated/);
      assert.deepEqual(sub({ notificationTrigger: ['entityDeleted', 'entityDeleted', 'attributeDeleted'] }).notificationTrigger, ['entityDeleted', 'attributeDeleted']);
    });
    it('q: parse errors of the q language come through', () => {
      bad({ q: '' }, /q must not be empty/);
      bad({ q: 'a==' }, /Invalid q/);
      bad({ q: 5 }, /q must be a string/);
    });
    it('geoQ: an object checked by the geo-query parser', () => {
      bad({ geoQ: 'near' }, /geoQ must be an object/);
      bad({ geoQ: {} }, /geoQ needs geometry, coordinates and georel/);
      bad({ geoQ: { geometry: 'Point', coordinates: [1, 2] } }, /geoQ: Invalid geo-query: missing georel/);
      bad({ geoQ: { geometry: 'Point', coordinates: [1, 200], georel: 'within' } }, /latitude 200/);
      bad({ geoQ: { geometry: 'Point', coordinates: 5, georel: 'within' } }, /geoQ\.coordinates must be an array/);
      bad({ geoQ: { geometry: 'Point', coordinates: [1, 2], georel: 'within', maxDistance: 3 } }, /geoQ\.maxDistance is not a member/);
    });
    it('scopeQ: parse errors of the scope language come through', () => {
      bad({ scopeQ: 'Madrid' }, /Invalid scopeQ/);
      assert.deepEqual(sub({ scopeQ: '/Madrid/+' }).filter.scopeQ, { kind: 'scope', segments: ['Madrid', '+'] });
    });
  });

  describe('timing members', () => {
    it('timeInterval and throttling are positive numbers', () => {
      for (const member of ['timeInterval', 'throttling']) {
        bad({ [member]: 0 }, new RegExp(`${member} must be a number greater than 0`));
        bad({ [member]: -1 }, new RegExp(`${member} must be a number greater than 0`));
        bad({ [member]: '5' }, new RegExp(`${member} must be a number greater than 0`));
      }
      assert.equal(sub({ throttling: 0.5 }).throttling, 0.5);
      assert.equal(sub({ timeInterval: 60 }).timeInterval, 60);
    });
    it('timeInterval excludes watchedAttributes and throttling', () => {
      bad({ timeInterval: 10, watchedAttributes: ['a'] }, /timeInterval cannot be combined with watchedAttributes/);
      bad({ timeInterval: 10, throttling: 5 }, /timeInterval cannot be combined with throttling/);
    });
    it('expiresAt is an ISO 8601 date-time in the future', () => {
      bad({ expiresAt: 'tomorrow' }, /expiresAt must be an ISO 8601 date-time/);
      bad({ expiresAt: '2024-02-30T00:00:00Z' }, /expiresAt must be an ISO 8601 date-time/);
      bad({ expiresAt: NOW }, /expiresAt must be in the future/);
      bad({ expiresAt: '2020-01-01T00:00:00Z' }, /expiresAt must be in the future/);
      assert.equal(sub({ expiresAt: '2030-01-01T00:00:00Z' }).expiresAt, '2030-01-01T00:00:00Z');
    });
  });

  describe('notification (clause 5.2.14)', () => {
    const n = (over: Record<string, unknown>) => ({ notification: { endpoint: { uri: 'http://r.example/n' }, ...over } });
    it('checks attributes, format, sysAttrs and showChanges', () => {
      bad(n({ attributes: [] }), /notification\.attributes must not be an empty array/);
      bad(n({ attributes: ['ok', 7] }), /notification\.attributes\[1\] is not an attribute name/);
      bad(n({ format: 'compact' }), /notification\.format must be normalized, concise or keyValues/);
      bad(n({ sysAttrs: 'true' }), /notification\.sysAttrs must be true or false/);
      bad(n({ showChanges: 1 }), /notification\.showChanges must be true or false/);
    });
    it('refuses showChanges with keyValues (clause 5.2.14)', () => {
      bad(n({ showChanges: true, format: 'keyValues' }), /showChanges cannot be true when format is keyValues/);
    });
    it('refuses unknown members', () => {
      bad(n({ attrs: ['a'] }), /notification\.attrs is not a member of NotificationParams/);
    });
    it('takes join (flat, inline, @none) and joinLevel (1-5, default 1), and refuses anything else', () => {
      assert.deepEqual(sub(n({ join: 'flat' })).notification.join, { mode: 'flat', level: 1 });
      assert.deepEqual(sub(n({ join: 'inline', joinLevel: 3 })).notification.join, { mode: 'inline', level: 3 });
      assert.equal(sub(n({ join: '@none' })).notification.join, undefined);
      assert.equal(sub(n({})).notification.join, undefined);
      bad(n({ join: 'deep' }), /notification\.join must be flat, inline or @none/);
      bad(n({ join: 'flat', joinLevel: 0 }), /notification\.joinLevel must be an integer from 1 to 5/);
      bad(n({ join: 'flat', joinLevel: 6 }), /notification\.joinLevel must be an integer from 1 to 5/);
      bad(n({ join: 'flat', joinLevel: 1.5 }), /notification\.joinLevel must be an integer from 1 to 5/);
      bad(n({ joinLevel: 2 }), /notification\.joinLevel needs join flat or inline/);
    });
    it('requires an endpoint', () => {
      bad({ notification: { format: 'concise' } }, /notification\.endpoint is required/);
      bad({ notification: { endpoint: 'http://r.example' } }, /notification\.endpoint must be an object/);
    });
  });

  describe('endpoint (clause 5.2.15)', () => {
    it('requires an absolute http, https, mqtt or mqtts URI', () => {
      bad({ notification: { endpoint: {} } }, /notification\.endpoint\.uri is required/);
      bad(endpoint({ uri: 'receiver/notify' }), /uri is not an absolute URI/);
      bad(endpoint({ uri: 'ftp://r.example/n' }), /uri must use http, https, mqtt or mqtts, not 'ftp'/);
      bad(endpoint({ uri: 'urn:x:y' }), /must use http, https, mqtt or mqtts/);
      for (const uri of ['http://r.example', 'https://r.example:8443/a?b=c', 'mqtt://broker/topic', 'mqtts://u:p@broker:8883/a/b']) {
        assert.equal(sub(endpoint({ uri })).notification.endpoint.uri, uri);
      }
    });
    it('requires an MQTT topic without wildcards', () => {
      bad(endpoint({ uri: 'mqtt://broker:1883' }), /needs a topic/);
      bad(endpoint({ uri: 'mqtt://broker/' }), /needs a topic/);
      bad(endpoint({ uri: 'mqtt://broker/a/%23' }), /must not contain the MQTT wildcards/);
    });
    it('accepts application/json (default) and application/ld+json; GeoJSON is not built', () => {
      assert.equal(sub(endpoint({ accept: 'application/ld+json' })).notification.endpoint.accept, 'application/ld+json');
      unsupported(endpoint({ accept: 'application/geo+json' }), /GeoJSON notifications/);
      bad(endpoint({ accept: 'text/plain' }), /accept must be application\/json or application\/ld\+json/);
    });
    it('checks receiverInfo and notifierInfo pairs', () => {
      bad(endpoint({ receiverInfo: { key: 'a', value: 'b' } }), /receiverInfo must be an array/);
      bad(endpoint({ receiverInfo: [{ key: 'a' }] }), /receiverInfo\[0\]\.value must be a string/);
      bad(endpoint({ receiverInfo: [{ key: '', value: 'b' }] }), /receiverInfo\[0\]\.key must be a non-empty string/);
      bad(endpoint({ receiverInfo: [{ key: 'a', value: 'b', extra: 1 }] }), /receiverInfo\[0\]\.extra is not a member of KeyValuePair/);
      bad(endpoint({ receiverInfo: [{ key: 'Bad Header', value: 'b' }] }), /'Bad Header' is not a valid header name/);
      bad(endpoint({ receiverInfo: [{ key: 'X-A', value: 'b\r\nX-Evil: 1' }] }), /must not contain line breaks/);
      bad(endpoint({ notifierInfo: [{ key: 'MQTT-QoS', value: '3' }] }), /MQTT-QoS must be one of 0, 1, 2/);
      bad(endpoint({ notifierInfo: [{ key: 'MQTT-Version', value: '5' }] }), /MQTT-Version must be one of mqtt3\.1\.1, mqtt5\.0/);
      const e = sub(endpoint({
        uri: 'mqtt://b/t', receiverInfo: [{ key: 'X-Token', value: 'abc' }],
        notifierInfo: [{ key: 'MQTT-QoS', value: '1' }, { key: 'MQTT-Version', value: 'mqtt5.0' }, { key: 'other', value: 'x' }],
      })).notification.endpoint;
      assert.deepEqual(e.receiverInfo, [{ key: 'X-Token', value: 'abc' }]);
      assert.equal(e.notifierInfo?.length, 3);
    });
    it('checks timeout, refuses unknown members and cooldown (not built)', () => {
      bad(endpoint({ timeout: 0 }), /timeout must be a number greater than 0/);
      assert.equal(sub(endpoint({ timeout: 2500 })).notification.endpoint.timeout, 2500);
      bad(endpoint({ url: 'http://x' }), /endpoint\.url is not a member of Endpoint/);
      unsupported(endpoint({ cooldown: 1000 }), /cooldown/);
    });
  });
});
