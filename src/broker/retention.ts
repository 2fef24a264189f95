/**
 * Temporal retention: the background job that keeps each tenant's history within its
 * maximum age (ngsi/temporal/retention parses the policy). Every pass walks the existing
 * tenants and prunes each one that has a maximum age; the store deletes in short chunks, so
 * a pass never blocks writes for long. A failing tenant is reported and skipped, never
 * stopping the others or the timer.
 */
import type { RetentionPolicy } from '../ngsi/temporal/retention';
import type { EntityStore } from '../store/port';

export interface RetentionOptions {
  /** Epoch ms now; injectable for tests. */
  nowMs?: () => number;
  /** A tenant's prune failed (the pass goes on with the next tenant). */
  onError?: (err: unknown, tenant: string) => void;
}

export class TemporalRetention {
  private readonly nowMs: () => number;
  private readonly onError: (err: unknown, tenant: string) => void;
  private timer: NodeJS.Timeout | undefined = undefined;
  private running: Promise<Array<{ tenant: string; deleted: number }>> | undefined = undefined;
  private stopped = false;

  constructor(
    private readonly store: Pick<EntityStore, 'listTenants' | 'pruneTemporal'>,
    private readonly policy: RetentionPolicy,
    opts: RetentionOptions = {},
  ) {
    this.nowMs = opts.nowMs ?? Date.now;
    this.onError = opts.onError ?? (() => undefined);
  }

  /**
   * A first pass right away, then one every intervalMs. The timer does not keep the process
   * alive; a pass still running when the next is due is not doubled.
   */
  start(intervalMs: number): void {
    if (this.timer !== undefined) return;
    if (!(intervalMs > 0)) throw new Error(`retention interval must be positive, not ${intervalMs}`);
    this.stopped = false;
    const tick = (): void => {
      if (this.running === undefined) void this.runOnce();
    };
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
    tick();
  }

  /**
   * No further passes. A pass in progress finishes the tenant it is pruning (the store ends
   * early once closed) and skips the rest, so stop() before closing the store is enough.
   */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass now (or the one in progress): what was deleted per pruned tenant. */
  runOnce(): Promise<Array<{ tenant: string; deleted: number }>> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<Array<{ tenant: string; deleted: number }>> {
    const out: Array<{ tenant: string; deleted: number }> = [];
    let tenants: string[];
    try {
      tenants = await this.store.listTenants();
    } catch (err) {
      this.onError(err, '');
      return out;
    }
    for (const tenant of tenants) {
      if (this.stopped) break;
      const maxAge = this.policy(tenant);
      if (maxAge === undefined) continue;
      const before = new Date(this.nowMs() - maxAge).toISOString();
      try {
        out.push({ tenant, deleted: await this.store.pruneTemporal(tenant, before) });
      } catch (err) {
        if (!this.stopped) this.onError(err, tenant);
      }
    }
    return out;
  }
}
