import assert from 'node:assert/strict';
import { LOCATION_IRI, type Entity } from '../../../src/ngsi/entity';
import { NgsiError } from '../../../src/ngsi/errors';
import type { EntityFilter, GeoQuery } from '../../../src/ngsi/query/ast';
import { compileFilter, compileQ } from '../../../src/ngsi/query/matcher';
import { parseQ } from '../../../src/ngsi/query/q';
import { parseTypeExpr } from '../../../src/ngsi/query/typeExpr';
import { canReachTenant, canSeeAttribute, canSeeType, reachableTenants, visibleTypes } from '../../../src/security/policy/discovery';
import { narrow, type Narrowing } from '../../../src/security/policy/evaluate';
import type { Action, Policy, PolicyPrincipal } from '../../../src/security/policy/model';
import { FALSE_Q, hideInQ, maskEntity, qAttributes, qReferencesHidden, restrictQuery } from '../../../src/security/policy/restrict';
import { entity, expand, iri, policy } from './helpers';

const BUILDING = iri('Building');
const ROOM = iri('Room');

/** A small tenant: buildings, rooms, sensors, one entity of two types, awkward ids. */
const DATASET: Entity[] = [
  entity('urn:ngsi-ld:Building:1', ['Building'], { name: 'HQ', temperature: 21, secret: 'x' }),
  entity('urn:ngsi-ld:Building:2', ['Building'], { name: 'Annex', temperature: 18 }),
  entity('urn:ngsi-ld:Room:1', ['Room'], { temperature: 22, humidity: 40 }),
  entity('urn:ngsi-ld:Room:2', ['Room', 'Building'], { temperature: 30, secret: 'y' }),
  entity('urn:ngsi-ld:Sensor:d1:temp', ['Sensor'], { temperature: 5 }),
  entity('urn:ngsi-ld:Sensor:d2:temp', ['Sensor'], { temperature: 6 }),
  entity('urn:dev:d1', ['Device'], { battery: 90 }),
  entity('urn:a.b(1)', ['Thing'], { name: 'meta' }),
  entity('urn:aXb(1)', ['Thing'], { name: 'lookalike' }),
];

const who = (roles: string[], subject = 'alice', tenants?: string[]): PolicyPrincipal => ({ subject, roles, tenants });

/** The ids of the dataset entities the narrowing lets through, using the real matcher. */
function visibleIds(n: Narrowing, data: Entity[] = DATASET): string[] {
  if (n.kind === 'deny') return [];
  if (n.kind === 'all') return data.map((e) => e.id);
  const match = compileFilter({ selectors: n.selectors });
  return data.filter(match).map((e) => e.id);
}

/** The ids a caller's filter returns once restricted, residual applied, using the real matcher. */
function query(n: Narrowing, filter: EntityFilter, data: Entity[] = DATASET): string[] {
  const restricted = restrictQuery(filter, n);
  if (restricted === undefined) return [];
  const match = compileFilter(restricted.filter);
  return data.filter((e) => match(e) && (restricted.residual === undefined || restricted.residual(e))).map((e) => e.id);
}

const q = (text: string) => parseQ(text, expand);

function narrowed(p: Policy, roles: string[], action: Action = 'read', tenant = '', subject?: string): Narrowing {
  return narrow(p, who(roles, subject), action, tenant);
}

describe('security/policy narrow', () => {
  describe('deny, all or a filter', () => {
    const p = policy(`
roles:
  admin: [ { actions: '*' } ]
  buildings: [ { actions: [read], types: [Building] } ]
  tenant-a: [ { actions: [read], tenants: [a] } ]`);

    it('denies, with the reason, when nothing grants the action in the tenant', () => {
      assert.deepEqual(pick(narrowed(p, ['nobody'])), { kind: 'deny', code: 'no-role' });
      assert.deepEqual(pick(narrowed(p, ['buildings'], 'delete')), { kind: 'deny', code: 'action' });
      assert.deepEqual(pick(narrowed(p, ['tenant-a'], 'read', 'b')), { kind: 'deny', code: 'action' });
      assert.deepEqual(pick(narrow(p, who(['admin'], 'x', ['a']), 'read', 'b')), { kind: 'deny', code: 'tenant' });
    });

    it('gives all when some permission is unrestricted by type and id', () => {
      assert.equal(narrowed(p, ['admin', 'buildings']).kind, 'all');
      assert.equal(narrowed(p, ['tenant-a'], 'read', 'a').kind, 'all');
    });

    it('gives a filter otherwise', () => {
      const n = narrowed(p, ['buildings']);
      assert.equal(n.kind, 'filter');
      assert.deepEqual(n.kind === 'filter' && n.selectors, [{ type: { kind: 'type', iri: BUILDING } }]);
    });

    function pick(n: Narrowing) {
      return n.kind === 'deny' ? { kind: n.kind, code: n.code } : { kind: n.kind };
    }
  });

  describe('selectors, applied with the real matcher, select exactly the permitted entities', () => {
    it('ORs the types of type-only permissions into one selector (an entity of any granted type)', () => {
      const p = policy(`roles: { a: [ { actions: [read], types: [Building] } ], b: [ { actions: [read], types: [Sensor, Room] } ] }`);
      const n = narrowed(p, ['a', 'b']);
      assert.deepEqual(n.kind === 'filter' && n.selectors, [{ type: parseTypeExpr('Building|Room|Sensor', expand) }]);
      assert.deepEqual(visibleIds(n), [
        'urn:ngsi-ld:Building:1', 'urn:ngsi-ld:Building:2', 'urn:ngsi-ld:Room:1', 'urn:ngsi-ld:Room:2', 'urn:ngsi-ld:Sensor:d1:temp', 'urn:ngsi-ld:Sensor:d2:temp',
      ]);
    });

    it('turns literal id globs into ids and the others into one anchored idPattern', () => {
      const p = policy(`roles: { r: [ { actions: [read], ids: ['urn:ngsi-ld:Building:*', 'urn:a.b(1)', 'urn:dev:d1'] } ] }`);
      const n = narrowed(p, ['r']);
      assert.deepEqual(n.kind === 'filter' && n.selectors, [{ ids: ['urn:a.b(1)', 'urn:dev:d1'] }, { idPattern: '^urn:ngsi-ld:Building:.*$' }]);
      assert.deepEqual(visibleIds(n), ['urn:ngsi-ld:Building:1', 'urn:ngsi-ld:Building:2', 'urn:dev:d1', 'urn:a.b(1)']);
    });

    it('escapes regex characters of globs, so . and ( are literal', () => {
      const p = policy(`roles: { r: [ { actions: [read], ids: ['urn:a.b(*'] } ] }`);
      assert.deepEqual(visibleIds(narrowed(p, ['r'])), ['urn:a.b(1)']);
    });

    it('ANDs types and ids of one permission, and ORs permissions', () => {
      const p = policy(`
roles:
  r:
    - { actions: [read], types: [Building], ids: ['urn:ngsi-ld:Room:*'] }
    - { actions: [read], types: [Thing], ids: ['urn:aXb(1)'] }`);
      const n = narrowed(p, ['r']);
      assert.deepEqual(n.kind === 'filter' && n.selectors, [
        { type: { kind: 'type', iri: BUILDING }, idPattern: '^urn:ngsi-ld:Room:.*$' },
        { type: { kind: 'type', iri: iri('Thing') }, ids: ['urn:aXb(1)'] },
      ]);
      assert.deepEqual(visibleIds(n), ['urn:ngsi-ld:Room:2', 'urn:aXb(1)']);
    });

    it('binds ${sub} to the subject', () => {
      const p = policy(`roles: { device: [ { actions: [device, read], ids: ['\${sub}', 'urn:ngsi-ld:Sensor:\${sub}:*'] } ] }`);
      assert.deepEqual(visibleIds(narrowed(p, ['device'], 'read', '', 'urn:dev:d1')), ['urn:dev:d1']);
      assert.deepEqual(visibleIds(narrowed(p, ['device'], 'device', '', 'd2')), ['urn:ngsi-ld:Sensor:d2:temp']);
      assert.equal(narrowed(p, ['device'], 'read', '', '').kind, 'deny', 'an empty subject grants nothing');
    });

    it('keeps only the permissions of the action and tenant', () => {
      const p = policy(`
roles:
  r:
    - { actions: [read], types: [Building], tenants: [a] }
    - { actions: [read], types: [Room], tenants: ['b*'] }
    - { actions: [update], types: [Device] }`);
      assert.deepEqual(visibleIds(narrowed(p, ['r'], 'read', 'a')), ['urn:ngsi-ld:Building:1', 'urn:ngsi-ld:Building:2', 'urn:ngsi-ld:Room:2']);
      assert.deepEqual(visibleIds(narrowed(p, ['r'], 'read', 'bb')), ['urn:ngsi-ld:Room:1', 'urn:ngsi-ld:Room:2']);
      assert.deepEqual(visibleIds(narrowed(p, ['r'], 'update', 'a')), ['urn:dev:d1']);
    });
  });

  describe('attribute masks per entity', () => {
    const p = policy(`
roles:
  r:
    - { actions: [read], types: [Building] }
    - { actions: [read], types: [Room], attributes: { allow: [temperature] } }
    - { actions: [read], types: [Sensor], ids: ['urn:ngsi-ld:Sensor:d1:*'], attributes: { deny: [temperature] } }`);
    const n = narrowed(p, ['r']);
    assert.ok(n.kind === 'filter');
    const masks = n.attributes;

    it('depends on the types and the id of the entity', () => {
      assert.equal(masks.maskFor('urn:ngsi-ld:Building:1', [BUILDING]).all, true);
      assert.deepEqual(masks.maskFor('urn:ngsi-ld:Room:1', [ROOM]).form, { allow: [iri('temperature')] });
      assert.equal(masks.maskFor('urn:ngsi-ld:Room:2', [ROOM, BUILDING]).all, true);
      assert.deepEqual(masks.maskFor('urn:ngsi-ld:Sensor:d1:temp', [iri('Sensor')]).form, { allow: '*', deny: [iri('temperature')] });
      assert.equal(masks.maskFor('urn:ngsi-ld:Sensor:d2:temp', [iri('Sensor')]).none, true, 'not permitted: nothing shows');
    });

    it('returns the same mask object for entities matched by the same permissions', () => {
      assert.equal(masks.maskFor('urn:ngsi-ld:Room:1', [ROOM]), masks.maskFor('urn:ngsi-ld:Room:9', [ROOM]));
    });

    it('tells where an attribute is visible: everywhere, somewhere or nowhere', () => {
      const only = policy(`roles: { r: [ { actions: [read], types: [Building], attributes: { allow: [name, temperature] } }, { actions: [read], types: [Room], attributes: { allow: [temperature] } } ] }`);
      const m = narrowed(only, ['r']);
      assert.ok(m.kind === 'filter');
      assert.equal(m.attributes.reach(iri('temperature')), 'everywhere');
      assert.equal(m.attributes.reach(iri('name')), 'somewhere');
      assert.equal(m.attributes.reach(iri('secret')), 'nowhere');
    });

    it('serialises which mask applies to which entities', () => {
      assert.deepEqual(JSON.parse(JSON.stringify(masks)), [
        { from: 'roles.r[0]', types: [BUILDING], ids: '*', attributes: { allow: '*', deny: [] } },
        { from: 'roles.r[1]', types: [ROOM], ids: '*', attributes: { allow: [iri('temperature')] } },
        { from: 'roles.r[2]', types: [iri('Sensor')], ids: { ids: [], idPattern: '^urn:ngsi-ld:Sensor:d1:.*$' }, attributes: { allow: '*', deny: [iri('temperature')] } },
      ]);
    });

    it('masks a rendered entity with maskEntity', () => {
      const room = DATASET[2];
      assert.deepEqual(Object.keys(maskEntity(room, masks.maskFor(room.id, room.type)).attrs), [iri('temperature')]);
      assert.equal(maskEntity(DATASET[0], masks.maskFor(DATASET[0].id, DATASET[0].type)), DATASET[0]);
    });
  });

  describe('q, attrs and geoQ never reveal hidden attributes', () => {
    it('finds the attributes a q expression reads, through and/or and sub-attribute paths', () => {
      assert.deepEqual([...qAttributes(q('(a==1|b.c>2);d[k]=="x";e'))].sort(), [iri('a'), iri('b'), iri('d'), iri('e')]);
      assert.equal(qReferencesHidden(q('a==1|b'), (x) => x !== iri('b')), true);
      assert.equal(qReferencesHidden(q('a==1|b'), () => true), false);
    });

    it('replaces leaves on hidden attributes with FALSE, and simplifies', () => {
      const hideB = (x: string) => x !== iri('b');
      assert.deepEqual(hideInQ(q('a==1;b==2'), hideB), FALSE_Q);
      assert.deepEqual(hideInQ(q('a==1|b==2'), hideB), { kind: 'or', items: [q('a==1')] });
      assert.deepEqual(hideInQ(q('b|b.c'), hideB), FALSE_Q);
      const unchanged = q('a==1|(a>0;c)');
      assert.equal(hideInQ(unchanged, hideB), unchanged);
    });

    it('treats every kind of leaf on a hidden attribute as absent (each is false on an absent attribute)', () => {
      for (const text of ['secret', 'secret=="x"', 'secret!="z"', 'secret>"a"', 'secret~=".*"', 'secret!~="z"']) {
        const e = DATASET[0];
        assert.equal(compileQ(q(text))(e), true, `${text} matches the unmasked entity`);
        assert.equal(compileQ(hideInQ(q(text), (x) => x !== iri('secret')))(e), false, text);
        assert.equal(compileQ(q(text))(maskEntity(e, { all: false, none: false, visible: (x) => x !== iri('secret'), form: { allow: '*', deny: [iri('secret')] } })), false, `${text} on the masked entity`);
      }
    });

    const p = policy(`
roles:
  nosecret: [ { actions: [read], attributes: { deny: [secret] } } ]
  rooms-temp: [ { actions: [read], types: [Room], attributes: { allow: [temperature] } } ]
  buildings: [ { actions: [read], types: [Building] } ]`);

    it('cannot find an entity by a value it hides, nor by the existence of the attribute', () => {
      const n = narrowed(p, ['nosecret']);
      assert.deepEqual(query(n, { q: q('secret') }), []);
      assert.deepEqual(query(n, { q: q('secret=="x"|name=="Annex"') }), ['urn:ngsi-ld:Building:2']);
      assert.deepEqual(query(n, { attrs: [iri('secret')] }), []);
      assert.deepEqual(query(n, { attrs: [iri('secret'), iri('humidity')] }), ['urn:ngsi-ld:Room:1']);
      const r = restrictQuery({ q: q('secret') }, n)!;
      assert.deepEqual(r.filter.q, FALSE_Q);
      assert.equal(r.residual, undefined, 'hidden on every entity: the filter alone is exact');
    });

    it('checks attributes visible on some entities only per entity (residual)', () => {
      const n = narrowed(p, ['rooms-temp', 'buildings']);
      // name shows on Buildings only; Room:2 is also a Building, so it shows everything.
      const r = restrictQuery({ q: q('temperature>19;secret') }, n)!;
      assert.deepEqual(r.maskedReferences, [iri('secret')]);
      assert.ok(r.residual !== undefined);
      assert.deepEqual(query(n, { q: q('temperature>19;secret') }), ['urn:ngsi-ld:Building:1', 'urn:ngsi-ld:Room:2']);
      assert.deepEqual(query(n, { q: q('humidity') }), []);
      assert.deepEqual(query(n, { q: q('temperature>19') }), ['urn:ngsi-ld:Building:1', 'urn:ngsi-ld:Room:1', 'urn:ngsi-ld:Room:2']);
      assert.deepEqual(query(n, { attrs: [iri('humidity'), iri('name')] }), ['urn:ngsi-ld:Building:1', 'urn:ngsi-ld:Building:2']);
    });

    it('matches nothing with a geoQ on a hidden geoproperty', () => {
      const located = DATASET.map((e) => ({ ...e, attrs: { ...e.attrs, [LOCATION_IRI]: [{ type: 'GeoProperty' as const, value: { type: 'Point', coordinates: [1, 1] } }] } }));
      const geoQ: GeoQuery = { georel: 'within', geometry: { type: 'Polygon', coordinates: [[[0, 0], [0, 2], [2, 2], [2, 0], [0, 0]]] }, geoproperty: LOCATION_IRI };
      const hidden = policy(`roles: { r: [ { actions: [read], attributes: { deny: [location] } } ], s: [ { actions: [read], types: [Room] } ] }`);
      const h = narrowed(hidden, ['r']);
      assert.deepEqual(query(h, { geoQ }, located), []);
      assert.deepEqual(restrictQuery({ geoQ }, h)!.filter.ids, []);
      assert.deepEqual(query(narrowed(hidden, ['r', 's']), { geoQ }, located), ['urn:ngsi-ld:Room:1', 'urn:ngsi-ld:Room:2']);
    });
  });

  describe('restrictQuery ANDs the policy into the caller filter', () => {
    const p = policy(`
roles:
  b: [ { actions: [read], types: [Building] } ]
  ids: [ { actions: [read], ids: ['urn:ngsi-ld:Room:*', 'urn:dev:d1'] } ]
  admin: [ { actions: '*' } ]`);

    it('returns undefined on deny, and the filter untouched for an unmasked all', () => {
      assert.equal(restrictQuery({ type: { kind: 'type', iri: ROOM } }, narrowed(p, ['nobody'])), undefined);
      const filter: EntityFilter = { type: { kind: 'type', iri: ROOM } };
      assert.deepEqual(restrictQuery(filter, narrowed(p, ['admin'])), { filter, residual: undefined, maskedReferences: [] });
    });

    it('adds the selectors next to the caller members', () => {
      const n = narrowed(p, ['b']);
      assert.deepEqual(query(n, { type: parseTypeExpr('Room', expand) }), ['urn:ngsi-ld:Room:2']);
      assert.deepEqual(query(n, { idPattern: 'Room' }), ['urn:ngsi-ld:Room:2']);
      assert.deepEqual(query(n, { q: q('temperature<20') }), ['urn:ngsi-ld:Building:2']);
    });

    it('keeps a caller type the policy already allows as it is, and ANDs the others', () => {
      const br = policy(`roles: { br: [ { actions: [read], types: [Building, Room] } ] }`);
      const n = narrowed(br, ['br']);
      const restricted = restrictQuery({ selectors: [{ type: { kind: 'type', iri: BUILDING } }] }, n)!;
      // One type test for the store, not Building AND (Building OR Room).
      assert.deepEqual(restricted.filter.selectors, [{ type: { kind: 'type', iri: BUILDING } }]);
      const thing = restrictQuery({ selectors: [{ type: { kind: 'type', iri: iri('Thing') } }] }, n)!;
      assert.equal(thing.filter.selectors?.[0].type?.kind, 'and');
      assert.deepEqual(query(n, { selectors: [{ type: parseTypeExpr('Thing', expand) }] }), []);
      assert.deepEqual(query(n, { selectors: [{ type: parseTypeExpr('Building', expand) }] }), ['urn:ngsi-ld:Building:1', 'urn:ngsi-ld:Building:2', 'urn:ngsi-ld:Room:2']);
    });

    it("adds no selectors when the caller's own type is within a type-only permission", () => {
      const br = policy(`roles: { br: [ { actions: [read], types: [Building, Room] } ] }`);
      const n = narrowed(br, ['br']);
      const building: EntityFilter = { type: { kind: 'type', iri: BUILDING } };
      assert.equal(restrictQuery(building, n)!.filter.selectors, undefined);
      assert.deepEqual(query(n, building), ['urn:ngsi-ld:Building:1', 'urn:ngsi-ld:Building:2', 'urn:ngsi-ld:Room:2']);
      const thing: EntityFilter = { type: parseTypeExpr('Thing|Building', expand) };
      assert.ok(restrictQuery(thing, n)!.filter.selectors);
      assert.deepEqual(query(n, thing), ['urn:ngsi-ld:Building:1', 'urn:ngsi-ld:Building:2', 'urn:ngsi-ld:Room:2']);
    });

    it('crosses the caller selectors with the policy selectors', () => {
      const n = narrowed(p, ['ids']);
      const selectors = [{ ids: ['urn:ngsi-ld:Room:1', 'urn:ngsi-ld:Building:1', 'urn:dev:d1'] }, { idPattern: 'temp$' }, { idPattern: '^urn:ngsi-ld:(Room|Building):2' }];
      assert.deepEqual(query(n, { selectors }), ['urn:ngsi-ld:Room:1', 'urn:ngsi-ld:Room:2', 'urn:dev:d1']);
      assert.deepEqual(query(n, { selectors: [{ ids: ['urn:ngsi-ld:Building:1'] }] }), []);
      assert.deepEqual(restrictQuery({ selectors: [{ ids: ['urn:ngsi-ld:Building:1'] }] }, n)!.filter.selectors, [{ ids: ['urn:ngsi-ld:Building:1'], idPattern: '^urn:ngsi-ld:Room:.*$' }]);
    });

    it('keeps the caller back-references working when combining idPatterns', () => {
      const n = narrowed(p, ['ids']);
      const data = [entity('urn:ngsi-ld:Room:aa', ['Room']), entity('urn:ngsi-ld:Room:ab', ['Room']), entity('urn:x:aa', ['Room'])];
      assert.deepEqual(query(n, { selectors: [{ idPattern: '(a)\\1$' }] }, data), ['urn:ngsi-ld:Room:aa']);
    });

    it('refuses, rather than widening, to combine a case-insensitive caller idPattern with id-restricted permissions', () => {
      assert.throws(
        () => restrictQuery({ selectors: [{ idPattern: '(?i)room' }] }, narrowed(p, ['ids'])),
        (err: unknown) => err instanceof NgsiError && err.problem === 'OperationNotSupported',
      );
      assert.deepEqual(query(narrowed(p, ['b']), { selectors: [{ idPattern: '(?i)ROOM' }] }), ['urn:ngsi-ld:Room:2']);
    });
  });

  describe('discovery helpers', () => {
    const p = policy(`
roles:
  r:
    - { actions: [read], types: [Building], attributes: { allow: [name] } }
    - { actions: [read], types: [Room], attributes: { allow: [temperature] } }
    - { actions: [update], tenants: [other] }
  idsonly: [ { actions: [read], ids: ['urn:x:*'] } ]
  admin: [ { actions: '*' } ]`);

    it('lists the types a caller may see', () => {
      assert.deepEqual(visibleTypes(narrowed(p, ['r'])), new Set([BUILDING, ROOM]));
      assert.equal(visibleTypes(narrowed(p, ['idsonly'])), '*');
      assert.equal(visibleTypes(narrowed(p, ['admin'])), '*');
      assert.deepEqual(visibleTypes(narrowed(p, ['nobody'])), new Set());
      assert.equal(canSeeType(narrowed(p, ['r']), ROOM), true);
      assert.equal(canSeeType(narrowed(p, ['r']), iri('Device')), false);
    });

    it('tells whether an attribute may show, overall or for given types', () => {
      const n = narrowed(p, ['r']);
      assert.equal(canSeeAttribute(n, iri('name')), true);
      assert.equal(canSeeAttribute(n, iri('secret')), false);
      assert.equal(canSeeAttribute(n, iri('name'), [ROOM]), false);
      assert.equal(canSeeAttribute(n, iri('temperature'), [ROOM]), true);
      assert.equal(canSeeAttribute(narrowed(p, ['nobody']), iri('name')), false);
    });

    it('lists the tenants a caller can reach, for any action or one', () => {
      assert.deepEqual(reachableTenants(p, who(['r']), ['', 'other', 'x']), ['', 'other', 'x']);
      assert.deepEqual(reachableTenants(p, who(['r']), ['', 'other', 'x'], 'update'), ['other']);
      assert.deepEqual(reachableTenants(p, who(['admin'], 'a', ['x']), ['', 'other', 'x']), ['x']);
      assert.equal(canReachTenant(p, who(['nobody']), ''), false);
    });
  });
});
