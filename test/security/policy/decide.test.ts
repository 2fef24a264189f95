import assert from 'node:assert/strict';
import { decide, type Decision } from '../../../src/security/policy/evaluate';
import { rolesOf } from '../../../src/security/policy/grants';
import { ACTIONS, type Action, type Policy, type PolicyPrincipal, type PolicyRequest } from '../../../src/security/policy/model';
import { iri, policy } from './helpers';

const BUILDING = iri('Building');
const ROOM = iri('Room');
const ALARM = iri('Alarm');
const b1 = { id: 'urn:ngsi-ld:Building:1', types: [BUILDING] };
const room1 = { id: 'urn:ngsi-ld:Room:1', types: [ROOM] };

const as = (roles: string[], more: Partial<PolicyPrincipal> = {}): PolicyPrincipal => ({ subject: 'alice', roles, ...more });

function allowed(p: Policy, principal: PolicyPrincipal, request: PolicyRequest): Extract<Decision, { allowed: true }> {
  const d = decide(p, principal, request);
  assert.ok(d.allowed, `expected allowed, got: ${d.allowed ? '' : d.reason}`);
  return d;
}

function denied(p: Policy, principal: PolicyPrincipal, request: PolicyRequest, code: string): string {
  const d = decide(p, principal, request);
  assert.ok(!d.allowed, 'expected a denial');
  assert.equal(d.code, code, d.reason);
  return d.reason;
}

describe('security/policy decide', () => {
  describe('actions', () => {
    it('grants exactly the listed actions', () => {
      const p = policy(`roles: { r: [ { actions: [read, subscribe] } ] }`);
      for (const action of ACTIONS) {
        assert.equal(decide(p, as(['r']), { action, tenant: '', entity: b1 }).allowed, action === 'read' || action === 'subscribe', action);
      }
    });

    it("grants every action with '*'", () => {
      const p = policy(`roles: { r: [ { actions: '*' } ] }`);
      for (const action of ACTIONS) allowed(p, as(['r']), { action, tenant: 'x', entity: b1 });
    });

    it('denies with code action (and the roles) when no permission grants the action', () => {
      const p = policy(`roles: { r: [ { actions: [read] } ] }`);
      assert.match(denied(p, as(['r']), { action: 'delete', tenant: 't', entity: b1 }, 'action'), /no permission of roles \[r\] grants 'delete' in tenant 't'/);
    });
  });

  describe('tenants', () => {
    const p = policy(`
roles:
  exact: [ { actions: [read], tenants: [a] } ]
  glob: [ { actions: [read], tenants: ['site-*'] } ]
  default: [ { actions: [read], tenants: [''] } ]
  any: [ { actions: [read] } ]`);
    const can = (role: string, tenant: string) => decide(p, as([role]), { action: 'read', tenant, entity: b1 }).allowed;

    it('matches names exactly and globs as anchored patterns', () => {
      assert.deepEqual(['a', 'ab', 'b'].map((t) => can('exact', t)), [true, false, false]);
      assert.deepEqual(['site-1', 'site-', 'xsite-1', 'site'].map((t) => can('glob', t)), [true, true, false, false]);
    });

    it("writes the default tenant as '' and lets '*' (or no tenants member) include it", () => {
      assert.deepEqual(['', 'default', 'a'].map((t) => can('default', t)), [true, false, false]);
      assert.equal(can('any', ''), true);
      assert.equal(can('glob', ''), false);
    });

    it("never lets a principal past its token's tenant claim, whatever its roles allow", () => {
      const admin = policy(`roles: { admin: [ { actions: '*' } ] }`);
      const claimed = as(['admin'], { tenants: ['a'] });
      allowed(admin, claimed, { action: 'delete', tenant: 'a', entity: b1 });
      assert.match(denied(admin, claimed, { action: 'read', tenant: 'b', entity: b1 }, 'tenant'), /tenant 'b' is outside the token's tenants \[a\]/);
      denied(admin, claimed, { action: 'read', tenant: '', entity: b1 }, 'tenant');
      denied(admin, claimed, { action: 'admin', tenant: 'b', resource: 'audit' }, 'tenant');
      allowed(admin, as(['admin'], { tenants: [''] }), { action: 'read', tenant: '' });
      denied(admin, as(['admin'], { tenants: [] }), { action: 'read', tenant: 'a' }, 'tenant');
    });

    it('intersects the claim with the role: a claim never widens a role', () => {
      denied(p, as(['exact'], { tenants: ['b'] }), { action: 'read', tenant: 'b', entity: b1 }, 'action');
    });
  });

  describe('types', () => {
    const p = policy(`roles: { r: [ { actions: [read, create, update], types: [Building, 'https://other.org/Room'] } ] }`);

    it('matches an entity when any of its types is granted, by term or IRI', () => {
      allowed(p, as(['r']), { action: 'read', tenant: '', entity: b1 });
      allowed(p, as(['r']), { action: 'read', tenant: '', entity: { id: 'urn:x', types: ['https://other.org/Room'] } });
      allowed(p, as(['r']), { action: 'update', tenant: '', entity: { id: 'urn:x', types: [ALARM, BUILDING] } });
      assert.match(denied(p, as(['r']), { action: 'read', tenant: '', entity: room1 }, 'entity'), /'read' on entity urn:ngsi-ld:Room:1 of types/);
    });

    it('requires every type of a new entity to be granted for create', () => {
      allowed(p, as(['r']), { action: 'create', tenant: '', entity: b1 });
      assert.match(
        denied(p, as(['r']), { action: 'create', tenant: '', entity: { id: 'urn:x', types: [BUILDING, ALARM] } }, 'entity'),
        /'create' of type https:\/\/example\.org\/Alarm/,
      );
    });

    it('lets several permissions together grant the types of a new entity', () => {
      const two = policy(`roles: { a: [ { actions: [create], types: [Building] } ], b: [ { actions: [create], types: [Alarm] } ] }`);
      denied(two, as(['a']), { action: 'create', tenant: '', entity: { id: 'urn:x', types: [BUILDING, ALARM] } }, 'entity');
      allowed(two, as(['a', 'b']), { action: 'create', tenant: '', entity: { id: 'urn:x', types: [BUILDING, ALARM] } });
    });
  });

  describe('ids', () => {
    it('matches globs anchored, with * for any run of characters and everything else literal', () => {
      const p = policy(`roles: { r: [ { actions: [read], ids: ['urn:ngsi-ld:Building:*', 'urn:a.b(1)*:x', 'urn:exact'] } ] }`);
      const can = (id: string) => decide(p, as(['r']), { action: 'read', tenant: '', entity: { id, types: [ROOM] } }).allowed;
      assert.equal(can('urn:ngsi-ld:Building:1'), true);
      assert.equal(can('urn:ngsi-ld:Building:'), true);
      assert.equal(can('xurn:ngsi-ld:Building:1'), false);
      assert.equal(can('urn:ngsi-ld:Buildings:1'), false);
      assert.equal(can('urn:a.b(1)zz:x'), true);
      assert.equal(can('urn:aXb(1):x'), false, '. is literal');
      assert.equal(can('urn:a.b(1):xy'), false, 'anchored at the end');
      assert.equal(can('urn:exact'), true);
      assert.equal(can('urn:exactly'), false);
    });

    it('substitutes ${sub} with the token subject, literally', () => {
      const p = policy(`roles: { device: [ { actions: [device], ids: ['\${sub}', 'urn:ngsi-ld:Sensor:\${sub}:*'] } ] }`);
      const can = (subject: string, id: string) => decide(p, { subject, roles: ['device'] }, { action: 'device', tenant: '', entity: { id, types: [ROOM] } }).allowed;
      assert.equal(can('urn:dev:1', 'urn:dev:1'), true);
      assert.equal(can('urn:dev:1', 'urn:dev:2'), false);
      assert.equal(can('d1', 'urn:ngsi-ld:Sensor:d1:temp'), true);
      assert.equal(can('d1', 'urn:ngsi-ld:Sensor:d2:temp'), false);
      assert.equal(can('urn:dev:*', 'urn:dev:2'), false, 'a * in the subject is literal');
      assert.equal(can('urn:dev:*', 'urn:dev:*'), true);
      assert.equal(can('d.', 'urn:ngsi-ld:Sensor:dX:t'), false, 'a . in the subject is literal');
    });

    it('lets an empty subject match nothing, rather than widening urn:x:${sub}* to urn:x:*', () => {
      const p = policy(`roles: { device: [ { actions: [device], ids: ['urn:x:\${sub}*'] } ] }`);
      denied(p, { subject: '', roles: ['device'] }, { action: 'device', tenant: '', entity: { id: 'urn:x:1', types: [ROOM] } }, 'action');
    });

    it('ANDs types and ids within a permission', () => {
      const p = policy(`roles: { r: [ { actions: [read], types: [Building], ids: ['urn:ngsi-ld:Building:1*'] } ] }`);
      allowed(p, as(['r']), { action: 'read', tenant: '', entity: b1 });
      denied(p, as(['r']), { action: 'read', tenant: '', entity: { id: 'urn:ngsi-ld:Building:2', types: [BUILDING] } }, 'entity');
      denied(p, as(['r']), { action: 'read', tenant: '', entity: { id: 'urn:ngsi-ld:Building:1', types: [ROOM] } }, 'entity');
    });
  });

  describe('attributes', () => {
    const mask = (p: Policy, roles: string[], entity = b1) => allowed(p, as(roles), { action: 'read', tenant: '', entity }).attributes;

    it('shows every attribute by default', () => {
      const m = mask(policy(`roles: { r: [ { actions: [read] } ] }`), ['r']);
      assert.equal(m.all, true);
      assert.deepEqual(m.form, { allow: '*', deny: [] });
    });

    it('shows only allowed attributes, hides denied ones, and deny wins within a permission', () => {
      const p = policy(`
roles:
  allow: [ { actions: [read], attributes: { allow: [temperature, humidity] } } ]
  deny: [ { actions: [read], attributes: { deny: [secret] } } ]
  both: [ { actions: [read], attributes: { allow: [temperature, secret], deny: [secret] } } ]
  none: [ { actions: [read], attributes: { allow: [] } } ]`);
      assert.deepEqual(mask(p, ['allow']).form, { allow: [iri('humidity'), iri('temperature')] });
      assert.equal(mask(p, ['allow']).visible(iri('secret')), false);
      assert.deepEqual(mask(p, ['deny']).form, { allow: '*', deny: [iri('secret')] });
      assert.equal(mask(p, ['deny']).visible(iri('anything')), true);
      assert.equal(mask(p, ['both']).visible(iri('secret')), false);
      assert.deepEqual(mask(p, ['both']).form, { allow: [iri('temperature')] });
      assert.equal(mask(p, ['none']).none, true);
    });

    it('unions what several permissions and roles grant (a deny only narrows its own permission)', () => {
      const p = policy(`
roles:
  a: [ { actions: [read], attributes: { deny: [secret, pin] } } ]
  b: [ { actions: [read], attributes: { allow: [secret] } } ]
  c: [ { actions: [read], attributes: { allow: [temperature] } }, { actions: [read], attributes: { allow: [humidity] } } ]`);
      assert.deepEqual(mask(p, ['a', 'b']).form, { allow: '*', deny: [iri('pin')] });
      assert.deepEqual(mask(p, ['c']).form, { allow: [iri('humidity'), iri('temperature')] });
      assert.deepEqual(mask(p, ['b', 'c']).form, { allow: [iri('humidity'), iri('secret'), iri('temperature')] });
    });

    it("depends on the entity: all attributes of Buildings, only temperature of Rooms", () => {
      const p = policy(`
roles:
  r:
    - { actions: [read], types: [Building] }
    - { actions: [read], types: [Room], attributes: { allow: [temperature] } }`);
      assert.equal(mask(p, ['r'], b1).all, true);
      assert.deepEqual(mask(p, ['r'], room1).form, { allow: [iri('temperature')] });
      assert.equal(mask(p, ['r'], { id: 'urn:both', types: [ROOM, BUILDING] }).all, true, 'an entity of both types gets the union');
    });

    it('leaves out masks of permissions that do not grant the action or do not match the entity', () => {
      const p = policy(`
roles:
  r:
    - { actions: [read], attributes: { allow: [temperature] } }
    - { actions: [update], attributes: { allow: [secret] } }
    - { actions: [read], ids: ['urn:other'], attributes: { allow: [pin] } }`);
      assert.deepEqual(mask(p, ['r']).form, { allow: [iri('temperature')] });
    });
  });

  describe('roles from tokens', () => {
    const p = policy(`
roles:
  admin: [ { actions: '*' } ]
  viewer: [ { actions: [read] } ]
bindings:
  'weft:admin': [admin]
  'scope:read': [viewer]
  viewer: []`);

    it('maps bound token roles, falls back to same-named roles, and lets [] neutralise a name', () => {
      assert.deepEqual(rolesOf(p, ['weft:admin']), ['admin']);
      assert.deepEqual(rolesOf(p, ['admin', 'scope:read']), ['admin', 'viewer']);
      assert.deepEqual(rolesOf(p, ['viewer']), []);
      assert.deepEqual(rolesOf(p, ['unknown']), []);
    });

    it('denies with code no-role when the token roles map to no policy role', () => {
      assert.match(denied(p, as(['viewer', 'x']), { action: 'read', tenant: '', entity: b1 }, 'no-role'), /token roles \[viewer, x\] map to no policy role/);
      allowed(p, as(['scope:read']), { action: 'read', tenant: '', entity: b1 });
    });
  });

  describe('requests without an entity, and resources', () => {
    const p = policy(`
roles:
  auditor: [ { actions: [admin], resources: [audit] } ]
  typed: [ { actions: [admin, subscribe], types: [Building], attributes: { allow: [temperature] } } ]
  everything: [ { actions: [admin] } ]
  read-a: [ { actions: [read], types: [Building], attributes: { allow: [temperature] } } ]
  read-b: [ { actions: [read], types: [Room], attributes: { allow: [humidity] } } ]`);

    it('grants a resource only through a permission naming it, or one unrestricted by type and id', () => {
      allowed(p, as(['auditor']), { action: 'admin', tenant: '', resource: 'audit' });
      assert.match(denied(p, as(['auditor']), { action: 'admin', tenant: '', resource: 'policy' }, 'resource'), /'admin' on resource 'policy'/);
      denied(p, as(['typed']), { action: 'admin', tenant: '', resource: 'audit' }, 'resource');
      allowed(p, as(['everything']), { action: 'admin', tenant: '', resource: 'policy' });
    });

    it('never lets a resource permission reach entities', () => {
      denied(p, as(['auditor']), { action: 'admin', tenant: '', entity: b1 }, 'action');
      denied(p, as(['auditor']), { action: 'admin', tenant: '' }, 'action');
    });

    it('allows an entity-less request when some entity permission grants the action, masking with the union', () => {
      const d = allowed(p, as(['read-a', 'read-b']), { action: 'read', tenant: '' });
      assert.deepEqual(d.attributes.form, { allow: [iri('humidity'), iri('temperature')] });
      allowed(p, as(['typed']), { action: 'subscribe', tenant: '' });
    });

    it('names the permissions that granted, for the audit log', () => {
      assert.deepEqual(allowed(p, as(['read-a', 'read-b', 'everything']), { action: 'read', tenant: '', entity: b1 }).by, ['roles.read-a[0]']);
      assert.deepEqual(allowed(p, as(['auditor', 'everything']), { action: 'admin', tenant: '', resource: 'audit' }).by, ['roles.auditor[0]', 'roles.everything[0]']);
    });
  });

  it('answers every action for the same principal independently', () => {
    const p = policy(`roles: { r: [ { actions: [read], types: [Building] }, { actions: [delete], types: [Room] } ] }`);
    const grid = (['read', 'delete'] as Action[]).map((action) => [b1, room1].map((entity) => decide(p, as(['r']), { action, tenant: '', entity }).allowed));
    assert.deepEqual(grid, [[true, false], [false, true]]);
  });
});
