/**
 * The broker's use cases, built over one set of dependencies (the composition root and
 * tests that assemble an app by hand use this, so the wiring exists once).
 */
import { AttributeService } from './attributes';
import { BatchService } from './batch';
import type { BrokerDeps } from './deps';
import { DiscoveryService } from './discovery';
import { EntityService } from './entities';
import { QueryService } from './query';
import { SubscriptionService, type SubscriptionWatcher } from './subscriptions';
import { TemporalService } from './temporal';

export interface BrokerServices {
  entities: EntityService;
  attributes: AttributeService;
  query: QueryService;
  batch: BatchService;
  discovery: DiscoveryService;
  temporal: TemporalService;
  subscriptions: SubscriptionService;
}

/** `watcher`: the notification side (notify/), told about every subscription change. */
export function createBrokerServices(deps: BrokerDeps, watcher?: SubscriptionWatcher): BrokerServices {
  const entities = new EntityService(deps);
  return {
    entities,
    attributes: new AttributeService(deps, entities),
    query: new QueryService(deps),
    batch: new BatchService(deps),
    discovery: new DiscoveryService(deps),
    temporal: new TemporalService(deps),
    subscriptions: new SubscriptionService(deps, watcher),
  };
}
