import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { LOCATION_IRI } from '../../../src/ngsi/entity';
import { decide } from '../../../src/security/policy/evaluate';
import { loadPolicy, parsePolicyText } from '../../../src/security/policy/loader';
import { ACTIONS, PolicyError, type Policy } from '../../../src/security/policy/model';
import { parsePolicy } from '../../../src/security/policy/parse';
import { EXPANDER, iri, policy } from './helpers';

const DEFAULT_POLICY = join(__dirname, '../../../policy/default.yaml');

/** The problems parsePolicy reports for a YAML document. */
function problems(yaml: string): readonly string[] {
  try {
    parsePolicy(parseYaml(yaml), EXPANDER);
  } catch (err) {
    assert.ok(err instanceof PolicyError, `expected PolicyError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected the policy to be rejected');
}

function rejects(yaml: string, ...expected: string[]): void {
  assert.deepEqual(problems(yaml), expected);
}

describe('security/policy parse', () => {
  describe('reports each problem with the path of the member at fault', () => {
    it('names an unknown action with the role and permission index', () => {
      rejects(
        `roles:\n  operator:\n    - actions: [read]\n    - actions: [read, wirte]`,
        `roles.operator[1].actions: unknown action 'wirte' (expected ${ACTIONS.join(', ')} or '*')`,
      );
    });

    it('requires actions, and at least one', () => {
      rejects(`roles: { viewer: [ { types: '*' } ] }`, `roles.viewer[0].actions: missing (a list of ${ACTIONS.join(', ')}, or '*')`);
      rejects(`roles: { viewer: [ { actions: [] } ] }`, `roles.viewer[0].actions: empty: a permission must grant at least one action`);
    });

    it('rejects unknown members, so a typo never silently widens a permission', () => {
      rejects(
        `roles: { viewer: [ { actions: [read], tenant: [a] } ] }`,
        `roles.viewer[0]: unknown member 'tenant' (expected description, actions, tenants, types, ids, resources, attributes)`,
      );
      rejects(`rules: {}\nroles: {}`, `(document): unknown member 'rules' (expected @context, description, roles, bindings)`);
      rejects(
        `roles: { viewer: [ { actions: [read], attributes: { allow: [a], hide: [b] } } ] }`,
        `roles.viewer[0].attributes: unknown member 'hide' (expected allow, deny)`,
      );
    });

    it('checks the shape of the document, roles and permissions', () => {
      assert.throws(() => parsePolicy([], EXPANDER), /\(document\): expected an object with 'roles', got a list/);
      rejects(`description: x`, `roles: missing (an object mapping role names to lists of permissions)`);
      rejects(`roles: [a]`, `roles: expected an object mapping role names to lists of permissions, got a list`);
      rejects(`roles: { viewer: { actions: [read] } }`, `roles.viewer: expected a list of permissions, got an object`);
      rejects(`roles: { viewer: [ read ] }`, `roles.viewer[0]: expected a permission object, got string "read"`);
      rejects(`roles: { viewer: [ { actions: [read, 3] } ] }`, `roles.viewer[0].actions[1]: expected a string, got number 3`);
      rejects(`roles: { viewer: [ { actions: { read: true } } ] }`, `roles.viewer[0].actions: expected '*' or a list of strings, got an object`);
    });

    it('checks tenant patterns, id globs and resources', () => {
      rejects(
        `roles: { r: [ { actions: [read], tenants: ['a b', 'ok-*'] } ] }`,
        `roles.r[0].tenants: invalid tenant pattern 'a b' (letters, digits, _ . - and * only; '' is the default tenant)`,
      );
      rejects(
        `roles: { r: [ { actions: [read], ids: ['urn:x:\${user}', ''] } ] }`,
        `roles.r[0].ids: unknown placeholder '\${user}' in id pattern 'urn:x:\${user}' (only \${sub})`,
        `roles.r[0].ids: empty id pattern`,
      );
      rejects(
        `roles: { r: [ { actions: [admin], resources: [audti] } ] }`,
        `roles.r[0].resources: unknown resource 'audti' (expected audit, contexts, devices, models, ota, policy, subscriptions, tenants or '*')`,
      );
    });

    it('keeps resource permissions apart from entity permissions', () => {
      rejects(
        `roles: { auditor: [ { actions: [admin], resources: [audit], types: [Building], attributes: { allow: [] } } ] }`,
        `roles.auditor[0].types: not allowed with 'resources' (a resource permission grants no entity access; write a separate permission)`,
        `roles.auditor[0].attributes: not allowed with 'resources' (a resource permission grants no entity access; write a separate permission)`,
      );
    });

    it('checks type and attribute names', () => {
      rejects(`roles: { r: [ { actions: [read], types: ['@id'] } ] }`, `roles.r[0].types: '@id' is a JSON-LD keyword, not a type`);
      rejects(
        `roles: { r: [ { actions: [read], attributes: { deny: [createdAt] } } ] }`,
        `roles.r[0].attributes.deny: 'createdAt' is not an attribute (id, type, scope and the timestamps are always visible with the entity)`,
      );
      rejects(
        `roles: { r: [ { actions: [read], attributes: { deny: '*' } } ] }`,
        `roles.r[0].attributes.deny: '*' is not allowed here: write 'allow: []' to hide every attribute`,
      );
      rejects(`roles: { r: [ { actions: [read], types: ['a b'] } ] }`, `roles.r[0].types: invalid type name 'a b'`);
    });

    it('checks bindings against the roles, quoting keys that are not plain names', () => {
      rejects(
        `roles: { admin: [ { actions: '*' } ] }\nbindings: { 'weft:admin': [admn], viewer: 3 }`,
        `bindings['weft:admin']: unknown role 'admn' (roles: admin)`,
        `bindings.viewer: expected a list of role names, got number 3`,
      );
    });

    it('reports every problem of the document at once', () => {
      const found = problems(`roles:\n  a: [ { actions: [reed] } ]\n  b: [ { actions: [read], ids: [''] }, { actions: [read], oops: 1 } ]`);
      assert.equal(found.length, 3);
      assert.match(found[0], /^roles\.a\[0\]\.actions: unknown action 'reed'/);
      assert.match(found[1], /^roles\.b\[0\]\.ids: empty id pattern/);
      assert.match(found[2], /^roles\.b\[1\]: unknown member 'oops'/);
    });

    it('puts all problems in the error message, one per line, with the file name', () => {
      assert.throws(
        () => parsePolicy({ roles: { a: [{ actions: ['x'] }] } }, EXPANDER, 'p.yaml'),
        (err: Error) => err instanceof PolicyError && err.message.startsWith('Invalid policy p.yaml:\n  roles.a[0].actions: unknown action'),
      );
    });
  });

  describe('compiles what it accepts', () => {
    it("expands type and attribute terms, keeps IRIs, and treats '*' and omission as everything", () => {
      const p = policy(`
roles:
  r:
    - actions: [read]
      types: [Building, 'https://other.org/Room', 'ex:Floor']
      attributes: { allow: [temperature], deny: ['https://other.org/secret'] }
    - actions: '*'
      tenants: ['*']
      types: '*'
      ids: ['*', 'urn:x:1']`);
      const [first, second] = p.roles.get('r')!;
      assert.deepEqual([...first.types!], [iri('Building'), 'https://other.org/Room', iri('Floor')]);
      assert.deepEqual(first.attributes.form, { allow: [iri('temperature')] });
      assert.equal(first.at, 'roles.r[0]');
      assert.deepEqual([...second.actions], [...ACTIONS]);
      assert.equal(second.tenants, undefined);
      assert.equal(second.types, undefined);
      assert.equal(second.ids, undefined);
      assert.equal(second.entities, true);
      assert.equal(second.resources, '*');
      assert.deepEqual(first.resources, new Set(), 'a type-restricted permission grants no resource');
      assert.equal(second.attributes.all, true);
    });

    it('accepts a lone string where a list is expected', () => {
      const p = policy(`roles: { r: [ { actions: read, types: Building } ] }`);
      assert.deepEqual([...p.roles.get('r')![0].actions], ['read']);
      assert.deepEqual([...p.roles.get('r')![0].types!], [iri('Building')]);
    });

    it('accepts an empty role and maps bindings to role lists', () => {
      const p = policy(`roles: { none: [], admin: [ { actions: '*' } ] }\nbindings: { 'weft:admin': admin, admin: [] }`);
      assert.deepEqual(p.roles.get('none'), []);
      assert.deepEqual(p.bindings.get('weft:admin'), ['admin']);
      assert.deepEqual(p.bindings.get('admin'), []);
    });
  });

  describe('loader', () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-policy-'));
    const write = (name: string, text: string): string => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    };

    it('loads the shipped default policy with its six roles', async () => {
      const p = await loadPolicy(DEFAULT_POLICY);
      assert.deepEqual([...p.roles.keys()].sort(), ['admin', 'auditor', 'device', 'deviceManager', 'operator', 'viewer']);
    });

    it('expands terms against the inline @context of the document, over the core context', async () => {
      const file = write(
        'ctx.yaml',
        `'@context': { saref: 'https://saref.etsi.org/core/', Room: 'https://example.com/Room' }
roles:
  r: [ { actions: [read], types: ['saref:Device', Room, Building], attributes: { allow: [location] } } ]`,
      );
      const p = await loadPolicy(file);
      const perm = p.roles.get('r')![0];
      assert.deepEqual([...perm.types!], ['https://saref.etsi.org/core/Device', 'https://example.com/Room', 'https://uri.etsi.org/ngsi-ld/default-context/Building']);
      assert.deepEqual(perm.attributes.form, { allow: [LOCATION_IRI] });
    });

    it('accepts a core context URL, and refuses other URLs unless a loader is given', async () => {
      const core = write('core.json', JSON.stringify({ '@context': 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld', roles: { r: [{ actions: ['read'], types: ['Building'] }] } }));
      assert.deepEqual([...(await loadPolicy(core)).roles.get('r')![0].types!], ['https://uri.etsi.org/ngsi-ld/default-context/Building']);

      const remote = write('remote.yml', `'@context': https://example.com/ctx.jsonld\nroles: { r: [ { actions: [read], types: [Building] } ] }`);
      await assert.rejects(loadPolicy(remote), (err: Error) => err instanceof PolicyError && /@context: .*https:\/\/example\.com\/ctx\.jsonld/.test(err.message));
      const loaded = await loadPolicy(remote, { loadContext: async () => ({ '@context': { Building: 'https://example.com/Building' } }) });
      assert.deepEqual([...loaded.roles.get('r')![0].types!], ['https://example.com/Building']);
    });

    it('reads JSON by extension and reports syntax errors and unknown extensions as PolicyError', async () => {
      const json = write('p.json', JSON.stringify({ roles: { viewer: [{ actions: ['read'] }] } }));
      assert.deepEqual([...(await loadPolicy(json)).roles.keys()], ['viewer']);
      await assert.rejects(loadPolicy(write('bad.json', '{ roles: ')), PolicyError);
      await assert.rejects(loadPolicy(write('bad.yaml', 'roles: [unclosed')), PolicyError);
      assert.throws(() => parsePolicyText('roles: {}', 'p.toml'), /unsupported file type '\.toml'/);
    });

    it('names the file in validation errors', async () => {
      const file = write('typo.yaml', `roles: { r: [ { actions: [wirte] } ] }`);
      await assert.rejects(loadPolicy(file), (err: Error) => err.message.includes(`Invalid policy ${file}:`) && err.message.includes(`roles.r[0].actions: unknown action 'wirte'`));
    });
  });

  describe('the shipped default policy', () => {
    let p: Policy;
    before(async () => {
      p = await loadPolicy(DEFAULT_POLICY);
    });
    const building = { id: 'urn:ngsi-ld:Building:1', types: ['https://uri.etsi.org/ngsi-ld/default-context/Building'] };
    const who = (role: string, subject = 'alice') => ({ subject, roles: [role] });
    const allowed = (role: string, action: (typeof ACTIONS)[number], extra: { entity?: typeof building; resource?: string; subject?: string } = {}) =>
      decide(p, who(role, extra.subject), { action, tenant: 'site-a', entity: extra.entity, resource: extra.resource }).allowed;

    it('lets admin do everything, including every admin resource', () => {
      for (const action of ACTIONS) assert.equal(allowed('admin', action, { entity: building }), true, action);
      assert.equal(allowed('admin', 'admin', { resource: 'policy' }), true);
    });

    it('gives operator the data actions on every type, and nothing else', () => {
      for (const action of ['read', 'create', 'update', 'delete', 'subscribe'] as const) assert.equal(allowed('operator', action, { entity: building }), true, action);
      for (const action of ['admin', 'device', 'model'] as const) assert.equal(allowed('operator', action, { entity: building }), false, action);
    });

    it('gives viewer read and subscribe only', () => {
      assert.deepEqual(ACTIONS.filter((a) => allowed('viewer', a, { entity: building })), ['read', 'subscribe']);
    });

    it("lets a device use the device channel on its own twin only (ids: ['${sub}'])", () => {
      assert.equal(allowed('device', 'device', { entity: building, subject: 'urn:ngsi-ld:Building:1' }), true);
      assert.equal(allowed('device', 'device', { entity: building, subject: 'urn:ngsi-ld:Building:2' }), false);
      assert.equal(allowed('device', 'read', { entity: building, subject: 'urn:ngsi-ld:Building:1' }), false);
    });

    it('lets the auditor read the audit log and nothing else', () => {
      assert.equal(allowed('auditor', 'admin', { resource: 'audit' }), true);
      assert.equal(allowed('auditor', 'admin', { resource: 'policy' }), false);
      assert.deepEqual(ACTIONS.filter((a) => allowed('auditor', a, { entity: building })), []);
    });
  });
});
