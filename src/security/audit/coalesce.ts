/**
 * Device telemetry in the audit log (issue 4 "every write", issue 5 "10,000 measures/s"):
 * a device writing its twin several times a second would otherwise add an audit row per
 * message (5-12% of the main thread at 3,400 messages/s, BENCHMARKS.md). Its allowed writes
 * are recorded once per device, tenant, action and target per window, with their number in
 * `count` and the first one's time and request id. Denials, and every write not made
 * through the device channel, pass through one by one, as they happen.
 */
import type { AuditEvent, AuditSink } from '../../broker/access';
import type { AuditCriteria, AuditPage, AuditQueryResult, AuditReader } from '../../broker/audit';

export class CoalescingAuditSink implements AuditSink, AuditReader {
  private pending = new Map<string, AuditEvent>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly inner: AuditSink & AuditReader,
    windowMs: number,
  ) {
    this.timer = setInterval(() => this.flush(), windowMs);
    this.timer.unref();
  }

  record(event: AuditEvent): void {
    if (event.outcome !== 'allowed' || event.channel !== 'device') {
      this.inner.record(event);
      return;
    }
    const key = `${event.tenant}\u0000${event.subject ?? ''}\u0000${event.action}\u0000${event.target}`;
    const seen = this.pending.get(key);
    if (seen === undefined) this.pending.set(key, { ...event, count: event.count ?? 1 });
    else seen.count = (seen.count ?? 1) + (event.count ?? 1);
  }

  /** What the window holds goes to the log now. */
  flush(): void {
    if (this.pending.size === 0) return;
    const events = this.pending;
    this.pending = new Map();
    for (const e of events.values()) this.inner.record(e);
  }

  /** Readers see every write recorded before their question, the open window included. */
  query(criteria: AuditCriteria, page: AuditPage): Promise<AuditQueryResult> {
    this.flush();
    return this.inner.query(criteria, page);
  }

  /** Flushes and stops the timer; the inner log is closed by its owner, after this. */
  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
