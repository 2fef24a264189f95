/**
 * Temporal API use cases (TRoE; GS CIM 009 v1.8.1 clause 5.6.11-5.6.16, 5.7.3-5.7.4).
 * Histories are recorded by the store with every entity write (store.modify); these use
 * cases read them and write them directly. Direct writes touch the history only, never
 * the current entity (as Orion-LD's TRoE and Stellio do).
 *
 * Reads return at most limits.temporalMaxInstances instances per attribute; when one was
 * cut, every attribute is cut to the common complete time range, which the answer carries
 * for the Content-Range of a 206 (clause 6.3.10, ngsi/temporal/paging). The aggregated
 * representation is aggregated over the whole requested range instead, and the maximum
 * applies to its periods (pagePeriods); instances the store left unaggregated are
 * aggregated here, before paging.
 */
import type { Attribute, Iri } from '../ngsi/entity';
import { NgsiError } from '../ngsi/errors';
import type { EntityFilter } from '../ngsi/query/ast';
import { parseAttribute } from '../ngsi/parse';
import {
  aggregateEntity,
  DEFAULT_MAX_INSTANCES,
  pageInstances,
  pagePeriods,
  parseTemporalAttrs,
  parseTemporalEntity,
  type InstanceRange,
  type TemporalEntity,
  type TemporalQuery,
} from '../ngsi/temporal';
import type { Page } from '../store/port';
import type { CompiledContext } from '../ngsi/jsonld/context';
import { assertEntityId, assertTenantExists, entityNotFound, type BrokerDeps } from './deps';
import { assertSelective } from './query';
import type { RequestScope } from './scope';

export class TemporalService {
  private readonly maxInstances: number;

  constructor(private readonly deps: BrokerDeps) {
    this.maxInstances = Math.max(1, deps.limits.temporalMaxInstances ?? DEFAULT_MAX_INSTANCES);
  }

  /** Clause 5.7.4 query temporal evolution of entities; `range` set: a partial answer (206). */
  async query(
    scope: RequestScope, filter: EntityFilter, temporal: TemporalQuery, page: Page & { local?: boolean },
  ): Promise<{ entities: TemporalEntity[]; count?: number; range?: InstanceRange }> {
    if (!page.local) assertSelective(filter);
    if (page.limit > this.deps.limits.maxLimit) {
      throw new NgsiError('TooManyResults', `limit ${page.limit} exceeds the maximum of ${this.deps.limits.maxLimit}`);
    }
    await assertTenantExists(this.deps, scope);
    const q = this.limited(temporal);
    const found = await this.deps.store.queryTemporal(scope.tenant, filter, q, { limit: page.limit, offset: page.offset, count: page.count });
    const { entities, range } = this.page(found.entities, q, scope.context);
    const out: { entities: TemporalEntity[]; count?: number; range?: InstanceRange } = { entities };
    if (found.count !== undefined) out.count = found.count;
    if (range !== undefined) out.range = range;
    return out;
  }

  /** Clause 5.7.3 retrieve temporal evolution of an entity; `range` set: a partial answer (206). */
  async retrieve(scope: RequestScope, id: string, temporal: TemporalQuery, attrs?: Iri[]): Promise<{ entity: TemporalEntity; range?: InstanceRange }> {
    assertEntityId(id);
    const q = this.limited(temporal);
    const te = await this.deps.store.getTemporal(scope.tenant, id, q, attrs);
    if (te === undefined) throw await entityNotFound(this.deps, scope, id);
    const { entities, range } = this.page([te], q, scope.context);
    return range === undefined ? { entity: entities[0] } : { entity: entities[0], range };
  }

  /** Clause 6.3.10: instances cut to the common range, or (aggregatedValues) periods. */
  private page(found: TemporalEntity[], q: TemporalQuery, ctx: CompiledContext): { entities: TemporalEntity[]; range?: InstanceRange } {
    if (q.aggregation === undefined) return pageInstances(found, q);
    return pagePeriods(found.map((e) => aggregateEntity(e, ctx, q.aggregation!, q)), q);
  }

  /** The server's per-attribute maximum (clause 6.3.10) applies to every read. */
  private limited(temporal: TemporalQuery): TemporalQuery {
    return { ...temporal, instanceLimit: this.maxInstances };
  }

  /** Clause 5.6.11: creates the history, or appends to it. True: created (201). */
  async createOrAppend(scope: RequestScope, doc: unknown): Promise<{ id: string; created: boolean }> {
    const now = this.deps.now();
    const input = parseTemporalEntity(doc, scope.context, now);
    const outcome = await this.deps.store.appendTemporal(scope.tenant, input, now, false);
    return { id: input.id, created: outcome === 'created' };
  }

  /** Clause 5.6.12: add attribute instances to an existing history. */
  async appendAttrs(scope: RequestScope, id: string, doc: unknown): Promise<void> {
    assertEntityId(id);
    const now = this.deps.now();
    const input = parseTemporalAttrs(doc, id, scope.context, now);
    await assertTenantExists(this.deps, scope);
    const outcome = await this.deps.store.appendTemporal(scope.tenant, input, now, true);
    if (outcome === 'missing') throw new NgsiError('ResourceNotFound', `Temporal entity ${id} not found`);
  }

  /** Clause 5.6.16: the whole history goes (the current entity stays). */
  async delete(scope: RequestScope, id: string): Promise<void> {
    assertEntityId(id);
    await assertTenantExists(this.deps, scope);
    if (!(await this.deps.store.deleteTemporal(scope.tenant, id))) throw new NgsiError('ResourceNotFound', `Temporal entity ${id} not found`);
  }

  /** Clause 5.6.13: one attribute's history (one dataset, or all with deleteAll). */
  async deleteAttr(scope: RequestScope, id: string, attrTerm: string, which: { datasetId?: string; all: boolean }): Promise<void> {
    assertEntityId(id);
    await assertTenantExists(this.deps, scope);
    const attr = scope.context.expandTerm(attrTerm);
    if (!(await this.deps.store.deleteTemporalAttr(scope.tenant, id, attr, which))) {
      throw new NgsiError('ResourceNotFound', `Entity ${id} has no history of attribute ${attrTerm}`);
    }
  }

  /**
   * Clause 5.6.14: the instance takes the body's content (the attribute itself, or wrapped
   * in its name as {"<attrId>": {...}} like Stellio and Orion-LD accept it).
   */
  async patchInstance(scope: RequestScope, id: string, attrTerm: string, instanceId: string, doc: unknown): Promise<void> {
    assertEntityId(id);
    const attr = scope.context.expandTerm(attrTerm);
    const now = this.deps.now();
    let raw = doc;
    if (typeof doc === 'object' && doc !== null && !Array.isArray(doc) && attrTerm in doc) {
      raw = (doc as Record<string, unknown>)[attrTerm];
      if (Array.isArray(raw)) {
        if (raw.length !== 1) throw new NgsiError('BadRequestData', 'Exactly one instance can be modified');
        raw = raw[0];
      }
    }
    if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
      const { instanceId: _ignored, ...rest } = raw as Record<string, unknown>;
      raw = rest;
    }
    const patch: Attribute = parseAttribute(attr, raw, scope.context, now)[0];
    await assertTenantExists(this.deps, scope);
    if (!(await this.deps.store.patchTemporalInstance(scope.tenant, id, attr, instanceId, patch, now))) {
      throw new NgsiError('ResourceNotFound', `Instance ${instanceId} of ${attrTerm} of entity ${id} not found`);
    }
  }

  /** Clause 5.6.15. */
  async deleteInstance(scope: RequestScope, id: string, attrTerm: string, instanceId: string): Promise<void> {
    assertEntityId(id);
    await assertTenantExists(this.deps, scope);
    const attr = scope.context.expandTerm(attrTerm);
    if (!(await this.deps.store.deleteTemporalInstance(scope.tenant, id, attr, instanceId))) {
      throw new NgsiError('ResourceNotFound', `Instance ${instanceId} of ${attrTerm} of entity ${id} not found`);
    }
  }
}
