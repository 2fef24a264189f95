import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { AuditEvent } from '../../../src/broker/access';
import type { AuditCriteria, AuditPage, AuditQueryResult } from '../../../src/broker/audit';
import { AUDIT_FILE, AuditLog, openAuditLog, openAuditStorage, WorkerAuditStorage, type AuditLogOptions, type AuditStorage } from '../../../src/security/audit';

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
/** Writes of a file happen on a thread: waits (up to 5 s) until `done()` holds. */
async function until(done: () => boolean, what = 'condition'): Promise<void> {
  const stop = Date.now() + 5000;
  while (!done()) {
    if (Date.now() > stop) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Storage that fails while `failing` is set, delegating to a real in-memory log otherwise. */
class FlakyStorage implements AuditStorage {
  failing = true;
  readonly rows: AuditEvent[] = [];
  async append(events: readonly AuditEvent[]): Promise<void> {
    if (this.failing) throw new Error('disk I/O error');
    this.rows.push(...events);
  }
  async pruneStep(): Promise<number> {
    return 0;
  }
  query(_c: AuditCriteria, _p: AuditPage): AuditQueryResult {
    if (this.failing) throw new Error('disk I/O error');
    return { events: [...this.rows].reverse() };
  }
  async close(): Promise<void> {}
}

/** Storage whose writes wait until the test lets them through (one at a time). */
class GatedStorage extends FlakyStorage {
  private readonly gates: Array<{ pass: () => void; fail: (err: Error) => void }> = [];
  /** Lets every write through (before close(), which would wait for the gate). */
  private opened = false;
  override failing = false;
  open(): void {
    this.opened = true;
    while (this.gates.length > 0) this.pass();
  }
  get waiting(): number {
    return this.gates.length;
  }
  override append(events: readonly AuditEvent[]): Promise<void> {
    if (this.opened) return super.append(events);
    return new Promise<void>((resolve, reject) => {
      this.gates.push({ pass: () => { this.rows.push(...events); resolve(); }, fail: reject });
    });
  }
  pass(): void {
    this.gates.shift()!.pass();
  }
  fail(): void {
    this.gates.shift()!.fail(new Error('disk I/O error'));
  }
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
      await sleep(50);
      assert.equal(a.stats().written, 0);
      assert.equal(a.stats().pending, 4);
      a.record(event());
      assert.equal(a.stats().written, 0, 'record() itself never writes');
      await until(() => a.stats().written === 5, 'the batch');
      assert.deepEqual({ written: a.stats().written, pending: a.stats().pending }, { written: 5, pending: 0 });
      assert.equal(lines.length, 5);
      assert.ok(existsSync(join(dir, AUDIT_FILE)));
    });

    it('writes what waits when the timer fires, below flushSize', async () => {
      const a = openLog({ flushIntervalMs: 20 });
      a.record(event());
      await sleep(30);
      await until(() => a.stats().written === 1, 'the timer flush');
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
      await until(() => b.stats().pruned === 1, 'the retention pass at open');
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
      await until(() => a.stats().pruned === 1, 'a periodic pass');
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

  describe('on the writer thread (a file)', () => {
    function openWorkerLog(over: Partial<AuditLogOptions> = {}, log = capture().log, sub = 'w'): { a: AuditLog; storage: WorkerAuditStorage } {
      const storage = openAuditStorage({ dataDir: join(dir, sub), memory: false });
      assert.ok(storage instanceof WorkerAuditStorage);
      const a = new AuditLog(storage, log, { flushIntervalMs: 60_000, nowMs: () => NOW, ...over });
      open.push(a);
      return { a, storage };
    }

    it('writes off the main thread: record() and the flush start return before the batch is stored', async () => {
      const { a, storage } = openWorkerLog({ flushSize: 2 });
      a.record(event());
      a.record(event());
      await tick(); // the flush started: the batch was posted to the thread
      assert.equal(a.stats().written, 0, 'not acknowledged within the tick');
      assert.equal(a.stats().pending, 2, 'events leave the buffer only once acknowledged');
      assert.ok(storage.writerRunning);
      await until(() => a.stats().written === 2, 'the acknowledgement');
      assert.equal(a.stats().pending, 0);
    });

    it('a query right after record() sees the event, also while an earlier batch is in flight', async () => {
      const { a } = openWorkerLog({ flushSize: 3 });
      const first = [event(), event(), event()];
      for (const e of first) a.record(e);
      await tick(); // the first batch is in flight
      const last = event({ outcome: 'denied', reason: 'no role' });
      a.record(last);
      const r = await a.query({}, ALL);
      assert.deepEqual(r.events.map((e) => e.requestId), [last, ...[...first].reverse()].map((e) => e.requestId));
      assert.deepEqual(a.stats(), { recorded: 4, written: 4, dropped: 0, pending: 0, failedFlushes: 0, pruned: 0, lastError: undefined });
    });

    it('keeps the events when the thread dies with a batch in flight, and a new thread stores them once', async () => {
      const { log, lines } = capture();
      const { a, storage } = openWorkerLog({ flushSize: 2, retryDelayMs: 60_000, nowMs: () => Date.now() }, log);
      const all = [event()];
      a.record(all[0]);
      await a.query({}, ALL); // the thread runs
      // The thread may answer before it dies, or commit and die before answering: tried until
      // a kill lands with the batch in flight.
      let failures = 0;
      for (let round = 0; round < 20 && failures === 0; round++) {
        const batch = [event(), event()];
        all.push(...batch);
        for (const e of batch) a.record(e);
        await tick(); // posted
        await storage.killWriterForTest();
        await until(() => a.stats().pending === 0 || a.stats().failedFlushes > 0, 'the batch to settle');
        if (a.stats().failedFlushes > 0) {
          failures++;
          assert.match(a.stats().lastError ?? '', /stopped/);
          assert.equal(a.stats().pending, 2, 'kept');
          assert.equal(storage.writerRunning, false);
        }
        await a.query({}, ALL); // a query does not wait for the retry delay: a new thread
        assert.deepEqual({ pending: a.stats().pending, lastError: a.stats().lastError }, { pending: 0, lastError: undefined });
      }
      assert.ok(failures > 0, 'a kill landed with a batch in flight');
      assert.ok(storage.writerRunning);
      const stored = (await a.query({}, ALL)).events.map((e) => e.requestId);
      assert.deepEqual(stored, [...all].reverse().map((e) => e.requestId), 'every event stored once');
      assert.equal(a.stats().written, all.length);
      assert.equal(lines.filter((l) => l.msg === 'audit').length, all.length, 'each event logged once');
    });

    it('skips, in a retried batch, what the thread had committed under the same numbers', async () => {
      const storage = openAuditStorage({ dataDir: join(dir, 'seq'), memory: false });
      try {
        const [e0, e1, e2] = [event(), event(), event()];
        await storage.append([e0, e1], 0);
        await storage.append([e0, e1, e2], 0); // the retry of an unacknowledged [e0, e1], one more event
        await storage.append([e2], 2); // and again
        assert.deepEqual(storage.query({}, ALL).events, [e2, e1, e0]);
        const other = openAuditStorage({ dataDir: join(dir, 'seq'), memory: false }); // another process: its own numbers
        await other.append([event({ target: 'next run' })], 0);
        await other.close();
        assert.equal(storage.query({}, ALL).events.length, 4);
      } finally {
        await storage.close();
      }
    });

    it('treats a file the thread cannot open as a storage failure: events wait, are retried, and stored once it can', async () => {
      const { a, storage } = openWorkerLog({ flushIntervalMs: 10, retryDelayMs: 30, nowMs: () => Date.now() }, capture().log, 'gone');
      a.record(event({ target: 'before' }));
      await a.query({}, ALL);
      await storage.killWriterForTest();
      // The directory becomes a file: no thread can open audit.sqlite inside it.
      rmSync(join(dir, 'gone'), { recursive: true, force: true });
      writeFileSync(join(dir, 'gone'), 'not a directory');
      const later = [event({ target: 'later-1' }), event({ target: 'later-2' })];
      for (const e of later) a.record(e);
      await until(() => a.stats().failedFlushes >= 2, 'two failed attempts (a retry)');
      assert.equal(a.stats().pending, 2);
      assert.equal(a.stats().dropped, 0);
      assert.match(a.stats().lastError ?? '', /open/);
      rmSync(join(dir, 'gone'));
      mkdirSync(join(dir, 'gone'));
      await until(() => a.stats().pending === 0, 'the write once the file can be opened');
      assert.equal(a.stats().lastError, undefined);
      // A new file: the reader follows the writer to it.
      assert.deepEqual((await a.query({}, ALL)).events.map((e) => e.target), ['later-2', 'later-1']);
    });

    it('a query during a failure reads what storage has, after one attempt begun after it', async () => {
      const { a, storage } = openWorkerLog({ retryDelayMs: 60_000 }, capture().log, 'q');
      a.record(event({ target: 'stored' }));
      await a.query({}, ALL);
      await storage.killWriterForTest();
      rmSync(join(dir, 'q'), { recursive: true, force: true });
      writeFileSync(join(dir, 'q'), 'x');
      a.record(event({ target: 'waiting' }));
      const r = await a.query({}, ALL); // the old reader still reads the old (unlinked) file
      assert.deepEqual(r.events.map((e) => e.target), ['stored']);
      assert.equal(a.stats().failedFlushes, 1);
      assert.equal(a.stats().pending, 1);
      rmSync(join(dir, 'q'));
    });

    it('close() writes what is buffered, leaves nothing pending and ends the thread', async () => {
      const { a, storage } = openWorkerLog({ flushSize: 10 });
      for (let i = 0; i < 25; i++) a.record(event());
      await tick();
      assert.ok(storage.writerRunning);
      await a.close();
      assert.deepEqual({ written: a.stats().written, pending: a.stats().pending, dropped: a.stats().dropped }, { written: 25, pending: 0, dropped: 0 });
      assert.equal(storage.writerRunning, false);
      const b = openLog({ dataDir: join(dir, 'w') });
      assert.equal((await b.query({}, { limit: 0, offset: 0, count: true })).count, 25);
    });

    it('prunes on the thread, also after the thread was replaced', async () => {
      const { a, storage } = openWorkerLog({ maxAgeMs: 30 * DAY });
      a.record(event({ at: new Date(NOW - 31 * DAY).toISOString(), target: 'old' }));
      a.record(event({ at: new Date(NOW - 40 * DAY).toISOString(), target: 'older' }));
      a.record(event({ at: new Date(NOW - 29 * DAY).toISOString(), target: 'young' }));
      await a.query({}, ALL);
      await storage.killWriterForTest();
      assert.equal(await a.prune(), 2);
      assert.ok(storage.writerRunning, 'a new thread');
      assert.deepEqual((await a.query({}, ALL)).events.map((e) => e.target), ['young']);
    });
  });

  describe('one batch in flight', () => {
    const gated: GatedStorage[] = [];
    const gate = (): GatedStorage => {
      const g = new GatedStorage();
      gated.push(g);
      return g;
    };
    afterEach(() => {
      for (const g of gated.splice(0)) g.open();
    });

    it('writes batches one at a time; events leave the buffer when their batch is acknowledged', async () => {
      const storage = gate();
      const a = new AuditLog(storage, capture().log, { flushSize: 2, flushIntervalMs: 60_000 });
      open.push(a);
      for (let i = 0; i < 5; i++) a.record(event());
      await tick();
      assert.equal(storage.waiting, 1);
      assert.equal(a.stats().pending, 5);
      storage.pass();
      await tick();
      assert.deepEqual({ written: a.stats().written, pending: a.stats().pending, waiting: storage.waiting }, { written: 2, pending: 3, waiting: 1 });
      storage.pass();
      await tick();
      assert.deepEqual({ written: a.stats().written, pending: a.stats().pending, waiting: storage.waiting }, { written: 4, pending: 1, waiting: 0 }, 'below flushSize: waits for the timer');
      const q = a.query({}, ALL);
      await tick();
      storage.pass();
      assert.equal((await q).events.length, 5);
    });

    it('counts an event pushed out of a full buffer while its batch is in flight as written when the batch is stored', async () => {
      const storage = gate();
      const a = new AuditLog(storage, capture().log, { flushSize: 2, maxPending: 4, flushIntervalMs: 60_000 });
      open.push(a);
      for (let i = 0; i < 4; i++) a.record(event());
      await tick(); // batch [0, 1] in flight
      a.record(event()); // pushes out 0 (in flight)
      a.record(event()); // pushes out 1 (in flight)
      a.record(event()); // pushes out 2 (not in flight): dropped
      assert.deepEqual({ dropped: a.stats().dropped, pending: a.stats().pending }, { dropped: 1, pending: 4 });
      storage.pass();
      await tick();
      const s = a.stats();
      assert.equal(s.written, 2);
      assert.equal(s.dropped, 1);
      assert.equal(s.recorded, s.written + s.dropped + s.pending, 'every event accounted for once');
    });

    it('counts it as dropped when the batch fails', async () => {
      const storage = gate();
      const a = new AuditLog(storage, capture().log, { flushSize: 2, maxPending: 4, flushIntervalMs: 60_000 });
      open.push(a);
      for (let i = 0; i < 4; i++) a.record(event());
      await tick();
      a.record(event());
      storage.fail();
      await tick();
      const s = a.stats();
      assert.deepEqual({ written: s.written, dropped: s.dropped, pending: s.pending, failedFlushes: s.failedFlushes }, { written: 0, dropped: 1, pending: 4, failedFlushes: 1 });
    });

    it('a query whose events were in flight when that write failed makes one more attempt', async () => {
      const storage = gate();
      const a = new AuditLog(storage, capture().log, { flushSize: 1, flushIntervalMs: 60_000, retryDelayMs: 60_000 });
      open.push(a);
      const e = event();
      a.record(e);
      await tick(); // in flight
      const q = a.query({}, ALL);
      storage.fail(); // began before the query: does not answer it
      await tick();
      assert.equal(storage.waiting, 1, 'a second attempt, despite the retry delay');
      storage.pass();
      assert.deepEqual((await q).events, [e]);
    });
  });
});
