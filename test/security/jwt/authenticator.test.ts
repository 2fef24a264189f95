import { strict as assert } from 'node:assert';
import { createAuthenticator } from '../../../src/security/jwt/authenticator';
import { compileClaimMapping } from '../../../src/security/jwt/principal';
import { createTokenVerifier } from '../../../src/security/jwt/verifier';
import { keySet, makeKey, rejectsWith, sign, testClock } from './helpers';

describe('security/jwt: authenticator (token -> principal)', () => {
  it('maps a token to a frozen principal once and reuses it on cache hits', async () => {
    const key = await makeKey('ES256');
    const keys = keySet(key);
    let mapped = 0;
    const mapping = compileClaimMapping({ rolesClaim: 'realm_access.roles' });
    const counting = { toPrincipal: (t: Parameters<typeof mapping.toPrincipal>[0]) => (mapped++, mapping.toPrincipal(t)) };
    const authenticate = createAuthenticator(createTokenVerifier({ keys, now: testClock().now }), counting);
    const token = await sign(key, { realm_access: { roles: ['operator'] }, tenants: ['acme'] });
    const first = await authenticate(token);
    const second = await authenticate(token);
    assert.equal(second, first);
    assert.equal(mapped, 1);
    assert.deepEqual([first.subject, first.roles, first.tenants], ['user-1', ['operator'], ['acme']]);
    assert.ok(Object.isFrozen(first) && Object.isFrozen(first.roles) && Object.isFrozen(first.tenants));
  });

  it('passes verification failures through unchanged', async () => {
    const key = await makeKey('ES256');
    const authenticate = createAuthenticator(createTokenVerifier({ keys: keySet(key), now: testClock().now }), compileClaimMapping());
    await rejectsWith(authenticate(''), 'missing');
    await rejectsWith(authenticate(await sign(await makeKey('ES256', key.kid))), 'bad_signature');
  });
});
