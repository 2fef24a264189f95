import type { EntityStore, EntityWrite, Plan } from '../store/port';
import type { Entity } from '../ngsi/entity';
import type { ContextSource } from '../ngsi/jsonld/context';
import { NgsiError } from '../ngsi/errors';
import { isUri } from '../ngsi/uri';
import type { AccessGuard } from './access';
import type { ChangeFeed, EntityChange } from './changes';
import type { RequestScope } from './scope';

/** What every use case needs; server.ts builds one and hands it to each. */
export interface BrokerDeps {
  store: EntityStore;
  feed: ChangeFeed;
  /** Current time as an ISO 8601 string; injectable so tests can pin timestamps. */
  now: () => string;
  /** temporalMaxInstances: most instances per attribute in one temporal answer (default 10,000). */
  /**
   * temporalMaxAggregatedInstances: most instances of one attribute a store may load into
   * memory to aggregate it (unset: no maximum; numeric histories aggregate in SQL, unbounded).
   */
  limits: { maxBatchEntities: number; defaultLimit: number; maxLimit: number; temporalMaxInstances?: number; temporalMaxAggregatedInstances?: number };
  /**
   * Hosts an inline or composite @context and returns its URL (an ImplicitlyCreated
   * context, clause 5.13); absent where nothing hosts contexts (unit tests of the broker).
   */
  hostContext?: (source: ContextSource) => Promise<string>;
  /** Policy enforcement and audit of every use case (access.ts). */
  access: AccessGuard;
}

function toChange(w: EntityWrite, scope: RequestScope): EntityChange {
  if (w.op === 'delete') {
    return { tenant: scope.tenant, kind: 'delete', id: w.id, entity: undefined, previous: w.previous, requestId: scope.requestId, outboxSeq: w.outboxSeq };
  }
  return {
    tenant: scope.tenant,
    kind: w.previous ? 'update' : 'create',
    id: w.entity.id,
    entity: w.entity,
    previous: w.previous,
    requestId: scope.requestId,
    outboxSeq: w.outboxSeq,
  };
}

/**
 * Runs a pure plan against the current state of `ids` in one store transaction, then
 * publishes what was written on the change feed. All writes go through here.
 */
export async function commit<T>(
  deps: BrokerDeps,
  scope: RequestScope,
  ids: string[],
  plan: (current: Map<string, Entity>) => Plan<T>,
): Promise<T> {
  let writes: EntityWrite[] = [];
  const result = await deps.store.modify(scope.tenant, ids, (current) => {
    const p = plan(current);
    // Every write is checked here, whichever use case planned it; a denial aborts the
    // transaction. (Batch checks each item first, so its failures stay per item.)
    for (const w of p.writes) deps.access.write(scope, w.previous, w.op === 'put' ? w.entity : undefined);
    writes = p.writes;
    return p;
  });
  if (writes.length > 0) {
    deps.feed.publish(writes.map((w) => toChange(w, scope)));
    recordWrites(deps, scope, writes);
  }
  return result;
}

/** One audit record per transaction: the write itself, or a count for batches and purges. */
function recordWrites(deps: BrokerDeps, scope: RequestScope, writes: EntityWrite[]): void {
  const kindOf = (w: EntityWrite): string => (w.op === 'delete' ? 'delete' : w.previous ? 'update' : 'create');
  if (writes.length === 1) {
    const w = writes[0];
    deps.access.recordWrite(scope, kindOf(w), w.op === 'delete' ? w.id : w.entity.id);
    return;
  }
  const kinds = [...new Set(writes.map(kindOf))].sort().join('+');
  const first = writes[0];
  deps.access.recordWrite(scope, kinds, first.op === 'delete' ? first.id : first.entity.id, writes.length);
}

/** Reads of an unknown tenant answer NonexistentTenant (clause 4.14), not an empty result. */
export async function assertTenantExists(deps: BrokerDeps, scope: RequestScope): Promise<void> {
  if (scope.tenant !== '' && !(await deps.store.hasTenant(scope.tenant))) {
    throw new NgsiError('NonexistentTenant', `Tenant '${scope.tenant}' does not exist`);
  }
}

export function assertEntityId(id: string): void {
  if (!isUri(id)) throw new NgsiError('BadRequestData', `Entity id '${id}' is not a valid URI`);
}

export async function entityNotFound(deps: BrokerDeps, scope: RequestScope, id: string): Promise<NgsiError> {
  await assertTenantExists(deps, scope);
  return new NgsiError('ResourceNotFound', `Entity ${id} not found`);
}
