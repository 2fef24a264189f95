/**
 * Batch entity operations (clause 5.6.7 - 5.6.10, 5.6.20): create, upsert, update, delete,
 * merge. Never all-or-nothing: every valid item is committed in one transaction, and each
 * failed item is reported with its reason (BatchOperationResult, clause 5.2.16).
 * Items are applied in order, so two items with the same id see each other's effect.
 */
import type { Entity } from '../ngsi/entity';
import { NgsiError, toProblem, type ProblemDetails } from '../ngsi/errors';
import type { CompiledContext } from '../ngsi/jsonld/context';
import { appendAttributes, mergeEntity, upsertEntity } from '../ngsi/merge';
import { parseEntity, parseEntityFragment, type EntityFragment } from '../ngsi/parse';
import type { EntityWrite } from '../store/port';
import { assertEntityId, assertTenantExists, commit, type BrokerDeps } from './deps';
import type { RequestScope } from './scope';

/** One array element, with the @context it is to be read in (ld+json items carry their own). */
export type BatchItem = { doc: unknown; context: CompiledContext } | { entityId: string; failed: NgsiError };

export interface BatchError {
  entityId: string;
  error: ProblemDetails;
}

export interface BatchResult {
  /** Ids of the entities the operation succeeded for, in request order. */
  success: string[];
  errors: BatchError[];
  /** Upsert only: the ids that did not exist before (201 vs 204). */
  created: string[];
}

type Step = (current: Entity | undefined, now: string) => Entity | null;

interface Prepared {
  id: string;
  step: Step;
}

function idOf(doc: unknown): string {
  const id = typeof doc === 'object' && doc !== null ? (doc as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : '';
}

export class BatchService {
  constructor(private readonly deps: BrokerDeps) {}

  create(scope: RequestScope, items: BatchItem[]): Promise<BatchResult> {
    return this.run(scope, items, true, (item, now) => {
      const entity = parseEntity(item.doc, item.context, now);
      return (current) => {
        if (current) throw new NgsiError('AlreadyExists', `Entity ${entity.id} already exists`);
        return entity;
      };
    });
  }

  upsert(scope: RequestScope, items: BatchItem[], mode: 'update' | 'replace'): Promise<BatchResult> {
    return this.run(scope, items, true, (item, now) => {
      const entity = parseEntity(item.doc, item.context, now);
      return (current) => upsertEntity(current, entity, mode, now);
    });
  }

  /** Batch update = append attributes to existing entities (clause 5.6.9). */
  update(scope: RequestScope, items: BatchItem[], noOverwrite: boolean): Promise<BatchResult> {
    return this.run(scope, items, false, (item, now) => {
      const fragment = requireId(parseEntityFragment(item.doc, item.context, now, { allowNull: false }));
      return (current) => {
        if (!current) throw new NgsiError('ResourceNotFound', `Entity ${fragment.id} not found`);
        const attrs = Object.fromEntries(Object.entries(fragment.attrs).filter(([, v]) => v !== null)) as Record<string, NonNullable<EntityFragment['attrs'][string]>>;
        // With noOverwrite, attributes that exist are kept; the entity still succeeds (clause 5.6.9).
        return appendAttributes(current, attrs, { noOverwrite, now }).entity;
      };
    });
  }

  merge(scope: RequestScope, items: BatchItem[]): Promise<BatchResult> {
    return this.run(scope, items, false, (item, now) => {
      const fragment = requireId(parseEntityFragment(item.doc, item.context, now, { allowNull: true }));
      return (current) => {
        if (!current) throw new NgsiError('ResourceNotFound', `Entity ${fragment.id} not found`);
        return mergeEntity(current, fragment, now);
      };
    });
  }

  /** Body: an array of entity ids. */
  delete(scope: RequestScope, ids: unknown[]): Promise<BatchResult> {
    const items: BatchItem[] = ids.map((id) =>
      typeof id === 'string'
        ? { doc: { id }, context: scope.context }
        : { entityId: String(id), failed: new NgsiError('BadRequestData', 'Each element must be an entity id (string)') },
    );
    return this.run(scope, items, false, (item) => {
      const id = (item.doc as { id: string }).id;
      assertEntityId(id);
      return (current) => {
        if (!current) throw new NgsiError('ResourceNotFound', `Entity ${id} not found`);
        return null;
      };
    });
  }

  private async run(
    scope: RequestScope,
    items: BatchItem[],
    mayCreateTenant: boolean,
    prepare: (item: { doc: unknown; context: CompiledContext }, now: string) => Step,
  ): Promise<BatchResult> {
    if (items.length === 0) throw new NgsiError('BadRequestData', 'The batch is empty');
    if (items.length > this.deps.limits.maxBatchEntities) {
      throw new NgsiError('BadRequestData', `A batch may hold at most ${this.deps.limits.maxBatchEntities} entities`);
    }
    this.deps.access.reach(scope);
    if (!mayCreateTenant) await assertTenantExists(this.deps, scope);
    const now = this.deps.now();
    // Slot i holds item i's outcome so the result keeps request order.
    const outcome: Array<{ id: string; error?: ProblemDetails; created?: boolean }> = [];
    const prepared: Array<Prepared | undefined> = items.map((item, i) => {
      if ('failed' in item) {
        outcome[i] = { id: item.entityId, error: item.failed.toProblemDetails() };
        return undefined;
      }
      try {
        const step = prepare(item, now);
        const id = idOf(item.doc);
        outcome[i] = { id };
        return { id, step };
      } catch (err) {
        outcome[i] = { id: idOf(item.doc), error: toProblem(err) };
        return undefined;
      }
    });
    const ids = [...new Set(prepared.flatMap((p) => (p ? [p.id] : [])))];
    if (ids.length > 0) {
      await commit(this.deps, scope, ids, (current) => {
        const working = new Map(current);
        const firstSeen = new Map<string, Entity | undefined>();
        prepared.forEach((p, i) => {
          if (!p) return;
          const before = working.get(p.id);
          try {
            const after = p.step(before, now);
            // Per item, so a denied item is reported in the 207 and the others still commit.
            this.deps.access.write(scope, before, after ?? undefined);
            if (!firstSeen.has(p.id)) firstSeen.set(p.id, current.get(p.id));
            if (after) working.set(p.id, after);
            else working.delete(p.id);
            outcome[i].created = before === undefined;
          } catch (err) {
            outcome[i].error = toProblem(err);
          }
        });
        const writes: EntityWrite[] = [];
        for (const [id, previous] of firstSeen) {
          const next = working.get(id);
          if (next) writes.push({ op: 'put', entity: next, previous });
          else if (previous) writes.push({ op: 'delete', id, previous });
        }
        return { writes, result: undefined };
      });
    }
    const result: BatchResult = { success: [], errors: [], created: [] };
    for (const o of outcome) {
      if (o.error) result.errors.push({ entityId: o.id, error: o.error });
      else {
        result.success.push(o.id);
        if (o.created) result.created.push(o.id);
      }
    }
    return result;
  }
}

function requireId(fragment: EntityFragment): EntityFragment & { id: string } {
  if (!fragment.id) throw new NgsiError('BadRequestData', 'Each entity in the batch needs an id');
  return fragment as EntityFragment & { id: string };
}
