/** security/audit/coalesce.ts: device telemetry recorded per device per window, all else as it comes. */
import { strict as assert } from 'node:assert';
import type { AuditEvent } from '../../../src/broker/access';
import type { AuditCriteria, AuditPage, AuditQueryResult } from '../../../src/broker/audit';
import { CoalescingAuditSink } from '../../../src/security/audit/coalesce';

function inner() {
  const events: AuditEvent[] = [];
  return {
    events,
    record: (e: AuditEvent) => void events.push(e),
    query: async (_c: AuditCriteria, _p: AuditPage): Promise<AuditQueryResult> => ({ events: [...events] }),
  };
}

const ev = (over: Partial<AuditEvent>): AuditEvent => ({
  at: '2026-11-26T00:00:00.000Z',
  requestId: 'r',
  subject: 'urn:ngsi-ld:Thermometer:th1',
  tenant: '',
  action: 'update',
  target: 'urn:ngsi-ld:Thermometer:th1',
  outcome: 'allowed',
  ...over,
});

describe('security/audit CoalescingAuditSink', () => {
  it("counts a device's allowed writes per window, keeping the first one's time", () => {
    const log = inner();
    const sink = new CoalescingAuditSink(log, 60_000);
    sink.record(ev({ channel: 'device', at: '2026-11-26T00:00:01.000Z', requestId: 'r1' }));
    sink.record(ev({ channel: 'device', at: '2026-11-26T00:00:02.000Z', requestId: 'r2' }));
    sink.record(ev({ channel: 'device', subject: 'urn:ngsi-ld:Thermometer:th2', target: 'urn:ngsi-ld:Thermometer:th2' }));
    assert.equal(log.events.length, 0);
    sink.flush();
    assert.deepEqual(
      log.events.map((e) => [e.subject, e.count, e.at, e.requestId]),
      [
        ['urn:ngsi-ld:Thermometer:th1', 2, '2026-11-26T00:00:01.000Z', 'r1'],
        ['urn:ngsi-ld:Thermometer:th2', 1, '2026-11-26T00:00:00.000Z', 'r'],
      ],
    );
    sink.close();
  });

  it('passes denials and writes of other doors through at once', () => {
    const log = inner();
    const sink = new CoalescingAuditSink(log, 60_000);
    sink.record(ev({ channel: 'device', outcome: 'denied', reason: 'not its twin' }));
    sink.record(ev({ subject: 'alice' }));
    assert.equal(log.events.length, 2);
    sink.close();
  });

  it('lets a reader see the open window, and flushes it on close', async () => {
    const log = inner();
    const sink = new CoalescingAuditSink(log, 60_000);
    sink.record(ev({ channel: 'device' }));
    assert.equal((await sink.query({}, { limit: 10, offset: 0, count: false })).events.length, 1);
    sink.record(ev({ channel: 'device' }));
    sink.close();
    assert.equal(log.events.length, 2);
  });
});
