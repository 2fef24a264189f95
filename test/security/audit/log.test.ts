import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { AuditEvent } from '../../../src/broker/access';
import type { AuditCriteria, AuditPage, AuditQueryResult } from '../../../src/broker/audit';
import { AUDIT_FILE, AuditLog, openAuditLog, type AuditLogOptions, type AuditStorage } from '../../../src/security/audit';

const DAY = 86_400_000;
const NOW = Date.parse('2024-06-01T12:00:00.000Z');
const ALL: AuditPage = { limit: 1000, offset: 0, count: false };

/** A logger whose lines the test reads back. */
function capture(): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({ write: (chunk, _enc, done) => { lines.push(JSON.parse(String(chunk)) as Record<string, unknown>); done(); } });
  return { log: pino({ level: 'info' }, stream), lines };
}

let n = 0;
function event(over: Partial<AuditEvent> = {}): AuditEvent {
  n++;
  return { at: new Date(NOW - 1000 + n).toISOString(), requestId: `r${n}`, subject: 'alice', tenant: '', action: 'update', target: `urn:ngsi-ld:T:${n}`, outcome: 'allowed', ...over };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Storage that fails while `failing` is set, delegating to a real in-memory log otherwise. */
class FlakyStorage implements AuditStorage {
  failing = true;
  readonly rows: AuditEvent[] = [];
  append(events: readonly AuditEvent[], from = 0, to = events.length): void {
    if (this.failing) throw new Error('disk I/O error');
    this.rows.push(...events.slice(from, to));
  }
  pruneStep(): number {
    return 0;
  }
  query(_c: AuditCriteria, _p: AuditPage): AuditQueryResult {
    if (this.failing) throw new Error('disk I/O error');
    return { events: [...this.rows].reverse() };
  }
  close(): void {}
}

describe('security/audit: AuditLog', () => {
  let dir: string;
  const open: AuditLog[] = [];
  function openLog(over: Partial<AuditLogOptions> = {}, log = capture().log): AuditLog {
    const a = openAuditLog({ dataDir: dir, memory: false, log, flushIntervalMs: 60_000, nowMs: () => NOW, ...over });
    open.push(a);
    return a;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'weft-audit-'));
  });
  afterEach(async () => {
    for (const a of open.splice(0)) await a.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('flushing', () => {
    it('writes nothing on record() itself, and a batch once flushSize events wait', async () => {
      const { log, lines } = capture();
      const a = openLog({ flushSize: 5 }, log);
      for (let i = 0; i < 4; i++) a.record(event());
      await tick();
      assert.equal(a.stats().written, 0);
      assert.equal(a.stats().pending, 4);
      a.record(event());
      assert.equal(a.stats().written, 0, 'record() itself never writes');
      await tick();
      assert.deepEqual({ written: a.stats().written, pending: a.stats().pending }, { written: 5, pending: 0 });
      assert.equal(lines.length, 5);
      assert.ok(existsSync(join(dir, AUDIT_FILE)));
    });

    it('writes what waits when the timer fires, below flushSize', async () => {
      const a = openLog({ flushIntervalMs: 20 });
      a.record(event());
      await sleep(80);
      assert.equal(a.stats().written, 1);
    });

    it('logs one info line per event on the audit stream, with every field', async () => {
      const { log, lines } = capture();
      const a = openLog({ flushSize: 2 }, log);
      a.record(event({ subject: 'bob', tenant: 'acme', action: 'delete', target: 'urn:x', outcome: 'denied', reason: 'no role' }));
      a.record(event({ action: 'create+update', count: 12 }));
      await tick();
      assert.equal(lines.length, 2);
      assert.deepEqual(
        { stream: lines[0].stream, msg: lines[0].msg, level: lines[0].level, subject: lines[0].subject, tenant: lines[0].tenant, action: lines[0].action, target: lines[0].target, outcome: lines[0].outcome, reason: lines[0].reason },
        { stream: 'audit', msg: 'audit', level: 30, subject: 'bob', tenant: 'acme', action: 'delete', target: 'urn:x', outcome: 'denied', reason: 'no role' },
      );
      assert.equal(lines[1].count, 12);
      assert.equal(typeof lines[1].requestId, 'string');
      assert.equal(typeof lines[1].at, 'string');
    });

    it('makes a just-recorded event visible to a query at once (pending events are written first)', async () => {
      const a = openLog();
      const e = event({ outcome: 'denied', reason: 'x' });
      a.record(e);
      const { events } = await a.query({}, ALL);
      assert.deepEqual(events, [e]);
    });
  });

  describe('query', () => {
    let a: AuditLog;
    const events: AuditEvent[] = [];
    beforeEach(() => {
      a = openLog();
      events.length = 0;
      const t = (s: number): string => new Date(NOW - 100_000 + s * 1000).toISOString();
      events.push(
        event({ at: t(1), subject: 'alice', tenant: '', action: 'create', target: 'urn:a', outcome: 'allowed' }),
        event({ at: t(2), subject: 'bob', tenant: 'acme', action: 'read', target: 'tenant', outcome: 'denied', reason: 'no role' }),
        event({ at: t(3), subject: undefined, tenant: 'acme', action: 'update', target: 'urn:a', outcome: 'allowed' }),
        event({ at: t(4), subject: 'alice', tenant: 'acme', action: 'delete', target: 'urn:b', outcome: 'denied', reason: 'hidden' }),
        event({ at: t(5), subject: 'alice', tenant: '', action: 'create+update', target: 'urn:c', outcome: 'allowed', count: 3 }),
      );
      for (const e of events) a.record(e);
    });
    const targets = (r: AuditQueryResult): string[] => r.events.map((e) => e.target);

    it('answers newest first, with every field as recorded (subject undefined with auth off)', async () => {
      const r = await a.query({}, ALL);
      assert.deepEqual(r.events, [...events].reverse());
      assert.equal(r.count, undefined);
      assert.equal(r.events[2].subject, undefined);
      assert.equal(r.events[0].count, 3);
    });

    it('filters by subject, tenant, action, outcome and target, all together', async () => {
      assert.deepEqual(targets(await a.query({ subject: 'alice' }, ALL)), ['urn:c', 'urn:b', 'urn:a']);
      assert.deepEqual(targets(await a.query({ tenant: 'acme' }, ALL)), ['urn:b', 'urn:a', 'tenant']);
      assert.deepEqual(targets(await a.query({ tenant: '' }, ALL)), ['urn:c', 'urn:a'], "'' is the default tenant");
      assert.deepEqual(targets(await a.query({ action: 'create+update' }, ALL)), ['urn:c']);
      assert.deepEqual(targets(await a.query({ outcome: 'denied' }, ALL)), ['urn:b', 'tenant']);
      assert.deepEqual(targets(await a.query({ target: 'urn:a' }, ALL)), ['urn:a', 'urn:a']);
      assert.deepEqual(targets(await a.query({ subject: 'alice', tenant: 'acme', outcome: 'denied' }, ALL)), ['urn:b']);
      assert.deepEqual(targets(await a.query({ subject: 'nobody' }, ALL)), []);
    });

    it('filters by time: since inclusive, until exclusive', async () => {
      const t = (s: number): number => NOW - 100_000 + s * 1000;
      const r = await a.query({ sinceMs: t(2), untilMs: t(4) }, ALL);
      assert.deepEqual(r.events.map((e) => e.requestId), [events[2].requestId, events[1].requestId]);
    });

    it('pages with limit and offset and counts every match', async () => {
      const r = await a.query({ tenant: 'acme' }, { limit: 2, offset: 1, count: true });
      assert.deepEqual(targets(r), ['urn:a', 'tenant']);
      assert.equal(r.count, 3);
      const onlyCount = await a.query({}, { limit: 0, offset: 0, count: true });
      assert.deepEqual(onlyCount, { events: [], count: 5 });
    });

    it('orders by instant, not by text: zones and precision differ', async () => {
      const b = openLog({ dataDir: join(dir, 'b') });
      b.record(event({ at: '2024-06-01T10:00:00.500Z', target: 'second' }));
      b.record(event({ at: '2024-06-01T12:00:00+02:00', target: 'first' }));
      b.record(event({ at: '2024-06-01T10:00:01Z', target: 'third' }));
      assert.deepEqual(targets(await b.query({}, ALL)), ['third', 'second', 'first']);
    });
  });

  describe('retention', () => {
    it('deletes events older than maxAgeMs on a pass, keeping younger ones', async () => {
      const a = openLog({ maxAgeMs: 30 * DAY });
      a.record(event({ at: new Date(NOW - 31 * DAY).toISOString(), target: 'old' }));
      a.record(event({ at: new Date(NOW - 29 * DAY).toISOString(), target: 'young' }));
      assert.equal((await a.query({}, ALL)).events.length, 2);
      assert.equal(await a.prune(), 1);
      assert.deepEqual((await a.query({}, ALL)).events.map((e) => e.target), ['young']);
      assert.equal(a.stats().pruned, 1);
    });

    it('deletes them when the log opens', async () => {
      const a = openAuditLog({ dataDir: dir, memory: false, log: capture().log, maxAgeMs: 0 });
      a.record(event({ at: new Date(NOW - 10 * DAY).toISOString(), target: 'old' }));
      a.record(event({ at: new Date(NOW - 1 * DAY).toISOString(), target: 'young' }));
      await a.close();
      const b = openLog({ maxAgeMs: 5 * DAY });
      assert.equal(b.stats().pruned, 1);
      assert.deepEqual((await b.query({}, ALL)).events.map((e) => e.target), ['young']);
    });

    it('keeps everything with maxAgeMs 0', async () => {
      const a = openLog({ maxAgeMs: 0 });
      a.record(event({ at: '1999-01-01T00:00:00Z' }));
      assert.equal(await a.prune(), 0);
      assert.equal((await a.query({}, ALL)).events.length, 1);
    });

    it('runs periodically', async () => {
      const a = openLog({ maxAgeMs: DAY, pruneIntervalMs: 20 });
      a.record(event({ at: new Date(NOW - 2 * DAY).toISOString() }));
      await a.query({}, ALL); // written
      await sleep(80);
      assert.equal(a.stats().pruned, 1);
    });
  });

  describe('lifecycle', () => {
    it('close() writes what is pending, and a reopened log has it', async () => {
      const a = openAuditLog({ dataDir: dir, memory: false, log: capture().log, flushIntervalMs: 60_000, nowMs: () => NOW });
      const e = event();
      a.record(e);
      assert.equal(a.stats().written, 0);
      await a.close();
      assert.equal(a.stats().written, 1);
      const b = openLog();
      assert.deepEqual((await b.query({}, ALL)).events, [e]);
    });

    it('drops (and counts) events recorded after close, without throwing', async () => {
      const a = openAuditLog({ dataDir: dir, memory: true, log: capture().log });
      await a.close();
      a.record(event());
      assert.equal(a.stats().dropped, 1);
      await a.close(); // twice is fine
      await assert.rejects(a.query({}, ALL), /closed/);
    });

    it('in memory mode writes no file', async () => {
      const a = openLog({ memory: true });
      a.record(event());
      assert.equal((await a.query({}, ALL)).events.length, 1);
      assert.ok(!existsSync(join(dir, AUDIT_FILE)));
    });
  });

  describe('when storage fails', () => {
    it('record() never throws; events wait in memory, are logged once, and are written when storage is back', async () => {
      const { log, lines } = capture();
      const storage = new FlakyStorage();
      const a = new AuditLog(storage, log, { flushSize: 2, maxPending: 4, flushIntervalMs: 60_000, retryDelayMs: 0 });
      open.push(a);
      const recorded: AuditEvent[] = [];
      for (let i = 0; i < 6; i++) {
        const e = event();
        recorded.push(e);
        assert.doesNotThrow(() => a.record(e));
      }
      // Six recorded into a buffer of four, before any flush ran: the two oldest are gone.
      assert.deepEqual({ pending: a.stats().pending, dropped: a.stats().dropped }, { pending: 4, dropped: 2 });
      await tick();
      const s = a.stats();
      assert.ok(s.failedFlushes >= 1);
      assert.equal(s.lastError, 'disk I/O error');
      assert.equal(s.pending, 4);
      const auditLines = lines.filter((l) => l.msg === 'audit');
      assert.deepEqual(auditLines.map((l) => l.requestId), recorded.slice(2).map((e) => e.requestId), 'each kept event logged once');
      assert.equal(lines.filter((l) => l.level === 50).length, 1, 'one error line for the failure');

      a.record(event()); // still fine, drops the oldest again
      assert.equal(a.stats().dropped, 3);

      storage.failing = false;
      const r = await a.query({}, ALL);
      assert.equal(r.events.length, 4);
      assert.deepEqual(storage.rows.map((e) => e.requestId), [...recorded.slice(3).map((e) => e.requestId), `r${n}`]);
      assert.equal(a.stats().lastError, undefined);
      assert.equal(lines.filter((l) => l.msg === 'audit').length, 5, 'no event logged twice after the retry');
    });

    it('counts what close() cannot write as dropped', async () => {
      const storage = new FlakyStorage();
      const a = new AuditLog(storage, capture().log, { flushIntervalMs: 60_000 });
      a.record(event());
      await a.close();
      assert.deepEqual({ dropped: a.stats().dropped, pending: a.stats().pending }, { dropped: 1, pending: 0 });
    });

    it('refuses settings that cannot work', () => {
      assert.throws(() => new AuditLog(new FlakyStorage(), capture().log, { flushSize: 10, maxPending: 5 }), /maxPending/);
    });
  });
});
