import { strict as assert } from 'node:assert';
import { HttpSender } from '../../src/notify/http-sender';
import { DeliveryQueue, type DeliveryQueueOptions } from '../../src/notify/queue';
import type { AttemptOutcome } from '../../src/notify/types';
import { notification } from './notification';
import { startTestReceiver, type TestReceiver } from '../helpers/receiver';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a queue reported, in order. */
interface Log {
  settled: Array<{ items: string[]; delivered: boolean }>;
  attempts: AttemptOutcome[];
}

describe('notify: delivery queue (clause 5.3 notification behaviour)', () => {
  let receivers: TestReceiver[];
  let queues: Array<DeliveryQueue<string>>;
  let sender: HttpSender;
  let built: number;

  beforeEach(() => {
    receivers = [];
    queues = [];
    sender = new HttpSender();
    built = 0;
  });
  afterEach(async () => {
    for (const q of queues) await q.close();
    await sender.close();
    for (const r of receivers) await r.close();
  });

  async function receiver(): Promise<TestReceiver> {
    const r = await startTestReceiver();
    receivers.push(r);
    return r;
  }

  /** A queue of entity ids sending to `url` over the real HTTP sender; items are ids like 'a1' (key 'a'). */
  function queue(url: string, options: Partial<DeliveryQueueOptions<string>> = {}): { q: DeliveryQueue<string>; log: Log } {
    const log: Log = { settled: [], attempts: [] };
    const q = new DeliveryQueue<string>({
      build: async (items) => {
        built++;
        const n = notification(url, items.map((id) => ({ id, type: 'T' })));
        return { ...n, body: { ...n.body, id: `urn:ngsi-ld:Notification:${built}` } };
      },
      sender,
      attempts: 3,
      backoffMs: 20,
      timeoutMs: 1000,
      limit: 1000,
      throttleMs: 0,
      maxBatch: 100,
      onSettled: (items, delivered) => log.settled.push({ items, delivered }),
      onAttempt: (outcome) => log.attempts.push(outcome),
      ...options,
    });
    queues.push(q);
    return { q, log };
  }

  const ids = (r: TestReceiver) => r.requests.map((req) => req.body.data.map((e: { id: string }) => e.id));

  it('sends in order, one notification in flight at a time, while items keep arriving', async () => {
    const r = await receiver();
    r.answer((n) => ({ status: 204, delayMs: n % 3 === 0 ? 15 : 2 }));
    const { q, log } = queue(r.url, { maxBatch: 3 });
    for (let i = 0; i < 30; i++) {
      q.push(`e${i}`);
      if (i % 4 === 0) await sleep(3);
    }
    await waitUntil(() => log.settled.flatMap((s) => s.items).length === 30);
    assert.deepEqual(ids(r).flat(), Array.from({ length: 30 }, (_, i) => `e${i}`));
    assert.deepEqual(log.settled.flatMap((s) => s.items), Array.from({ length: 30 }, (_, i) => `e${i}`));
    assert.ok(log.settled.every((s) => s.delivered));
    assert.equal(r.maxConcurrent, 1);
    assert.ok(ids(r).every((batch) => batch.length <= 3));
  });

  it('puts the items queued at send time into one notification, up to maxBatch', async () => {
    const r = await receiver();
    const { q, log } = queue(r.url, { maxBatch: 2 });
    for (const id of ['a', 'b', 'c', 'd', 'e']) q.push(id);
    await waitUntil(() => log.settled.length === 3);
    assert.deepEqual(ids(r), [['a', 'b'], ['c', 'd'], ['e']]);
    assert.deepEqual(log.settled, [{ items: ['a', 'b'], delivered: true }, { items: ['c', 'd'], delivered: true }, { items: ['e'], delivered: true }]);
    assert.equal(log.attempts.length, 3);
  });

  it('retries the same notification with doubling back-off until it is accepted', async () => {
    const r = await receiver();
    r.answer((n) => ({ status: n <= 2 ? 500 : 204 }));
    const { q, log } = queue(r.url, { attempts: 5, backoffMs: 20 });
    q.push('a');
    await waitUntil(() => log.settled.length === 1);
    assert.deepEqual(log.settled, [{ items: ['a'], delivered: true }]);
    assert.deepEqual(log.attempts.map((a) => a.ok), [false, false, true]);
    assert.match(log.attempts[0]!.error!, /500/);
    assert.equal(new Set(r.requests.map((req) => req.body.id)).size, 1, 'one notification, sent three times');
    assert.equal(built, 1);
    const [t0, t1, t2] = r.requests.map((req) => req.at);
    assert.ok(t1! - t0! >= 18, `first back-off ${t1! - t0!} ms`);
    assert.ok(t2! - t1! >= 38, `second back-off ${t2! - t1!} ms`);
  });

  it('gives up after all attempts, reports the items settled as not delivered, and goes on with the next', async () => {
    const r = await receiver();
    r.answer((n) => ({ status: n <= 3 ? 503 : 204 }));
    const { q, log } = queue(r.url, { attempts: 3, backoffMs: 10 });
    q.push('a');
    await sleep(5); // 'a' is in flight: 'b' goes in the next notification
    q.push('b');
    await waitUntil(() => log.settled.length === 2);
    assert.deepEqual(log.settled, [{ items: ['a'], delivered: false }, { items: ['b'], delivered: true }]);
    assert.deepEqual(ids(r), [['a'], ['a'], ['a'], ['b']]);
    assert.deepEqual(log.attempts.map((a) => a.ok), [false, false, false, true]);
  });

  it('counts a notification that cannot be built as a failed attempt', async () => {
    const r = await receiver();
    let fail = true;
    const { q, log } = queue(r.url, {
      build: async (items) => {
        if (fail) {
          fail = false;
          throw new Error('context unreachable');
        }
        return notification(r.url, items.map((id) => ({ id, type: 'T' })));
      },
    });
    q.push('a');
    await waitUntil(() => log.settled.length === 1);
    assert.deepEqual(log.attempts.map((a) => [a.ok, a.error]), [[false, 'context unreachable'], [true, undefined]]);
    assert.deepEqual(log.settled, [{ items: ['a'], delivered: true }]);
  });

  it('keeps two notifications at least throttleMs apart (clause 5.2.12 throttling)', async () => {
    const r = await receiver();
    const { q, log } = queue(r.url, { throttleMs: 100 });
    q.push('a1');
    await waitUntil(() => log.settled.length === 1);
    q.push('b1');
    await waitUntil(() => log.settled.length === 2);
    q.push('c1');
    await waitUntil(() => log.settled.length === 3);
    // Measured where the queue starts each attempt (the receiver's clock adds connect time).
    const [t0, t1, t2] = log.attempts.map((a) => Date.parse(a.at));
    assert.equal(r.requests.length, 3);
    assert.ok(t1! - t0! >= 100, `gap ${t1! - t0!} ms`);
    assert.ok(t2! - t1! >= 100, `gap ${t2! - t1!} ms`);
  });

  it('while throttled, sends only the latest queued item per key and reports the replaced ones settled', async () => {
    const r = await receiver();
    const { q, log } = queue(r.url, { throttleMs: 100, key: (id) => id[0]! });
    q.push('a1');
    await waitUntil(() => log.settled.length === 1); // a1 went out at once: the window starts
    q.push('a2');
    q.push('b1');
    q.push('a3'); // replaces a2 in its place
    q.push('b2'); // replaces b1
    assert.equal(q.size, 2);
    await waitUntil(() => r.requests.length === 2);
    await waitUntil(() => log.settled.length === 4);
    assert.deepEqual(ids(r), [['a1'], ['a3', 'b2']]);
    assert.deepEqual(log.settled, [
      { items: ['a1'], delivered: true },
      { items: ['a2'], delivered: false },
      { items: ['b1'], delivered: false },
      { items: ['a3', 'b2'], delivered: true },
    ]);
  });

  it('does not coalesce without throttling: every change is notified', async () => {
    const r = await receiver();
    const { q, log } = queue(r.url, { key: (id) => id[0]! });
    q.push('a1');
    q.push('a2');
    await waitUntil(() => log.settled.length === 1);
    assert.deepEqual(ids(r), [['a1', 'a2']]);
  });

  it('drops the oldest queued items beyond the limit and reports them settled as not delivered', async () => {
    const r = await receiver();
    r.answer({ status: 204, delayMs: 50 });
    const { q, log } = queue(r.url, { limit: 3 });
    q.push('e1');
    await r.waitFor(1); // e1 in flight, not counted
    for (const id of ['e2', 'e3', 'e4', 'e5', 'e6']) q.push(id);
    assert.equal(q.size, 3);
    await waitUntil(() => log.settled.filter((s) => s.delivered).length === 2);
    assert.deepEqual(log.settled, [
      { items: ['e2'], delivered: false },
      { items: ['e3'], delivered: false },
      { items: ['e1'], delivered: true },
      { items: ['e4', 'e5', 'e6'], delivered: true },
    ]);
  });

  it('a dead receiver delays only its own queue', async () => {
    const dead = await receiver();
    dead.answer('hang');
    const live = await receiver();
    const slow = queue(dead.url, { timeoutMs: 2000 });
    const fast = queue(live.url);
    slow.q.push('x');
    await dead.waitFor(1);
    const started = Date.now();
    for (const id of ['a', 'b', 'c']) {
      fast.q.push(id);
      await waitUntil(() => fast.log.settled.flatMap((s) => s.items).includes(id));
    }
    assert.ok(Date.now() - started < 500, `the live receiver got everything in ${Date.now() - started} ms`);
    assert.equal(slow.log.settled.length, 0);
    await dead.close(); // else closing the queue waits out the attempt's 2 s time-out
  });

  it('close() waits for the attempt in flight and leaves queued items unsettled (they stay in the outbox)', async () => {
    const r = await receiver();
    r.answer({ status: 204, delayMs: 60 });
    const { q, log } = queue(r.url);
    q.push('a');
    await r.waitFor(1);
    q.push('b');
    q.push('c');
    const started = Date.now();
    assert.deepEqual(await q.close(), [], 'a was delivered: nothing handed back');
    assert.ok(Date.now() - started >= 30, 'waited for the answer to a');
    assert.deepEqual(log.settled, [{ items: ['a'], delivered: true }]);
    assert.equal(q.size, 2);
    q.push('d'); // after close: not taken
    await sleep(50);
    assert.equal(r.requests.length, 1);
    assert.deepEqual(log.settled, [{ items: ['a'], delivered: true }]);
  });

  it('close() during a back-off resolves at once with the unsettled notification\'s items', async () => {
    const r = await receiver();
    r.answer({ status: 500 });
    const { q, log } = queue(r.url, { attempts: 5, backoffMs: 10_000 });
    q.push('a');
    await waitUntil(() => log.attempts.length === 1);
    const started = Date.now();
    assert.deepEqual(await q.close(), ['a'], 'handed back: neither delivered nor given up');
    assert.ok(Date.now() - started < 100);
    assert.deepEqual(log.settled, []);
    assert.equal(r.requests.length, 1);
  });

  it('drain() hands the waiting items back without reporting them', async () => {
    const r = await receiver();
    r.answer({ status: 204, delayMs: 30 });
    const { q, log } = queue(r.url);
    q.push('a');
    await r.waitFor(1);
    q.push('b');
    q.push('c');
    assert.deepEqual(q.drain(), ['b', 'c']);
    assert.equal(q.size, 0);
    await waitUntil(() => log.settled.length === 1);
    await sleep(20);
    assert.deepEqual(log.settled, [{ items: ['a'], delivered: true }]);
    assert.equal(r.requests.length, 1);
  });
});

async function waitUntil(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(2);
  }
}
