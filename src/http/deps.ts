import type { AttributeService } from '../broker/attributes';
import type { BatchService } from '../broker/batch';
import type { DiscoveryService } from '../broker/discovery';
import type { EntityService } from '../broker/entities';
import type { QueryService } from '../broker/query';
import type { ContextManager } from '../ngsi/jsonld/manager';
import type { Logger } from '../ops/logger';

/** The use cases the routers call (STYLE.md 5: createRouter(deps)). */
export interface HttpDeps {
  entities: EntityService;
  attributes: AttributeService;
  query: QueryService;
  batch: BatchService;
  discovery: DiscoveryService;
  contexts: ContextManager;
  limits: { defaultLimit: number; maxBodyBytes: number };
  log: Logger;
}
