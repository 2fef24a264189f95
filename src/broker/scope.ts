/**
 * Who is asking, for which tenant, in which @context. Every broker call takes one, so
 * policy is enforced in broker/ (access.ts) for every door (HTTP, MQTT, LwM2M, ML).
 */
import type { CompiledContext } from '../ngsi/jsonld/context';

/**
 * The verified caller (security/jwt builds it from a token). Structurally a
 * security/policy PolicyPrincipal, so the guard hands it to the evaluator as it is.
 */
export interface Principal {
  subject: string;
  roles: readonly string[];
  /** The token's tenant claim: when present, the only tenants reachable ('' = default). */
  tenants?: readonly string[];
}

export interface RequestScope {
  /** NGSILD-Tenant value; '' is the default tenant. */
  tenant: string;
  /** undefined only with auth off (--auth=false); the guard refuses it otherwise. */
  principal: Principal | undefined;
  /** The request's compiled @context: names in and out are terms of this context. */
  context: CompiledContext;
  /** Correlates logs, change events and audit records of one request. */
  requestId: string;
  /**
   * 'device': the write arrives through the device channel (MQTT, LwM2M) on behalf of a
   * device, and needs the policy's `device` action instead of create / update / delete.
   */
  channel?: 'device';
}
