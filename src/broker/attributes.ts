/**
 * Attribute use cases (clause 5.6.2 - 5.6.5, 5.6.19): append, update, partial update,
 * replace and delete of the attributes of one entity.
 */
import { NgsiError } from '../ngsi/errors';
import {
  appendAttributes,
  deleteAttribute,
  patchAttribute,
  replaceAttribute,
  updateAttributes,
  type AttrOutcome,
} from '../ngsi/merge';
import { parseAttribute, parseAttributeFragment, parseEntityFragment, type EntityFragment } from '../ngsi/parse';
import { isUri } from '../ngsi/uri';
import { assertEntityId, type BrokerDeps } from './deps';
import { withPathId, type EntityService } from './entities';
import type { RequestScope } from './scope';

function attributesOnly(fragment: EntityFragment): Record<string, NonNullable<EntityFragment['attrs'][string]>> {
  const attrs: Record<string, NonNullable<EntityFragment['attrs'][string]>> = {};
  for (const [name, instances] of Object.entries(fragment.attrs)) if (instances) attrs[name] = instances;
  return attrs;
}

function assertDatasetId(datasetId: string | undefined): void {
  if (datasetId !== undefined && !isUri(datasetId)) {
    throw new NgsiError('BadRequestData', `datasetId '${datasetId}' is not a valid URI`);
  }
}

export class AttributeService {
  constructor(
    private readonly deps: BrokerDeps,
    private readonly entities: EntityService,
  ) {}

  /** POST /entities/{id}/attrs. An empty outcome.notUpdated means 204, otherwise 207. */
  async append(scope: RequestScope, id: string, doc: unknown, noOverwrite: boolean): Promise<AttrOutcome> {
    assertEntityId(id);
    const now = this.deps.now();
    const fragment = parseEntityFragment(withPathId(doc, id), scope.context, now, { allowNull: false });
    return this.entities.modifyExisting(scope, id, (current) => {
      const { entity, updated, notUpdated } = appendAttributes(current, attributesOnly(fragment), { noOverwrite, now });
      return { entity, result: { updated, notUpdated } };
    });
  }

  /** PATCH /entities/{id}/attrs: only attributes that exist are updated. */
  async update(scope: RequestScope, id: string, doc: unknown): Promise<AttrOutcome> {
    assertEntityId(id);
    const now = this.deps.now();
    const fragment = parseEntityFragment(withPathId(doc, id), scope.context, now, { allowNull: false });
    return this.entities.modifyExisting(scope, id, (current) => {
      const { entity, updated, notUpdated } = updateAttributes(current, attributesOnly(fragment), now);
      return { entity, result: { updated, notUpdated } };
    });
  }

  /** PATCH /entities/{id}/attrs/{attrId}: partial update of one attribute instance. */
  async patch(scope: RequestScope, id: string, attrTerm: string, doc: unknown, datasetId?: string): Promise<void> {
    assertEntityId(id);
    assertDatasetId(datasetId);
    const now = this.deps.now();
    const name = scope.context.expandTerm(attrTerm);
    const fragment = parseAttributeFragment(doc, scope.context, now);
    await this.entities.modifyExisting(scope, id, (current) => patchAttribute(current, name, fragment, datasetId, now));
  }

  /** PUT /entities/{id}/attrs/{attrId}: the attribute must exist and is replaced whole. */
  async replace(scope: RequestScope, id: string, attrTerm: string, doc: unknown): Promise<void> {
    assertEntityId(id);
    const now = this.deps.now();
    const name = scope.context.expandTerm(attrTerm);
    const instances = parseAttribute(name, doc, scope.context, now);
    await this.entities.modifyExisting(scope, id, (current) => replaceAttribute(current, name, instances, now));
  }

  /** DELETE /entities/{id}/attrs/{attrId}: default instance, one datasetId, or all. */
  async delete(scope: RequestScope, id: string, attrTerm: string, opts: { datasetId?: string; deleteAll: boolean }): Promise<void> {
    assertEntityId(id);
    assertDatasetId(opts.datasetId);
    const now = this.deps.now();
    const name = scope.context.expandTerm(attrTerm);
    await this.entities.modifyExisting(scope, id, (current) =>
      deleteAttribute(current, name, { datasetId: opts.datasetId, deleteAll: opts.deleteAll, now }),
    );
  }
}
