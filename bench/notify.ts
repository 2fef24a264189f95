/**
 * `npm run bench:notify`: notification latency and throughput (BENCHMARKS.md, section
 * "Notifications"). Weft runs as a child process (bench/harness.ts); this process is both
 * the client making updates and the HTTP receiver of the notifications, so send and
 * receive times come from one clock.
 *
 *   latency     SUBSCRIPTIONS entities, one subscription each (watchedAttributes
 *               temperature); RATE single-attribute PATCHes per second for SECONDS,
 *               round robin over the entities (open loop: sent on a timer, not after the
 *               previous answer). Latency = notification received - PATCH sent.
 *   throughput  batch upserts of all SUBSCRIPTIONS entities, back to back (2 in flight),
 *               for SECONDS: notifications and notified entities per second.
 *   fan-out     FANOUT subscriptions to the same type; RATE / FANOUT updates per second,
 *               each matching every subscription.
 *
 * Environment: BENCH_SUBSCRIPTIONS (1000), BENCH_RATE (1000), BENCH_SECONDS (10),
 * BENCH_WARMUP (3: seconds at RATE before the measured run, reported apart), BENCH_FANOUT
 * (100), BENCH_SERVER and BENCH_NODE_ARGS (see harness.ts), BENCH_TRACE=1 (latency per second
 * on stderr), BENCH_RUNS (latency,throughput,fanout: which runs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { API, buildWeft, check, env, fmt, log, printReport, type Row, runBench, SERVER_MODE, startWeft, type Weft } from './harness';
import { startReceiver, type Receiver } from './receiver';
import { Pool, type Dispatcher } from 'undici';

const SUBSCRIPTIONS = env('BENCH_SUBSCRIPTIONS', 1000);
const RATE = env('BENCH_RATE', 1000);
const SECONDS = env('BENCH_SECONDS', 10);
const FANOUT = env('BENCH_FANOUT', 100);
const WARMUP = env('BENCH_WARMUP', 3);
const JSON_HEADERS = { 'content-type': 'application/json' };
const TICK_MS = 5;
const RUNS = new Set((process.env.BENCH_RUNS ?? 'latency,throughput,fanout').split(','));

const sensorId = (i: number): string => `urn:ngsi-ld:Sensor:${String(i).padStart(6, '0')}`;

// ---------------------------------------------------------------- client

/**
 * The load generator's own client: undici (what Weft sends notifications with) rather than
 * node:http, so that less of each measured latency is the client's own CPU on this 2-core
 * machine, where it shares the cores with the server.
 */
let pool: Pool | undefined;

/** One request over the keep-alive pool (with the bearer token when auth is on); resolves with the status. */
async function send(weft: Weft, method: Dispatcher.HttpMethod, path: string, body: string): Promise<number> {
  pool ??= new Pool(weft.url, { connections: 64 });
  const res = await pool.request({ method, path, body, headers: weft.headers(JSON_HEADERS) });
  await res.body.dump();
  return res.statusCode;
}

async function inParallel(n: number, count: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < count) await task(next++);
  }));
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function subscribe(weft: Weft, body: Record<string, unknown>): Promise<void> {
  await check(`${weft.url}${API}/subscriptions`, { method: 'POST', headers: weft.headers(JSON_HEADERS), body: JSON.stringify(body) }, [201], 'subscribe');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `done()` or `ms` pass without progress in `progress()`. */
async function drain(done: () => boolean, progress: () => number, ms: number): Promise<void> {
  let last = progress();
  let since = Date.now();
  while (!done()) {
    await sleep(50);
    const now = progress();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since > ms) return;
  }
}

// ---------------------------------------------------------------- runs


async function latencyRun(weft: Weft, rx: Receiver, rows: Row[]): Promise<void> {
  log(`latency: ${SUBSCRIPTIONS} entities and subscriptions ...`);
  const entities = Array.from({ length: SUBSCRIPTIONS }, (_, i) => ({
    id: sensorId(i), type: 'Sensor', temperature: { type: 'Property', value: 0 }, humidity: { type: 'Property', value: 50 },
  }));
  for (let i = 0; i < entities.length; i += 1000) {
    await check(`${weft.url}${API}/entityOperations/upsert`, { method: 'POST', headers: weft.headers(JSON_HEADERS), body: JSON.stringify(entities.slice(i, i + 1000)) }, [201, 204], 'preload');
  }
  await inParallel(8, SUBSCRIPTIONS, (i) => subscribe(weft, {
    id: `urn:ngsi-ld:Subscription:lat-${i}`, type: 'Subscription',
    entities: [{ id: sensorId(i), type: 'Sensor' }], watchedAttributes: ['temperature'],
    notification: { endpoint: { uri: rx.url } },
  }));

  const sentAt = new Map<number, number>();
  let latencies: number[] = [];
  let updateLatencies: number[] = [];
  const trace: Array<[number, number]> = [];
  rx.onEntity = (e, at) => {
    const n = Number(e.temperature?.value);
    const t0 = sentAt.get(n);
    if (t0 !== undefined) {
      latencies.push(at - t0);
      if (process.env.BENCH_TRACE) trace.push([t0, at - t0]);
      sentAt.delete(n);
    }
  };
  let seq = 0;
  let failed = 0;
  /** RATE updates per second for `seconds`, on a timer (open loop). */
  const drive = (seconds: number): Promise<void> => {
    const total = Math.round(RATE * seconds);
    const first = seq;
    const begin = performance.now();
    return new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const due = first + Math.min(total, Math.floor(((performance.now() - begin) / 1000) * RATE));
        while (seq < due) {
          const n = ++seq;
          const id = sensorId(n % SUBSCRIPTIONS);
          const t0 = performance.now();
          sentAt.set(n, t0);
          send(weft, 'PATCH', `${API}/entities/${id}/attrs`, `{"temperature":{"type":"Property","value":${n}}}`).then(
            (status) => {
              if (status === 204) updateLatencies.push(performance.now() - t0);
              else failed++;
            },
            () => failed++,
          );
        }
        if (seq >= first + total) {
          clearInterval(timer);
          resolve();
        }
      }, TICK_MS);
    });
  };
  if (WARMUP > 0) {
    log(`latency: warm-up, ${RATE} updates/s for ${WARMUP} s (not measured) ...`);
    await drive(WARMUP);
    await drain(() => sentAt.size === 0, () => latencies.length, 3000);
    latencies.sort((a, b) => a - b);
    rows.push({ metric: `warm-up (first ${WARMUP} s after start, JIT): notification latency p50 / p99 / max, ms`, value: `${fmt(percentile(latencies, 50))} / ${fmt(percentile(latencies, 99))} / ${fmt(latencies[latencies.length - 1])}`, target: '-', verdict: '-' });
    latencies = [];
    updateLatencies = [];
    trace.length = 0;
  }
  log(`latency: ${RATE} updates/s for ${SECONDS} s ...`);
  const total = Math.round(RATE * SECONDS);
  const start = performance.now();
  await drive(SECONDS);
  const elapsed = (performance.now() - start) / 1000;
  await drain(() => sentAt.size === 0, () => latencies.length, 3000);
  if (process.env.BENCH_TRACE) {
    // p50 / max per second of sending, to tell warm-up from steady state.
    const bySecond = new Map<number, number[]>();
    for (const [t0, l] of trace) {
      const sec = Math.floor((t0 - start) / 1000);
      if (!bySecond.has(sec)) bySecond.set(sec, []);
      bySecond.get(sec)!.push(l);
    }
    for (const [sec, ls] of bySecond) {
      ls.sort((a, b) => a - b);
      log(`  second ${sec}: n=${ls.length} p50=${fmt(percentile(ls, 50))} p99=${fmt(percentile(ls, 99))} max=${fmt(ls[ls.length - 1])}`);
    }
  }
  latencies.sort((a, b) => a - b);
  updateLatencies.sort((a, b) => a - b);
  const lost = sentAt.size;
  const p99 = percentile(latencies, 99);
  rows.push({ metric: `updates sent (target rate ${RATE}/s), achieved rate`, value: `${fmt(total)} in ${elapsed.toFixed(1)} s = ${fmt(total / elapsed)}/s (${failed} failed)`, target: '-', verdict: failed > 0 ? 'ERRORS' : '-' });
  rows.push({ metric: `notification latency p50 / p95 / p99 / max, ms (${SUBSCRIPTIONS} subscriptions)`, value: `${fmt(percentile(latencies, 50))} / ${fmt(percentile(latencies, 95))} / ${fmt(p99)} / ${fmt(latencies[latencies.length - 1])}`, target: 'p99 < 20 ms', verdict: p99 < 20 && lost === 0 ? 'pass' : 'FAIL' });
  rows.push({ metric: 'notifications lost', value: String(lost), target: '0', verdict: lost === 0 ? 'pass' : 'FAIL' });
  rows.push({ metric: 'update (PATCH) latency p50 / p99, ms', value: `${fmt(percentile(updateLatencies, 50))} / ${fmt(percentile(updateLatencies, 99))}`, target: '-', verdict: '-' });
  rx.onEntity = () => undefined;
}

async function throughputRun(weft: Weft, rx: Receiver, rows: Row[]): Promise<void> {
  log(`throughput: batch upserts of ${SUBSCRIPTIONS} entities for ${SECONDS} s ...`);
  let round = 0;
  const body = (): string => JSON.stringify(Array.from({ length: SUBSCRIPTIONS }, (_, i) => ({
    id: sensorId(i), type: 'Sensor', temperature: { type: 'Property', value: 1_000_000_000 + round * SUBSCRIPTIONS + i },
  })));
  const n0 = rx.notifications;
  const e0 = rx.entities;
  const start = performance.now();
  let upserted = 0;
  await inParallel(2, Number.MAX_SAFE_INTEGER, async () => {
    if (performance.now() - start > SECONDS * 1000) throw new StopSignal();
    round++;
    const status = await send(weft, 'POST', `${API}/entityOperations/upsert?options=update`, body());
    if (status !== 204) throw new Error(`upsert answered ${status}`);
    upserted += SUBSCRIPTIONS;
  }).catch((err: unknown) => {
    if (!(err instanceof StopSignal)) throw err;
  });
  const expected = upserted;
  await drain(() => rx.entities - e0 >= expected, () => rx.entities, 5000);
  const elapsed = (performance.now() - start) / 1000;
  const entities = rx.entities - e0;
  rows.push({ metric: `entity updates committed (batch upsert, ${SUBSCRIPTIONS} per request)`, value: `${fmt(upserted / elapsed)}/s`, target: '-', verdict: '-' });
  rows.push({ metric: 'notifications delivered (HTTP POSTs) / entities notified, per s', value: `${fmt((rx.notifications - n0) / elapsed)} / ${fmt(entities / elapsed)}`, target: '-', verdict: entities >= expected ? '-' : `LOST ${expected - entities}` });
}

class StopSignal extends Error {}

async function fanOutRun(weft: Weft, rx: Receiver, rows: Row[]): Promise<void> {
  log(`fan-out: ${FANOUT} subscriptions to type Device ...`);
  await check(`${weft.url}${API}/entities`, { method: 'POST', headers: weft.headers(JSON_HEADERS), body: JSON.stringify({ id: 'urn:ngsi-ld:Device:fan', type: 'Device', level: { type: 'Property', value: 0 } }) }, [201], 'device');
  await inParallel(8, FANOUT, (i) => subscribe(weft, {
    id: `urn:ngsi-ld:Subscription:fan-${i}`, type: 'Subscription', entities: [{ type: 'Device' }],
    notification: { endpoint: { uri: rx.url } },
  }));
  const updates = Math.max(1, Math.round((RATE / FANOUT) * SECONDS));
  const latencies: number[] = [];
  const sentAt = new Map<number, number>();
  rx.onEntity = (e, at) => {
    const level = (e as { level?: { value?: number } }).level?.value;
    const t0 = level === undefined ? undefined : sentAt.get(level);
    if (t0 !== undefined) latencies.push(at - t0);
  };
  const e0 = rx.entities;
  const start = performance.now();
  for (let n = 1; n <= updates; n++) {
    const due = start + (n / (RATE / FANOUT)) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    sentAt.set(n, performance.now());
    void send(weft, 'PATCH', `${API}/entities/urn:ngsi-ld:Device:fan/attrs`, `{"level":{"type":"Property","value":${n}}}`);
  }
  await drain(() => rx.entities - e0 >= updates * FANOUT, () => rx.entities, 3000);
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  rows.push({ metric: `fan-out: ${FANOUT} subscriptions per update, ${fmt(RATE / FANOUT)} updates/s: notifications/s`, value: fmt((rx.entities - e0) / elapsed), target: '-', verdict: rx.entities - e0 >= updates * FANOUT ? '-' : `LOST ${updates * FANOUT - (rx.entities - e0)}` });
  rows.push({ metric: 'fan-out latency p50 / p99, ms', value: `${fmt(percentile(latencies, 50))} / ${fmt(percentile(latencies, 99))}`, target: '-', verdict: '-' });
  rx.onEntity = () => undefined;
}

async function main(): Promise<void> {
  const started = Date.now();
  buildWeft();
  const rows: Row[] = [];
  const dataDir = mkdtempSync(join(os.tmpdir(), 'weft-bench-notify-'));
  const rx = await startReceiver();
  const weft = await startWeft(dataDir, ['--mqtt-embedded=false']);
  try {
    if (RUNS.has('latency')) await latencyRun(weft, rx, rows);
    if (RUNS.has('throughput')) await throughputRun(weft, rx, rows);
    if (RUNS.has('fanout')) await fanOutRun(weft, rx, rows);
  } finally {
    await weft.stop();
    await rx.close();
    await pool?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const cpus = os.cpus();
  printReport('Weft notification benchmark', [
    `- CPU: ${cpus[0]?.model ?? 'unknown'} (${cpus.length} cores), load average before: ${os.loadavg()[0].toFixed(2)}`,
    `- Node ${process.version}, server mode: ${SERVER_MODE}, NODE_ENV=production, SQLite store on disk, history on, auth ${weft.auth ? 'on (admin bearer token)' : 'off'}`,
    `- ${SUBSCRIPTIONS} subscriptions, ${RATE} updates/s, ${SECONDS} s runs, fan-out ${FANOUT}`,
  ], rows, started);
}

runBench(main);
