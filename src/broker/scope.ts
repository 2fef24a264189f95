/**
 * Who is asking, for which tenant, in which @context. Every broker call takes one, so the
 * zero-trust issue can enforce policy in broker/ for every door (HTTP, MQTT, LwM2M, ML).
 */
import type { CompiledContext } from '../ngsi/jsonld/context';

/** The verified caller. Until request-level authorization lands, HTTP callers are anonymous. */
export interface Principal {
  subject: string;
  roles: string[];
}

export interface RequestScope {
  /** NGSILD-Tenant value; '' is the default tenant. */
  tenant: string;
  principal: Principal | undefined;
  /** The request's compiled @context: names in and out are terms of this context. */
  context: CompiledContext;
  /** Correlates logs, change events and (later) audit records of one request. */
  requestId: string;
}
