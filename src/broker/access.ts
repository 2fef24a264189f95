/**
 * Access control for every broker use case (issue 4): the pure policy evaluator
 * (security/policy) applied to a RequestScope, with denials turned into NGSI-LD errors and
 * audit records. broker/ calls it on every door (HTTP today, MQTT/LwM2M devices and models
 * later), so a path cannot forget it by being new: the HTTP middleware only names the caller.
 *
 * Hiding existence (issue 4: "never reveal whether a hidden entity exists"): when a caller
 * who may not even read an entity tries to read, change or delete it, the answer is the
 * ResourceNotFound an absent entity gets, word for word. A caller who can read it but not
 * change it gets 403. Denials that do not depend on the entity (wrong tenant, no role, an
 * action the caller lacks in the tenant) are 403 before the store is consulted, so they
 * cannot reveal a tenant or entity either.
 *
 * Built without a policy (--auth=false) it allows everything and records only writes.
 */
import type { Entity, Iri } from '../ngsi/entity';
import { NgsiError } from '../ngsi/errors';
import {
  ALL_ATTRIBUTES,
  canReachTenant,
  decide,
  maskEntity,
  narrow,
  type Action,
  type AttributeMask,
  type EntityRef,
  type Narrowing,
  type Policy,
  type PolicyPrincipal,
} from '../security/policy';
import type { RequestScope } from './scope';

/** One line of the audit log: every write and every denial (issue 4, "Devices and audit"). */
export interface AuditEvent {
  /** ISO 8601. */
  at: string;
  requestId: string;
  /** Token subject; undefined with auth off. */
  subject: string | undefined;
  tenant: string;
  /** The policy action (read, create, ...) or the write kind. */
  action: string;
  /** What was touched: an entity id, a subscription id, 'tenant', a resource name. */
  target: string;
  outcome: 'allowed' | 'denied';
  /** Why it was denied (for operators; may name policy rules, never sent to the client). */
  reason?: string;
  /** For writes that touch many entities at once, or a device's writes over a window: how many. */
  count?: number;
  /** 'device': made through the device channel (the log may record these per window). */
  channel?: 'device';
}

export interface AuditSink {
  record(event: AuditEvent): void;
}

export const NO_AUDIT: AuditSink = { record: () => undefined };

/** The message an absent entity gets (deps.ts entityNotFound): a hidden one gets the same. */
export const entityMissing = (id: string): NgsiError => new NgsiError('ResourceNotFound', `Entity ${id} not found`);

export class AccessGuard {
  constructor(
    private readonly policy: Policy | undefined,
    private readonly audit: AuditSink = NO_AUDIT,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  /** False with --auth=false: every check passes. */
  get enabled(): boolean {
    return this.policy !== undefined;
  }

  /**
   * A single-entity operation on `entity` (for create: the new entity; otherwise the stored
   * one). Returns what of it the caller may see (read) or write.
   */
  entity(scope: RequestScope, action: Action, entity: EntityRef): AttributeMask {
    if (this.policy === undefined) return ALL_ATTRIBUTES;
    const principal = this.principalOf(scope);
    const d = decide(this.policy, principal, { action, tenant: scope.tenant, entity });
    if (d.allowed) return d.attributes;
    this.deny(scope, action, entity.id, d.reason);
    if (action !== 'create' && d.code === 'entity' && !this.canRead(principal, scope.tenant, entity)) throw entityMissing(entity.id);
    throw forbidden(action);
  }

  /**
   * Whether the caller may do anything at all in the tenant: checked before the store is
   * consulted, so NonexistentTenant and entity existence are never revealed to outsiders.
   */
  reach(scope: RequestScope): void {
    if (this.policy === undefined) return;
    if (!canReachTenant(this.policy, this.principalOf(scope), scope.tenant)) {
      this.deny(scope, 'read', 'tenant', `no action is granted in tenant '${scope.tenant}'`);
      throw new NgsiError('Forbidden', 'You are not allowed to use this tenant');
    }
  }

  /** A read of one entity: the entity as the caller may see it (hidden attributes removed). */
  readable(scope: RequestScope, entity: Entity): Entity {
    return maskEntity(entity, this.entity(scope, 'read', refOf(entity)));
  }

  /**
   * An action in the tenant without a particular entity (subscribe, a query's action before
   * narrowing). Throws 403 when no permission grants it there.
   */
  tenant(scope: RequestScope, action: Action): void {
    if (this.policy === undefined) return;
    const d = decide(this.policy, this.principalOf(scope), { action, tenant: scope.tenant });
    if (!d.allowed) {
      this.deny(scope, action, 'tenant', d.reason);
      throw forbidden(action);
    }
  }

  /**
   * Whether an action on a non-entity resource is allowed, without recording a denial:
   * for choosing what to show (every subscription or only one's own), not for refusing.
   */
  allows(scope: RequestScope, action: Action, resource: string): boolean {
    return this.policy === undefined || decide(this.policy, this.principalOf(scope), { action, tenant: scope.tenant, resource }).allowed;
  }

  /** An action on a non-entity resource (the @context registry, the audit log, ...). */
  resource(scope: RequestScope, action: Action, resource: string): void {
    if (this.policy === undefined) return;
    const d = decide(this.policy, this.principalOf(scope), { action, tenant: scope.tenant, resource });
    if (!d.allowed) {
      this.deny(scope, action, resource, d.reason);
      throw forbidden(action, resource);
    }
  }

  /**
   * What a query for `action` may see: undefined when unrestricted (auth off). A denial is
   * thrown as 403 (the caller has no such right in the tenant at all).
   */
  narrow(scope: RequestScope, action: Action): Exclude<Narrowing, { kind: 'deny' }> | undefined {
    if (this.policy === undefined) return undefined;
    const n = narrow(this.policy, this.principalOf(scope), action, scope.tenant);
    if (n.kind === 'deny') {
      this.deny(scope, action, 'query', n.reason);
      throw forbidden(action);
    }
    return n;
  }

  /**
   * One entity write, as its before and after states (undefined: absent). Create needs
   * `create` of every type and may only set writable attributes; delete needs `delete`;
   * an update needs `update` of the stored entity, `create` of any type it gains, and every
   * attribute it adds, changes or removes must be writable.
   */
  write(scope: RequestScope, before: Entity | undefined, after: Entity | undefined): void {
    if (this.policy === undefined) return;
    if (before === undefined && after === undefined) return;
    // Through the device channel one action, `device`, stands for every kind of write.
    const as = (action: Action): Action => (scope.channel === 'device' ? 'device' : action);
    if (after === undefined) {
      this.entity(scope, as('delete'), refOf(before!));
      return;
    }
    if (before === undefined) {
      const mask = this.entity(scope, as('create'), refOf(after));
      this.attributesWritable(scope, as('create'), after.id, mask, () => Object.keys(after.attrs));
      return;
    }
    const mask = this.entity(scope, as('update'), refOf(before));
    const gained = after.type.filter((t) => !before.type.includes(t));
    if (gained.length > 0) this.entity(scope, as('create'), { id: after.id, types: gained });
    // Which attributes changed is only worked out when some are not writable, and only
    // among those (it compares values).
    this.attributesWritable(scope, as('update'), after.id, mask, () => changedAttributes(before, after, (n) => !mask.visible(n)));
  }

  /**
   * Whether `principal` (e.g. a subscription's owner, stored with it) may read `entity` in
   * `tenant`, and what of it: undefined when not at all. For work done on someone's behalf
   * after their request (notifications): nothing is thrown or audited per entity.
   */
  visibleTo(principal: PolicyPrincipal | undefined, tenant: string, entity: Entity): Entity | undefined {
    if (this.policy === undefined) return entity;
    if (principal === undefined) return undefined;
    const d = decide(this.policy, principal, { action: 'read', tenant, entity: refOf(entity) });
    return d.allowed ? maskEntity(entity, d.attributes) : undefined;
  }

  /** Records a write that happened (commit() calls it once per transaction). */
  recordWrite(scope: RequestScope, action: string, target: string, count?: number): void {
    const event: AuditEvent = { at: this.now(), requestId: scope.requestId, subject: scope.principal?.subject, tenant: scope.tenant, action, target, outcome: 'allowed' };
    if (count !== undefined) event.count = count;
    if (scope.channel !== undefined) event.channel = scope.channel;
    this.audit.record(event);
  }

  private attributesWritable(scope: RequestScope, action: Action, id: string, mask: AttributeMask, names: () => Iri[]): void {
    if (mask.all) return;
    const hidden = names().filter((n) => !mask.visible(n));
    if (hidden.length === 0) return;
    this.deny(scope, action, id, `attributes [${hidden.join(', ')}] are not writable`);
    throw new NgsiError('Forbidden', `You may not ${action} attribute${hidden.length > 1 ? 's' : ''} ${hidden.join(', ')} of this entity`);
  }

  private canRead(principal: PolicyPrincipal, tenant: string, entity: EntityRef): boolean {
    return decide(this.policy!, principal, { action: 'read', tenant, entity }).allowed;
  }

  private principalOf(scope: RequestScope): PolicyPrincipal {
    // The HTTP middleware answers 401 before this; reaching here unauthenticated is a bug
    // in a door (device gateway, ...), and it must fail closed.
    if (scope.principal === undefined) throw new NgsiError('Unauthorized', 'No verified identity');
    return scope.principal;
  }

  private deny(scope: RequestScope, action: Action, target: string, reason: string): void {
    this.audit.record({
      at: this.now(),
      requestId: scope.requestId,
      subject: scope.principal?.subject,
      tenant: scope.tenant,
      action,
      target,
      outcome: 'denied',
      reason,
    });
  }
}

/** What the client is told: the action, never the rule (that goes to the audit log). */
function forbidden(action: Action, resource?: string): NgsiError {
  const on = resource === undefined ? 'here' : `on ${resource}`;
  return new NgsiError('Forbidden', `You are not allowed to ${action} ${on}`);
}

/** The policy's view of an entity: its id and expanded types. */
export const refOf = (e: Entity): EntityRef => ({ id: e.id, types: e.type });

/** Attributes added, removed or changed between two states of an entity. */
export function changedAttributes(before: Entity, after: Entity, among: (name: Iri) => boolean = () => true): Iri[] {
  const out: Iri[] = [];
  for (const [name, instances] of Object.entries(after.attrs)) {
    if (!among(name)) continue;
    const old = before.attrs[name];
    if (old === undefined || (old !== instances && JSON.stringify(old) !== JSON.stringify(instances))) out.push(name);
  }
  for (const name of Object.keys(before.attrs)) if (after.attrs[name] === undefined && among(name)) out.push(name);
  return out;
}
