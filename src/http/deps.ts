import type { BrokerServices } from '../broker';
import type { ContextManager } from '../ngsi/jsonld/manager';
import type { Logger } from '../ops/logger';

/** The use cases the routers call (STYLE.md 5: createRouter(deps)). */
export interface HttpDeps extends BrokerServices {
  contexts: ContextManager;
  limits: { defaultLimit: number; maxBodyBytes: number };
  log: Logger;
}
