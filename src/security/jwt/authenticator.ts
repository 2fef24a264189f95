/**
 * Token in, principal out: the one call the HTTP middleware (and later MQTT/LwM2M) needs.
 *
 * The verifier hands back the same frozen VerifiedToken object for every cache hit, so a
 * WeakMap keyed by that object maps claims to a principal once per token and lets the
 * principal go when the verifier's cache drops the token. The principal is frozen for the
 * same reason the claims are: one object is shared by every request carrying the token.
 */
import type { AuthenticatedPrincipal, ClaimMapping } from './principal';
import type { TokenVerifier, VerifiedToken } from './verifier';

export type Authenticator = (token: string) => Promise<AuthenticatedPrincipal>;

export function createAuthenticator(verifier: TokenVerifier, mapping: ClaimMapping): Authenticator {
  const principals = new WeakMap<VerifiedToken, AuthenticatedPrincipal>();
  return async (token) => {
    const verified = await verifier.verify(token);
    let principal = principals.get(verified);
    if (principal === undefined) {
      principal = freezePrincipal(mapping.toPrincipal(verified));
      principals.set(verified, principal);
    }
    return principal;
  };
}

function freezePrincipal(p: AuthenticatedPrincipal): AuthenticatedPrincipal {
  Object.freeze(p.roles);
  Object.freeze(p.scopes);
  if (p.tenants !== undefined) Object.freeze(p.tenants);
  return Object.freeze(p);
}
