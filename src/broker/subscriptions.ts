/**
 * Subscription use cases (clause 5.8: create, update, retrieve, query, delete). The pure
 * rules (validation, patch, render) live in ngsi/subscription; notify/ is told about each
 * change through the SubscriptionWatcher so it matches and delivers from then on.
 *
 * Access (issue 4): creating needs `subscribe` in the tenant, and the creator is stored as
 * the subscription's owner; notify/ then sends only what the owner may read. A caller sees
 * and manages only its own subscriptions, unless it holds `admin` on the `subscriptions`
 * resource in the tenant; someone else's subscription answers exactly as an absent one.
 */
import { randomUUID } from 'node:crypto';
import { NgsiError } from '../ngsi/errors';
import { parseSubscription, patchSubscription } from '../ngsi/subscription';
import type { DeliveryStatus, Subscription, SubscriptionOwner } from '../ngsi/subscription/model';
import { isUri } from '../ngsi/uri';
import type { Page } from '../store/port';
import { assertTenantExists, type BrokerDeps } from './deps';
import type { RequestScope } from './scope';

export interface SubscriptionWatcher {
  /** Created or updated: (re)compile and deliver according to `sub` from now on. */
  changed(tenant: string, sub: Subscription): void;
  deleted(tenant: string, id: string): void;
  /** Counters more recent than the stored ones (the store is updated lazily). */
  liveStatus(tenant: string, id: string): DeliveryStatus | undefined;
}

function asObject(doc: unknown): Record<string, unknown> {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new NgsiError('BadRequestData', 'The payload must be a JSON object');
  }
  return doc as Record<string, unknown>;
}

function assertSubscriptionId(id: string): void {
  if (!isUri(id)) throw new NgsiError('BadRequestData', `Subscription id '${id}' is not a valid URI`);
}

/**
 * Whose subscriptions the caller may see and manage: undefined for every one (auth off, or
 * `admin` on resource 'subscriptions' in the tenant), otherwise the caller's subject.
 */
export function subscriptionOwnerFilter(deps: BrokerDeps, scope: RequestScope): string | undefined {
  const principal = scope.principal;
  if (principal === undefined || deps.access.allows(scope, 'admin', 'subscriptions')) return undefined;
  return principal.subject;
}

/** The principal as stored with a subscription: a plain JSON copy, nothing else of the scope. */
function ownerOf(scope: RequestScope): SubscriptionOwner | undefined {
  const p = scope.principal;
  if (p === undefined) return undefined;
  const owner: SubscriptionOwner = { subject: p.subject, roles: [...p.roles] };
  if (p.tenants !== undefined) owner.tenants = [...p.tenants];
  return owner;
}

export class SubscriptionService {
  constructor(
    private readonly deps: BrokerDeps,
    private readonly watcher: SubscriptionWatcher | undefined,
  ) {}

  /** Clause 5.8.1. Returns the new subscription's id. */
  async create(scope: RequestScope, doc: unknown): Promise<string> {
    this.deps.access.reach(scope);
    this.deps.access.tenant(scope, 'subscribe');
    const parsed = parseSubscription(asObject(doc), scope.context, this.deps.now(), () => `urn:ngsi-ld:Subscription:${randomUUID()}`);
    // A client-chosen id taken by someone else's subscription is a conflict as well: the id
    // cannot be given twice, whoever holds it (generated ids never collide).
    if (await this.deps.store.getSubscription(scope.tenant, parsed.id)) {
      throw new NgsiError('AlreadyExists', `Subscription ${parsed.id} already exists`);
    }
    const sub = await this.withLinkableContext(parsed);
    const owner = ownerOf(scope);
    if (owner !== undefined) sub.owner = owner;
    await this.deps.store.putSubscription(scope.tenant, sub);
    this.deps.access.recordWrite(scope, 'subscribe', sub.id);
    this.watcher?.changed(scope.tenant, sub);
    return sub.id;
  }

  /** Clause 5.8.3. */
  async retrieve(scope: RequestScope, id: string): Promise<Subscription> {
    this.deps.access.reach(scope);
    assertSubscriptionId(id);
    return this.withLiveStatus(scope.tenant, await this.visible(scope, id));
  }

  /** Clause 5.8.4: every subscription of the tenant the caller may see, paged. */
  async list(scope: RequestScope, page: Page): Promise<{ subscriptions: Subscription[]; count?: number }> {
    this.deps.access.reach(scope);
    if (page.limit > this.deps.limits.maxLimit) {
      throw new NgsiError('TooManyResults', `limit ${page.limit} exceeds the maximum of ${this.deps.limits.maxLimit}`);
    }
    await assertTenantExists(this.deps, scope);
    const owner = subscriptionOwnerFilter(this.deps, scope);
    const result = await this.deps.store.listSubscriptions(scope.tenant, owner === undefined ? page : { ...page, owner });
    return { ...result, subscriptions: result.subscriptions.map((s) => this.withLiveStatus(scope.tenant, s)) };
  }

  /** Clause 5.8.2: the fragment's members replace the subscription's. */
  async update(scope: RequestScope, id: string, doc: unknown): Promise<void> {
    this.deps.access.reach(scope);
    assertSubscriptionId(id);
    const fragment = asObject(doc);
    const current = await this.visible(scope, id);
    const next = await this.withLinkableContext(patchSubscription(this.withLiveStatus(scope.tenant, current), fragment, scope.context, this.deps.now()));
    await this.deps.store.putSubscription(scope.tenant, next);
    this.deps.access.recordWrite(scope, 'update', id);
    this.watcher?.changed(scope.tenant, next);
  }

  /** Clause 5.8.5. */
  async delete(scope: RequestScope, id: string): Promise<void> {
    this.deps.access.reach(scope);
    assertSubscriptionId(id);
    if (this.deps.access.enabled) await this.visible(scope, id);
    if (!(await this.deps.store.deleteSubscription(scope.tenant, id))) throw await this.notFound(scope, id);
    this.deps.access.recordWrite(scope, 'delete', id);
    this.watcher?.deleted(scope.tenant, id);
  }

  /** The subscription if it exists and the caller may see it; ResourceNotFound otherwise, alike. */
  private async visible(scope: RequestScope, id: string): Promise<Subscription> {
    const sub = await this.deps.store.getSubscription(scope.tenant, id);
    if (sub === undefined) throw await this.notFound(scope, id);
    // The admin check runs only for someone else's subscription (its denial is then worth
    // an audit record: a caller reached for a subscription that is not its own).
    if (scope.principal !== undefined && sub.owner?.subject !== scope.principal.subject) {
      const owner = subscriptionOwnerFilter(this.deps, scope);
      if (owner !== undefined) throw await this.notFound(scope, id);
    }
    return sub;
  }

  /**
   * Clause 5.3.1 / 6.3.5: an application/json notification names its @context in a Link
   * header, which holds one URL. A subscription made with an inline or composite @context
   * gets it hosted (ImplicitlyCreated) and linked through jsonldContext, as Orion-LD does;
   * otherwise its receivers would expand the compacted terms against the core context.
   */
  private async withLinkableContext(sub: Subscription): Promise<Subscription> {
    if (sub.notification.endpoint.accept !== 'application/json' || sub.jsonldContext !== undefined) return sub;
    if (typeof sub.context === 'string' || this.deps.hostContext === undefined) return sub;
    return { ...sub, jsonldContext: await this.deps.hostContext(sub.context) };
  }

  private withLiveStatus(tenant: string, sub: Subscription): Subscription {
    const live = this.watcher?.liveStatus(tenant, sub.id);
    return live === undefined ? sub : { ...sub, delivery: live };
  }

  private async notFound(scope: RequestScope, id: string): Promise<NgsiError> {
    await assertTenantExists(this.deps, scope);
    return new NgsiError('ResourceNotFound', `Subscription ${id} not found`);
  }
}
