/**
 * The in-process change feed (ARCHITECTURE.md, "How data flows", step 2). The broker
 * publishes after each commit; consumers (notifications, ML, devices, ops) subscribe.
 * Each listener is isolated: one that throws is logged and never affects the others or
 * the request that caused the change.
 */
import type { Entity } from '../ngsi/entity';

export type ChangeKind = 'create' | 'update' | 'delete';

export interface EntityChange {
  tenant: string;
  kind: ChangeKind;
  id: string;
  /** State after the change (absent for delete). */
  entity: Entity | undefined;
  /** State before the change (absent for create). */
  previous: Entity | undefined;
  requestId: string;
  /** The change's entry in the tenant's outbox (store/port.ts OutboxEntry), when it has one. */
  outboxSeq: number | undefined;
}

export type ChangeListener = (changes: readonly EntityChange[]) => void;

export class ChangeFeed {
  private readonly listeners = new Set<ChangeListener>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => undefined) {}

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(changes: readonly EntityChange[]): void {
    if (changes.length === 0 || this.listeners.size === 0) return;
    for (const l of this.listeners) {
      try {
        l(changes);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}
