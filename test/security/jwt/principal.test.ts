import { strict as assert } from 'node:assert';
import type { JWTPayload } from 'jose';
import { compileClaimMapping, readClaim, type ClaimMappingOptions } from '../../../src/security/jwt/principal';
import type { VerifiedToken } from '../../../src/security/jwt/verifier';

const token = (claims: JWTPayload): VerifiedToken => ({ subject: 'alice', claims: { sub: 'alice', ...claims }, expiresAt: 1_700_000_000_000 });
const principal = (claims: JWTPayload, opts?: ClaimMappingOptions) => compileClaimMapping(opts).toPrincipal(token(claims));

describe('security/jwt: principal from claims (pure)', () => {
  it('by default takes roles from "roles" and tenants from "tenants", and carries issuer, expiry and jti', () => {
    assert.deepEqual(principal({ roles: ['admin', 'reader', 'admin'], tenants: ['t1'], iss: 'https://idp', jti: 'j1', scope: 'openid weft:read' }), {
      subject: 'alice',
      roles: ['admin', 'reader'],
      tenants: ['t1'],
      scopes: ['openid', 'weft:read'],
      issuer: 'https://idp',
      expiresAt: 1_700_000_000_000,
      tokenId: 'j1',
    });
  });

  it('reads Keycloak realm and client roles through dotted paths', () => {
    const claims = { realm_access: { roles: ['offline_access', 'operator'] }, resource_access: { weft: { roles: ['admin'] } } };
    assert.deepEqual(principal(claims, { rolesClaim: 'realm_access.roles' }).roles, ['offline_access', 'operator']);
    assert.deepEqual(principal(claims, { rolesClaim: 'resource_access.weft.roles' }).roles, ['admin']);
  });

  it('reads Auth0-style namespaced claims whose names contain dots, and dotted client ids', () => {
    assert.deepEqual(principal({ 'https://weft.example/roles': ['admin'] }, { rolesClaim: 'https://weft.example/roles' }).roles, ['admin']);
    const claims = { resource_access: { 'weft.api': { roles: ['writer'] } } };
    assert.deepEqual(principal(claims, { rolesClaim: 'resource_access.weft.api.roles' }).roles, ['writer']);
  });

  it('turns prefixed OAuth scopes into roles, stripping the prefix; generic scopes never become roles', () => {
    const p = principal({ scope: 'openid profile weft:admin weft:reader weft:' }, { rolesClaim: false, scopeRolePrefix: 'weft:' });
    assert.deepEqual(p.roles, ['admin', 'reader']);
    assert.deepEqual(p.scopes, ['openid', 'profile', 'weft:admin', 'weft:reader', 'weft:']);
    assert.deepEqual(principal({ scope: 'reader  writer ' }, { rolesClaim: false, scopeRolePrefix: '' }).roles, ['reader', 'writer']);
    assert.deepEqual(principal({ scope: 'weft:admin' }).roles, [], 'without scopeRolePrefix, scopes grant nothing');
  });

  it('reads scopes from an "scp" list (Entra ID, Okta) and merges them with claim roles', () => {
    const p = principal({ roles: ['reader'], scp: ['weft.write', 'User.Read'] }, { scopeClaim: 'scp', scopeRolePrefix: 'weft.' });
    assert.deepEqual(p.roles, ['reader', 'write']);
  });

  it('fails closed on claims of the wrong shape: they grant nothing', () => {
    for (const roles of [{ admin: true }, 42, null, [1, { r: 'admin' }, ['admin']], true]) {
      assert.deepEqual(principal({ roles } as JWTPayload).roles, [], JSON.stringify(roles));
    }
    assert.deepEqual(principal({ roles: ['reader', 7, '', ' writer '] } as JWTPayload).roles, ['reader', 'writer']);
    assert.deepEqual(principal({ roles: 'reader writer' }).roles, ['reader', 'writer'], 'a space-separated string is a list');
  });

  it('tells an absent tenants claim (undefined) from an empty one ([]), and keeps the default tenant ""', () => {
    assert.equal(principal({}).tenants, undefined);
    assert.deepEqual(principal({ tenants: [] }).tenants, []);
    assert.deepEqual(principal({ tenants: 'acme' }).tenants, ['acme']);
    assert.deepEqual(principal({ tenants: ['', 'acme', 'acme', 3] } as JWTPayload).tenants, ['', 'acme']);
    assert.equal(principal({ tenants: ['acme'] }, { tenantsClaim: false }).tenants, undefined);
    assert.deepEqual(principal({ org: { tenants: ['x'] } }, { tenantsClaim: 'org.tenants' }).tenants, ['x']);
  });

  it('never reads inherited properties through a claim path', () => {
    assert.equal(readClaim({}, '__proto__'), undefined);
    assert.equal(readClaim({}, 'constructor.name'), undefined);
    assert.equal(readClaim({ a: {} }, 'a.toString'), undefined);
    assert.deepEqual(principal({}, { rolesClaim: 'constructor' }).roles, []);
  });

  it('refuses a meaningless configuration at compile time', () => {
    assert.throws(() => compileClaimMapping({ rolesClaim: '' }), /rolesClaim/);
    assert.throws(() => compileClaimMapping({ scopeClaim: false, scopeRolePrefix: 'weft:' }), /scopeRolePrefix needs a scopeClaim/);
  });
});
