/**
 * Turns a verified token into the principal the broker and the policy engine see. Pure:
 * no I/O, no clock. The mapping is checked once from config (compileClaimMapping), then
 * applied per verified token.
 *
 * Identity providers put roles in different places, hence configurable claim names:
 *   roles: ["admin"]                         Weft's local issuer, Entra ID app roles
 *   realm_access.roles / resource_access.weft.roles   Keycloak (dotted path)
 *   "https://weft.example/roles"             Auth0 (namespaced claim: a key containing dots)
 *   scope: "openid weft:read weft:write"     OAuth scopes, optionally as roles via a prefix
 *
 * Fail closed: a claim of the wrong shape grants nothing (no roles) rather than failing the
 * request; the policy then denies what the caller cannot prove.
 */
import type { Principal } from '../../broker/scope';
import type { VerifiedToken } from './verifier';

/** A Principal plus what the policy engine and audit log need from the token. */
export interface AuthenticatedPrincipal extends Principal {
  subject: string;
  roles: string[];
  /**
   * Tenants the token is limited to, from the tenants claim. `undefined` means the claim is
   * absent, which is not the same as `[]` (present but empty): the policy engine decides
   * what absence means (e.g. "the tenants the roles grant").
   */
  tenants: string[] | undefined;
  /** All OAuth scopes of the token (space-separated `scope` string or `scp` list), roles or not. */
  scopes: string[];
  issuer: string | undefined;
  /** Epoch ms (see VerifiedToken.expiresAt): lets long-lived work (subscriptions, MQTT sessions) stop at expiry. */
  expiresAt: number | undefined;
  /** `jti`, for the audit log. */
  tokenId: string | undefined;
}

export interface ClaimMappingOptions {
  /** Claim holding roles (array of strings, or one space-separated string); dotted paths allowed. Default 'roles'; false = none. */
  rolesClaim?: string | false;
  /** Claim holding OAuth scopes. Default 'scope'; 'scp' is the usual alternative (Entra ID, Okta). */
  scopeClaim?: string | false;
  /**
   * Scopes that become roles: undefined (default) = none; '' = every scope; 'weft:' = only
   * scopes starting with the prefix, which is stripped ('weft:admin' -> role 'admin'). A
   * prefix keeps generic scopes such as 'openid' or 'profile' from ever naming a Weft role.
   */
  scopeRolePrefix?: string;
  /** Claim holding tenants (array of strings, or one string). Default 'tenants'; false = never limited by the token. */
  tenantsClaim?: string | false;
}

export interface ClaimMapping {
  toPrincipal(token: VerifiedToken): AuthenticatedPrincipal;
}

/** A claim name or dotted path; undefined = this source is switched off. */
type ClaimPath = string | undefined;

export function compileClaimMapping(opts: ClaimMappingOptions = {}): ClaimMapping {
  const roles = compilePath(opts.rolesClaim, 'roles', 'rolesClaim');
  const scope = compilePath(opts.scopeClaim, 'scope', 'scopeClaim');
  const tenants = compilePath(opts.tenantsClaim, 'tenants', 'tenantsClaim');
  const prefix = opts.scopeRolePrefix;
  if (prefix !== undefined && scope === undefined) throw new Error('jwt: scopeRolePrefix needs a scopeClaim');
  return {
    toPrincipal(token: VerifiedToken): AuthenticatedPrincipal {
      const claims = token.claims as Record<string, unknown>;
      const scopes = stringList(readPath(claims, scope), /\s+/);
      const granted = stringList(readPath(claims, roles), /\s+/);
      if (prefix !== undefined) {
        for (const s of scopes) if (s.startsWith(prefix) && s.length > prefix.length) granted.push(s.slice(prefix.length));
      }
      const tenantValue = readPath(claims, tenants);
      return {
        subject: token.subject,
        roles: [...new Set(granted)],
        tenants: tenantValue === undefined ? undefined : [...new Set(stringList(tenantValue, undefined, true))],
        scopes,
        issuer: typeof claims.iss === 'string' ? claims.iss : undefined,
        expiresAt: token.expiresAt,
        tokenId: typeof claims.jti === 'string' ? claims.jti : undefined,
      };
    },
  };
}

function compilePath(value: string | false | undefined, fallback: string, name: string): ClaimPath {
  if (value === false) return undefined;
  const path = value ?? fallback;
  if (typeof path !== 'string' || path.length === 0) throw new Error(`jwt: ${name} must be a non-empty claim name`);
  // Kept whole (not split at dots) so readClaim can try keys that contain dots first.
  return path;
}

/**
 * Reads `a.b.c`: an exact key wins (Auth0's 'https://x.y/roles'), otherwise the longest
 * key prefix that exists is descended into ('resource_access' -> 'weft.app' -> 'roles').
 * Only own properties are read, so '__proto__' or 'constructor' paths yield nothing.
 */
export function readClaim(claims: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  for (let dot = path.lastIndexOf('.'); dot > 0; dot = path.lastIndexOf('.', dot - 1)) {
    const head = path.slice(0, dot);
    if (!Object.hasOwn(claims, head)) continue;
    const child = claims[head];
    if (typeof child === 'object' && child !== null && !Array.isArray(child)) {
      const found = readClaim(child as Record<string, unknown>, path.slice(dot + 1));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function readPath(claims: Record<string, unknown>, path: ClaimPath): unknown {
  return path === undefined ? undefined : readClaim(claims, path);
}

/** Array of strings, or a string split by `separator`; anything else yields no entries. */
function stringList(value: unknown, separator: RegExp | undefined, keepEmpty = false): string[] {
  const items = typeof value === 'string' ? (separator === undefined ? [value] : value.split(separator)) : Array.isArray(value) ? value : [];
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') continue;
    const trimmed = item.trim();
    if (trimmed.length > 0 || keepEmpty) out.push(trimmed);
  }
  return out;
}
