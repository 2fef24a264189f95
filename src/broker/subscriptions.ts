/**
 * Subscription use cases (clause 5.8: create, update, retrieve, query, delete). The pure
 * rules (validation, patch, render) live in ngsi/subscription; notify/ is told about each
 * change through the SubscriptionWatcher so it matches and delivers from then on.
 */
import { randomUUID } from 'node:crypto';
import { NgsiError } from '../ngsi/errors';
import { parseSubscription, patchSubscription } from '../ngsi/subscription';
import type { DeliveryStatus, Subscription } from '../ngsi/subscription/model';
import { isUri } from '../ngsi/uri';
import type { Page } from '../store/port';
import { assertTenantExists, type BrokerDeps } from './deps';
import type { RequestScope } from './scope';

/**
 * What the broker tells the notification side (implemented by notify/, wired in
 * server.ts; absent when nothing delivers, e.g. in unit tests of the broker).
 */
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

export class SubscriptionService {
  constructor(
    private readonly deps: BrokerDeps,
    private readonly watcher: SubscriptionWatcher | undefined,
  ) {}

  /** Clause 5.8.1. Returns the new subscription's id. */
  async create(scope: RequestScope, doc: unknown): Promise<string> {
    const parsed = parseSubscription(asObject(doc), scope.context, this.deps.now(), () => `urn:ngsi-ld:Subscription:${randomUUID()}`);
    if (await this.deps.store.getSubscription(scope.tenant, parsed.id)) {
      throw new NgsiError('AlreadyExists', `Subscription ${parsed.id} already exists`);
    }
    const sub = await this.withLinkableContext(parsed);
    await this.deps.store.putSubscription(scope.tenant, sub);
    this.watcher?.changed(scope.tenant, sub);
    return sub.id;
  }

  /** Clause 5.8.3. */
  async retrieve(scope: RequestScope, id: string): Promise<Subscription> {
    assertSubscriptionId(id);
    const sub = await this.deps.store.getSubscription(scope.tenant, id);
    if (!sub) throw await this.notFound(scope, id);
    return this.withLiveStatus(scope.tenant, sub);
  }

  /** Clause 5.8.4: every subscription of the tenant, paged. */
  async list(scope: RequestScope, page: Page): Promise<{ subscriptions: Subscription[]; count?: number }> {
    if (page.limit > this.deps.limits.maxLimit) {
      throw new NgsiError('TooManyResults', `limit ${page.limit} exceeds the maximum of ${this.deps.limits.maxLimit}`);
    }
    await assertTenantExists(this.deps, scope);
    const result = await this.deps.store.listSubscriptions(scope.tenant, page);
    return { ...result, subscriptions: result.subscriptions.map((s) => this.withLiveStatus(scope.tenant, s)) };
  }

  /** Clause 5.8.2: the fragment's members replace the subscription's. */
  async update(scope: RequestScope, id: string, doc: unknown): Promise<void> {
    assertSubscriptionId(id);
    const fragment = asObject(doc);
    const current = await this.deps.store.getSubscription(scope.tenant, id);
    if (!current) throw await this.notFound(scope, id);
    const next = await this.withLinkableContext(patchSubscription(this.withLiveStatus(scope.tenant, current), fragment, scope.context, this.deps.now()));
    await this.deps.store.putSubscription(scope.tenant, next);
    this.watcher?.changed(scope.tenant, next);
  }

  /** Clause 5.8.5. */
  async delete(scope: RequestScope, id: string): Promise<void> {
    assertSubscriptionId(id);
    if (!(await this.deps.store.deleteSubscription(scope.tenant, id))) throw await this.notFound(scope, id);
    this.watcher?.deleted(scope.tenant, id);
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
