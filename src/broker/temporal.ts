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
 *
 * Access (issue 4: "temporal reads ... obey the same rules as a plain GET"). A history is
 * judged by the id and types its temporal record carries (temporal_entities: the entity's
 * types as last written, plus any a temporal write added), the same types the store
 * selects by, so a query and a retrieve of one history always agree. Queries AND the
 * policy's narrowing into the filter (pages and counts only ever hold visible histories)
 * and mask every answer with the entity's attribute mask; a history the caller may not
 * read is answered like an absent one. Writes are checked as entity writes: a new
 * history is a `create` of its types, anything else an `update` (every attribute written
 * must be writable; types added: `create` of them), deleting the history a `delete`.
 */
import type { Attribute, Entity, Iri } from '../ngsi/entity';
import { NgsiError } from '../ngsi/errors';
import type { EntityFilter } from '../ngsi/query/ast';
import { compileFilter, type EntityPredicate } from '../ngsi/query/matcher';
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
  type TemporalEntityInput,
  type TemporalQuery,
} from '../ngsi/temporal';
import { hideInQ, maskEntity, restrictQuery, type AttributeMask, type AttributeMasks } from '../security/policy';
import type { Page } from '../store/port';
import type { CompiledContext } from '../ngsi/jsonld/context';
import { assertEntityId, assertTenantExists, entityNotFound, type BrokerDeps } from './deps';
import { assertSelective } from './query';
import type { RequestScope } from './scope';

type TemporalAnswer = { entities: TemporalEntity[]; count?: number; range?: InstanceRange };

/** Reads only a history's record (id, types): no attribute is loaded. */
const RECORD_ONLY: TemporalQuery = { timeproperty: 'observedAt' };

/** Histories probed per store page while a residual predicate decides (queryWithResidual). */
const RESIDUAL_CHUNK = 1000;

export class TemporalService {
  private readonly maxInstances: number;
  private readonly maxAggregated: number | undefined;

  constructor(private readonly deps: BrokerDeps) {
    this.maxInstances = Math.max(1, deps.limits.temporalMaxInstances ?? DEFAULT_MAX_INSTANCES);
    this.maxAggregated = deps.limits.temporalMaxAggregatedInstances;
  }

  /** Clause 5.7.4 query temporal evolution of entities; `range` set: a partial answer (206). */
  async query(scope: RequestScope, filter: EntityFilter, temporal: TemporalQuery, page: Page & { local?: boolean }): Promise<TemporalAnswer> {
    this.deps.access.reach(scope);
    if (!page.local) assertSelective(filter);
    if (page.limit > this.deps.limits.maxLimit) {
      throw new NgsiError('TooManyResults', `limit ${page.limit} exceeds the maximum of ${this.deps.limits.maxLimit}`);
    }
    const narrowing = this.deps.access.narrow(scope, 'read');
    await assertTenantExists(this.deps, scope);
    const q = this.limited(temporal);
    const paging: Page = { limit: page.limit, offset: page.offset, count: page.count };
    let found: { entities: TemporalEntity[]; count?: number };
    if (narrowing === undefined) {
      found = await this.deps.store.queryTemporal(scope.tenant, filter, q, paging);
    } else {
      const restricted = restrictQuery(filter, narrowing)!; // narrow() threw on deny
      const masks = narrowing.attributes;
      found = restricted.residual === undefined
        ? await this.deps.store.queryTemporal(scope.tenant, restricted.filter, q, paging)
        : await this.queryWithResidual(scope, filter, restricted.filter, restricted.maskedReferences, masks, q, paging);
      if (!masks.unmasked) found = { ...found, entities: found.entities.map((te) => maskTemporal(te, masks.maskFor(te.id, te.type))) };
    }
    const { entities, range } = this.page(found.entities, q, scope.context);
    const out: TemporalAnswer = { entities };
    if (found.count !== undefined) out.count = found.count;
    if (range !== undefined) out.range = range;
    return out;
  }

  /**
   * The visible page when q, attrs or geoQ reference attributes that only some permitted
   * histories show (restrictQuery's residual): the store's answer is then a superset, so
   * the candidates are probed in chunks (one instance per attribute), each decided with its
   * own mask, and only then counted and paged; the page itself is read by id.
   *
   * restrictQuery's residual judges an entity, not a history: `attrs` selects histories
   * with instances of those attributes in the time range (the probe tells), and q / geoQ
   * are evaluated, as the store does, against the current entity. A history whose entity
   * no longer exists (the store evaluates its latest recorded instances, which the broker
   * cannot rebuild exactly) is left out when its mask hides an attribute q or geoQ read:
   * a false negative on a rare case, never a leak.
   */
  private async queryWithResidual(
    scope: RequestScope, asked: EntityFilter, filter: EntityFilter, mixed: Iri[], masks: AttributeMasks, q: TemporalQuery, page: Page,
  ): Promise<{ entities: TemporalEntity[]; count?: number }> {
    const { aggregation: _aggregation, instanceLimit: _limit, lastN: _lastN, ...window } = q;
    const probe: TemporalQuery = { ...window, lastN: 1 };
    const readsEntity = asked.q !== undefined || asked.geoQ !== undefined;
    const check = historyResidual(asked, masks, mixed);
    const matched: string[] = [];
    for (let offset = 0; ; offset += RESIDUAL_CHUNK) {
      const chunk = await this.deps.store.queryTemporal(scope.tenant, filter, probe, { limit: RESIDUAL_CHUNK, offset, count: false });
      const undecided = chunk.entities.filter((te) => !check.exact(te));
      const current = readsEntity && undecided.length > 0 ? await this.currentOf(scope, undecided.map((te) => te.id)) : new Map<string, Entity>();
      for (const te of chunk.entities) if (check.exact(te) || check.keep(te, current.get(te.id))) matched.push(te.id);
      if (chunk.entities.length < RESIDUAL_CHUNK) break;
      if (!page.count && matched.length >= page.offset + page.limit) break;
    }
    const ids = matched.slice(page.offset, page.offset + page.limit);
    const entities = ids.length === 0
      ? []
      : (await this.deps.store.queryTemporal(scope.tenant, { ...filter, ids }, q, { limit: ids.length, offset: 0, count: false })).entities;
    return page.count ? { entities, count: matched.length } : { entities };
  }

  private async currentOf(scope: RequestScope, ids: string[]): Promise<Map<string, Entity>> {
    const { entities } = await this.deps.store.queryEntities(scope.tenant, { ids }, { limit: ids.length, offset: 0, count: false });
    return new Map(entities.map((e) => [e.id, e]));
  }

  /** Clause 5.7.3 retrieve temporal evolution of an entity; `range` set: a partial answer (206). */
  async retrieve(scope: RequestScope, id: string, temporal: TemporalQuery, attrs?: Iri[]): Promise<{ entity: TemporalEntity; range?: InstanceRange }> {
    assertEntityId(id);
    this.deps.access.reach(scope);
    const q = this.limited(temporal);
    const found = await this.deps.store.getTemporal(scope.tenant, id, q, attrs);
    if (found === undefined) throw await entityNotFound(this.deps, scope, id);
    // Unreadable: the same ResourceNotFound as an absent entity (entityMissing).
    const te = maskTemporal(found, this.deps.access.entity(scope, 'read', { id, types: found.type }));
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
    return { ...temporal, instanceLimit: this.maxInstances, aggregationReadLimit: this.maxAggregated };
  }

  /** Clause 5.6.11: creates the history, or appends to it. True: created (201). */
  async createOrAppend(scope: RequestScope, doc: unknown): Promise<{ id: string; created: boolean }> {
    this.deps.access.reach(scope);
    const now = this.deps.now();
    const input = parseTemporalEntity(doc, scope.context, now);
    if (this.deps.access.enabled) {
      // The history's record decides; without one (never written, or deleted through this
      // API) the current entity's, so a history cannot be started under other types for an
      // entity the caller may not update. A POST cannot answer "absent" for a hidden
      // history that exists, so an unreadable one is refused like an unwritable one (403).
      const types = (await this.recordOf(scope, input.id)) ?? (await this.deps.store.getEntity(scope.tenant, input.id))?.type;
      this.checkWrite(scope, input.id, types, input, () => new NgsiError('Forbidden', 'You are not allowed to update here'));
    }
    const outcome = await this.deps.store.appendTemporal(scope.tenant, input, now, false);
    this.deps.access.recordWrite(scope, outcome === 'created' ? 'temporal:create' : 'temporal:update', input.id);
    return { id: input.id, created: outcome === 'created' };
  }

  /** Clause 5.6.12: add attribute instances to an existing history. */
  async appendAttrs(scope: RequestScope, id: string, doc: unknown): Promise<void> {
    assertEntityId(id);
    this.deps.access.reach(scope);
    const now = this.deps.now();
    const input = parseTemporalAttrs(doc, id, scope.context, now);
    await assertTenantExists(this.deps, scope);
    const missing = (): NgsiError => new NgsiError('ResourceNotFound', `Temporal entity ${id} not found`);
    if (this.deps.access.enabled) this.checkWrite(scope, id, await this.existing(scope, id, missing), input, missing);
    const outcome = await this.deps.store.appendTemporal(scope.tenant, input, now, true);
    if (outcome === 'missing') throw missing();
    this.deps.access.recordWrite(scope, 'temporal:update', id);
  }

  /** Clause 5.6.16: the whole history goes (the current entity stays). */
  async delete(scope: RequestScope, id: string): Promise<void> {
    assertEntityId(id);
    this.deps.access.reach(scope);
    await assertTenantExists(this.deps, scope);
    const missing = (): NgsiError => new NgsiError('ResourceNotFound', `Temporal entity ${id} not found`);
    if (this.deps.access.enabled) {
      const types = await this.existing(scope, id, missing);
      this.guarded(missing, () => this.deps.access.write(scope, shell(id, types, []), undefined));
    }
    if (!(await this.deps.store.deleteTemporal(scope.tenant, id))) throw missing();
    this.deps.access.recordWrite(scope, 'temporal:delete', id);
  }

  /** Clause 5.6.13: one attribute's history (one dataset, or all with deleteAll). */
  async deleteAttr(scope: RequestScope, id: string, attrTerm: string, which: { datasetId?: string; all: boolean }): Promise<void> {
    assertEntityId(id);
    this.deps.access.reach(scope);
    await assertTenantExists(this.deps, scope);
    const attr = scope.context.expandTerm(attrTerm);
    const missing = (): NgsiError => new NgsiError('ResourceNotFound', `Entity ${id} has no history of attribute ${attrTerm}`);
    await this.checkAttributeWrite(scope, id, attr, missing);
    if (!(await this.deps.store.deleteTemporalAttr(scope.tenant, id, attr, which))) throw missing();
    this.deps.access.recordWrite(scope, 'temporal:update', id);
  }

  /**
   * Clause 5.6.14: the instance takes the body's content (the attribute itself, or wrapped
   * in its name as {"<attrId>": {...}} like Stellio and Orion-LD accept it).
   */
  async patchInstance(scope: RequestScope, id: string, attrTerm: string, instanceId: string, doc: unknown): Promise<void> {
    assertEntityId(id);
    this.deps.access.reach(scope);
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
    const missing = (): NgsiError => new NgsiError('ResourceNotFound', `Instance ${instanceId} of ${attrTerm} of entity ${id} not found`);
    await this.checkAttributeWrite(scope, id, attr, missing);
    if (!(await this.deps.store.patchTemporalInstance(scope.tenant, id, attr, instanceId, patch, now))) throw missing();
    this.deps.access.recordWrite(scope, 'temporal:update', id);
  }

  /** Clause 5.6.15. */
  async deleteInstance(scope: RequestScope, id: string, attrTerm: string, instanceId: string): Promise<void> {
    assertEntityId(id);
    this.deps.access.reach(scope);
    await assertTenantExists(this.deps, scope);
    const attr = scope.context.expandTerm(attrTerm);
    const missing = (): NgsiError => new NgsiError('ResourceNotFound', `Instance ${instanceId} of ${attrTerm} of entity ${id} not found`);
    await this.checkAttributeWrite(scope, id, attr, missing);
    if (!(await this.deps.store.deleteTemporalInstance(scope.tenant, id, attr, instanceId))) throw missing();
    this.deps.access.recordWrite(scope, 'temporal:update', id);
  }

  /** The types of the history's record; undefined when there is no history. */
  private async recordOf(scope: RequestScope, id: string): Promise<Iri[] | undefined> {
    return (await this.deps.store.getTemporal(scope.tenant, id, RECORD_ONLY, []))?.type;
  }

  /** The history's types, or the operation's own "absent" answer. */
  private async existing(scope: RequestScope, id: string, missing: () => NgsiError): Promise<Iri[]> {
    const types = await this.recordOf(scope, id);
    if (types === undefined) throw missing();
    return types;
  }

  /** An `update` of the history that writes (or removes) one attribute. */
  private async checkAttributeWrite(scope: RequestScope, id: string, attr: Iri, missing: () => NgsiError): Promise<void> {
    if (!this.deps.access.enabled) return;
    const types = await this.existing(scope, id, missing);
    this.guarded(missing, () => this.deps.access.write(scope, shell(id, types, []), shell(id, types, [attr])));
  }

  /**
   * A temporal write as the entity write it amounts to (AccessGuard.write): `create` of a
   * new history's types, else `update` of the existing one plus `create` of the types it
   * gains; every attribute written must be writable.
   */
  private checkWrite(scope: RequestScope, id: string, types: Iri[] | undefined, input: TemporalEntityInput, hidden: () => NgsiError): void {
    const names = Object.keys(input.attrs);
    if (types === undefined) {
      this.deps.access.write(scope, undefined, shell(id, input.type ?? [], names));
      return;
    }
    const after = [...new Set([...types, ...(input.type ?? [])])];
    this.guarded(hidden, () => this.deps.access.write(scope, shell(id, types, []), shell(id, after, names)));
  }

  /**
   * Runs an access check; its "not found" (a history the caller may not read) becomes the
   * operation's own absent answer, word for word.
   */
  private guarded(missing: () => NgsiError, check: () => void): void {
    try {
      check();
    } catch (err) {
      if (err instanceof NgsiError && err.problem === 'ResourceNotFound') throw missing();
      throw err;
    }
  }
}

/** An entity as the policy sees a history write: id, types and the attribute names touched. */
function shell(id: string, types: readonly Iri[], attrs: readonly Iri[]): Entity {
  const out: Entity = { id, type: [...types], createdAt: '', modifiedAt: '', attrs: {} };
  for (const a of attrs) out.attrs[a] = [];
  return out;
}

/** The history with only the attributes the mask shows (the same object when nothing is hidden). */
export function maskTemporal(te: TemporalEntity, mask: AttributeMask): TemporalEntity {
  if (mask.all) return te;
  const out: TemporalEntity = { ...te, attrs: visibleMembers(te.attrs, mask) };
  // Absent, not empty: `truncated` present means "something was cut" (pageInstances).
  delete out.truncated;
  delete out.aggregated;
  const truncated = te.truncated === undefined ? {} : visibleMembers(te.truncated, mask);
  const aggregated = te.aggregated === undefined ? {} : visibleMembers(te.aggregated, mask);
  if (Object.keys(truncated).length > 0) out.truncated = truncated;
  if (Object.keys(aggregated).length > 0) out.aggregated = aggregated;
  return out;
}

function visibleMembers<T>(record: Record<Iri, T>, mask: AttributeMask): Record<Iri, T> {
  const out: Record<Iri, T> = {};
  for (const name of Object.keys(record)) if (mask.visible(name)) out[name] = record[name];
  return out;
}

/**
 * restrictQuery's residual for histories (see queryWithResidual). `exact`: the history's
 * mask shows every attribute behind the residual, so the store's filter was exact for it.
 * `keep` decides the others from the probe (instances in range) and the current entity.
 */
function historyResidual(asked: EntityFilter, masks: AttributeMasks, mixed: Iri[]): {
  exact: (te: TemporalEntity) => boolean;
  keep: (probe: TemporalEntity, current: Entity | undefined) => boolean;
} {
  const compiled = new Map<AttributeMask, (probe: TemporalEntity, current: Entity | undefined) => boolean>();
  const compileFor = (mask: AttributeMask): ((probe: TemporalEntity, current: Entity | undefined) => boolean) => {
    const visibleAttrs = asked.attrs?.filter(mask.visible);
    let onEntity: EntityPredicate | undefined;
    if (asked.q !== undefined || asked.geoQ !== undefined) {
      const geoHidden = asked.geoQ !== undefined && !mask.visible(asked.geoQ.geoproperty);
      onEntity = geoHidden
        ? () => false
        : compileFilter({ q: asked.q === undefined ? undefined : hideInQ(asked.q, mask.visible), geoQ: asked.geoQ });
    }
    return (probe, current) => {
      if (visibleAttrs !== undefined && !visibleAttrs.some((a) => probe.attrs[a] !== undefined)) return false;
      if (onEntity === undefined) return true;
      return current !== undefined && onEntity(maskEntity(current, mask));
    };
  };
  return {
    exact: (te) => mixed.every(masks.maskFor(te.id, te.type).visible),
    keep: (probe, current) => {
      const mask = masks.maskFor(probe.id, probe.type);
      let check = compiled.get(mask);
      if (check === undefined) {
        check = compileFor(mask);
        compiled.set(mask, check);
      }
      return check(probe, current);
    },
  };
}
