/**
 * `npm run bench:devices`: the MQTT device gateway (issue 5; BENCHMARKS.md, section "Device
 * gateway"). Weft runs as a child process (bench/harness.ts) with its embedded MQTT broker;
 * this process is every device (DEVICES MQTT connections, the `mqtt` package) and the HTTP
 * receiver of the notifications, so send and receive times come from one clock.
 *
 *   setup       one service group over HTTP (JSON payload, 3 typed measures t/h/p, a group
 *               password) and DEVICES devices without credentials of their own (they log
 *               in with the group's password: checked with scrypt once, then remembered),
 *               then DEVICES connections (username <apikey>/<deviceId>).
 *   ingestion   for each rate in STEPS (messages/s, 3 measures each) for SECONDS, round
 *               robin over the devices, QoS 1, open loop on a 5 ms tick but windowed (at
 *               most WINDOW PUBACKs outstanding: an unbounded publish loop collapses aedes).
 *               Then waits for the gateway to drain (GET /weft/v1/iot/stats), and counts
 *               every device's temporal instances (aggregatedValues totalCount, one request
 *               for all twins) against the measures sent: no loss means equal.
 *   latency     one subscription on the twins' type watching temperature; LAT_RATE
 *               messages/s for SECONDS (after WARMUP s unmeasured), each carrying its
 *               sequence number as p; latency = notification received - publish called.
 *
 * Environment: BENCH_DEVICES (1000), BENCH_STEPS (messages/s, "2000,3400,4000,5000"),
 * BENCH_SECONDS (15), BENCH_WINDOW (1000), BENCH_LAT_RATE (1000; 0 skips the latency run), BENCH_WARMUP (3),
 * BENCH_SERVER (see harness.ts), BENCH_TRACE=1 (per-second figures on stderr).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import { API, buildWeft, check, env, fmt, freePort, log, printReport, type Row, runBench, SERVER_MODE, startWeft, type Weft } from './harness';
import { startReceiver, type Receiver } from './receiver';
import type { GatewayStats } from '../src/devices/mqtt/gateway';

const DEVICES = env('BENCH_DEVICES', 1000);
const SECONDS = env('BENCH_SECONDS', 15);
const WINDOW = env('BENCH_WINDOW', 1000);
const LAT_RATE = env('BENCH_LAT_RATE', 1000);
const WARMUP = env('BENCH_WARMUP', 3);
const STEPS = (process.env.BENCH_STEPS ?? '2000,3400,4000,5000').split(',').map((s) => {
  const n = Number(s.trim());
  if (!Number.isFinite(n) || n <= 0) throw new Error(`BENCH_STEPS: bad rate "${s}"`);
  return n;
});
const TRACE = process.env.BENCH_TRACE === '1';

const IOT = '/weft/v1/iot';
const APIKEY = 'benchkey';
const TYPE = 'BenchDevice';
const GROUP_PASSWORD = 'bench-group-password-1';
const MEASURES_PER_MESSAGE = 3;
const ATTRS = ['temperature', 'humidity', 'pressure'];
const JSON_HEADERS = { 'content-type': 'application/json' };
const TICK_MS = 5;

const deviceId = (i: number): string => `d${String(i).padStart(5, '0')}`;
const twinId = (i: number): string => `urn:ngsi-ld:${TYPE}:${deviceId(i)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function inParallel(n: number, count: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < count) await task(next++);
  }));
}

// ---------------------------------------------------------------- CPU of both sides

/** CPU seconds (user + system) the server child has used so far, from /proc (Linux). */
function serverCpu(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

const ownCpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

// ---------------------------------------------------------------- the gateway's counters

/** What GET /weft/v1/iot/stats answers (the gateway's own counters). */
type Stats = GatewayStats;

async function stats(weft: Weft): Promise<Stats> {
  const body = JSON.parse(await check(`${weft.url}${IOT}/stats`, { headers: weft.headers() }, [200], 'iot stats')) as { gateway: Stats | null };
  if (body.gateway === null) throw new Error('no MQTT gateway runs in the server');
  return body.gateway;
}

/** Messages the gateway has finished with, committed or refused. */
const settled = (s: Stats): number => s.updates + s.badPayload + s.unknownDevice + s.denied + s.tooLarge + s.failed;
const refused = (s: Stats): number => s.badPayload + s.unknownDevice + s.denied + s.tooLarge + s.failed;

/** Waits until the gateway has received `sent` messages and settled them all, or stops progressing for `ms`. */
async function drain(weft: Weft, sent: number, ms: number): Promise<{ stats: Stats; waitedMs: number }> {
  const t0 = performance.now();
  let s = await stats(weft);
  let last = settled(s);
  let since = Date.now();
  while (s.messages < sent || settled(s) < s.messages) {
    await sleep(50);
    s = await stats(weft);
    const now = settled(s);
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since > ms) break;
  }
  return { stats: s, waitedMs: performance.now() - t0 };
}

// ---------------------------------------------------------------- history count

/** Temporal instances of temperature, humidity and pressure over all twins, counted by the server. */
async function historyCount(weft: Weft): Promise<number> {
  const qs = new URLSearchParams({
    type: TYPE,
    attrs: ATTRS.join(','),
    timerel: 'after',
    timeAt: '1970-01-01T00:00:00Z',
    timeproperty: 'modifiedAt',
    options: 'aggregatedValues',
    aggrMethods: 'totalCount',
    limit: '1000',
  });
  let total = 0;
  let entities = 0;
  for (let offset = 0; offset < DEVICES; offset += 1000) {
    qs.set('offset', String(offset));
    const text = await check(`${weft.url}${API}/temporal/entities?${qs}`, { headers: weft.headers() }, [200], 'temporal count');
    const list = JSON.parse(text) as Array<Record<string, unknown>>;
    for (const e of list) {
      entities++;
      for (const name of ATTRS) {
        const attr = e[name];
        for (const a of Array.isArray(attr) ? attr : attr === undefined ? [] : [attr]) {
          const counts = (a as { totalCount?: Array<[number | null, string, string]> }).totalCount ?? [];
          for (const [n] of counts) total += n ?? 0;
        }
      }
    }
  }
  if (entities !== DEVICES) throw new Error(`temporal count: ${entities} twins answered, ${DEVICES} expected`);
  return total;
}

/** The same count the slow way for one twin (every instance listed): a check that the aggregate is exact. */
async function historyInstances(weft: Weft, i: number): Promise<number> {
  const qs = new URLSearchParams({ attrs: ATTRS.join(','), timerel: 'after', timeAt: '1970-01-01T00:00:00Z', timeproperty: 'modifiedAt', options: 'temporalValues' });
  const res = await fetch(`${weft.url}${API}/temporal/entities/${twinId(i)}?${qs}`, { headers: weft.headers() });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`temporal values of ${twinId(i)}: ${res.status} ${text.slice(0, 300)}`);
  const e = JSON.parse(text) as Record<string, { values?: unknown[] } | undefined>;
  return ATTRS.reduce((n, a) => n + (e[a]?.values?.length ?? 0), 0);
}

// ---------------------------------------------------------------- devices

interface Fleet {
  clients: MqttClient[];
  /** Next sequence number per device (its own message count). */
  seq: number[];
  inFlight: number;
  acked: number;
  errors: number;
  /** Resolves waiters when inFlight drops. */
  onAck: (() => void) | undefined;
}

async function provision(weft: Weft): Promise<void> {
  await check(`${weft.url}${IOT}/services`, {
    method: 'POST',
    headers: weft.headers(JSON_HEADERS),
    body: JSON.stringify({
      services: [{
        apikey: APIKEY,
        entity_type: TYPE,
        payload: 'json',
        attributes: [
          { object_id: 't', name: 'temperature', type: 'Number', unitCode: 'CEL' },
          { object_id: 'h', name: 'humidity', type: 'Integer' },
          { object_id: 'p', name: 'pressure', type: 'Number' },
        ],
        credentials: { password: GROUP_PASSWORD },
      }],
    }),
  }, [201], 'provision service group');
  for (let i = 0; i < DEVICES; i += 1000) {
    const devices = Array.from({ length: Math.min(1000, DEVICES - i) }, (_, k) => ({ device_id: deviceId(i + k), apikey: APIKEY }));
    await check(`${weft.url}${IOT}/devices`, { method: 'POST', headers: weft.headers(JSON_HEADERS), body: JSON.stringify({ devices }) }, [201], 'provision devices');
  }
}

async function connectFleet(mqttUrl: string): Promise<Fleet> {
  const clients: MqttClient[] = new Array(DEVICES);
  await inParallel(16, DEVICES, async (i) => {
    const c = await mqtt.connectAsync(mqttUrl, {
      username: `${APIKEY}/${deviceId(i)}`,
      password: GROUP_PASSWORD,
      clientId: `bench-${deviceId(i)}`,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 0,
      keepalive: 120,
      connectTimeout: 60_000,
    });
    c.on('error', (err) => log(`device ${deviceId(i)}: ${err.message}`));
    clients[i] = c;
  });
  return { clients, seq: new Array<number>(DEVICES).fill(0), inFlight: 0, acked: 0, errors: 0, onAck: undefined };
}

/** One message from device i, QoS 1; `p` overrides the pressure (the latency run's sequence number). */
function publish(fleet: Fleet, i: number, p?: number): void {
  const k = fleet.seq[i]++;
  // Every message changes all three values of its device (t, h and p differ from the device's previous message).
  const body = `{"t":${(15 + (k % 200) / 10).toFixed(1)},"h":${k % 100},"p":${p ?? 1000 + (k % 1000)}}`;
  fleet.inFlight++;
  fleet.clients[i].publish(`/${APIKEY}/${deviceId(i)}/attrs`, body, { qos: 1 }, (err) => {
    fleet.inFlight--;
    if (err) fleet.errors++;
    else fleet.acked++;
    const w = fleet.onAck;
    fleet.onAck = undefined;
    w?.();
  });
}

const windowOpen = (fleet: Fleet): Promise<void> => new Promise((r) => (fleet.onAck = r));

/**
 * `rate` messages/s for `seconds`, round robin from device `start`; `each(n, i)` is called
 * before message n (0-based) of device i is published and may return its p value.
 * Returns the number sent, the publishing time, and how long the window held the sender back.
 */
async function paced(fleet: Fleet, rate: number, seconds: number, each?: (n: number) => number): Promise<{ sent: number; seconds: number; blockedMs: number }> {
  const total = Math.round(rate * seconds);
  let n = 0;
  let blockedMs = 0;
  let device = 0;
  const start = performance.now();
  while (n < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
    while (n < due) {
      if (fleet.inFlight >= WINDOW) {
        const b = performance.now();
        await windowOpen(fleet);
        blockedMs += performance.now() - b;
        continue;
      }
      publish(fleet, device, each?.(n));
      device = (device + 1) % DEVICES;
      n++;
    }
    await sleep(TICK_MS);
  }
  return { sent: n, seconds: (performance.now() - start) / 1000, blockedMs };
}

async function acksIn(fleet: Fleet): Promise<void> {
  while (fleet.inFlight > 0) await windowOpen(fleet);
}

// ---------------------------------------------------------------- runs

interface Totals {
  /** Messages acknowledged by the broker so far (all runs). */
  sent: number;
}

interface StepResult {
  rate: number;
  inRate: number;
  committedRate: number;
  sustained: boolean;
  ok: boolean;
}

async function ingestionStep(weft: Weft, fleet: Fleet, rate: number, totals: Totals, rows: Row[], results: StepResult[]): Promise<void> {
  log(`ingestion: ${fmt(rate)} msgs/s (${fmt(rate * MEASURES_PER_MESSAGE)} measures/s) for ${SECONDS} s ...`);
  const before = await stats(weft);
  const acked0 = fleet.acked;
  const errors0 = fleet.errors;
  const srv0 = serverCpu(weft.proc.pid);
  const own0 = ownCpu();
  let maxBacklog = 0;
  let polling = true;
  const poller = (async () => {
    let prev = before;
    while (polling) {
      await sleep(1000);
      if (!polling) break;
      const s = await stats(weft);
      const backlog = s.messages - settled(s);
      maxBacklog = Math.max(maxBacklog, backlog);
      if (TRACE) log(`  +1 s: received ${s.messages - prev.messages}, committed ${s.updates - prev.updates}, backlog ${backlog}, in flight ${fleet.inFlight}`);
      prev = s;
    }
  })();
  const run = await paced(fleet, rate, SECONDS);
  const atEnd = await stats(weft);
  const srv1 = serverCpu(weft.proc.pid);
  const own1 = ownCpu();
  polling = false;
  await poller;
  await acksIn(fleet);
  const acked = fleet.acked - acked0;
  const errors = fleet.errors - errors0;
  const { stats: after, waitedMs } = await drain(weft, before.messages + acked, 10_000);
  totals.sent += acked;

  const committedInWindow = atEnd.updates - before.updates;
  const committed = after.updates - before.updates;
  const measures = after.measures - before.measures;
  const badThisStep = refused(after) - refused(before);
  const history = await historyCount(weft);
  const expected = totals.sent * MEASURES_PER_MESSAGE;
  const lost = expected - history;
  const inRate = (acked * MEASURES_PER_MESSAGE) / run.seconds;
  const srvCpu = (srv1 - srv0) / run.seconds;
  const genCpu = (own1 - own0) / run.seconds;
  const ok = lost === 0 && errors === 0 && badThisStep === 0 && committed === acked && measures === acked * MEASURES_PER_MESSAGE;
  log(`  sent ${acked} (${errors} errors, window held ${fmt(run.blockedMs)} ms), committed ${committedInWindow} during the run + ${committed - committedInWindow} after (${fmt(waitedMs)} ms drain), `
    + `max backlog ${maxBacklog}; history ${history} / ${expected} instances; server CPU ${(srvCpu * 100).toFixed(0)}%, load generator ${(genCpu * 100).toFixed(0)}%`);
  // Held back by the window (PUBACKs follow commits) for more than 3% of the run: the server set the pace, not the offer.
  const sustained = committedInWindow >= 0.97 * acked && waitedMs < 2000 && acked >= 0.97 * rate * SECONDS && run.blockedMs < 0.03 * SECONDS * 1000;
  results.push({ rate, inRate, committedRate: (committedInWindow * MEASURES_PER_MESSAGE) / run.seconds, sustained, ok });
  rows.push({
    metric: `offered ${fmt(rate)} msgs/s (${fmt(rate * MEASURES_PER_MESSAGE)} measures/s): measures/s received (PUBACKed) / committed during the run`,
    value: `${fmt(inRate)} / ${fmt((committedInWindow * MEASURES_PER_MESSAGE) / run.seconds)}`,
    target: '-',
    verdict: !ok ? `LOSS/ERRORS (lost ${lost}, errors ${errors}, refused ${badThisStep})` : sustained ? 'sustained' : 'saturated',
  });
  rows.push({
    metric: '  entity updates/s committed during the run; backlog at most, msgs; drain after the last PUBACK, ms',
    value: `${fmt(committedInWindow / run.seconds)}; ${maxBacklog.toLocaleString('en-US')}; ${fmt(waitedMs)}`,
    target: '-',
    verdict: '-',
  });
  rows.push({
    metric: '  server CPU; load-generator CPU (this process)',
    value: `${(srvCpu * 100).toFixed(0)}%; ${(genCpu * 100).toFixed(0)}%`,
    target: '-',
    verdict: '-',
  });
  rows.push({
    metric: '  measures in the temporal history / accepted (cumulative, after the drain)',
    value: `${history.toLocaleString('en-US')} / ${expected.toLocaleString('en-US')}`,
    target: 'equal',
    verdict: lost === 0 ? 'pass' : `FAIL (${lost} missing)`,
  });
}

async function latencyRun(weft: Weft, fleet: Fleet, rx: Receiver, totals: Totals, rows: Row[]): Promise<void> {
  log(`latency: one subscription, ${fmt(LAT_RATE)} msgs/s for ${WARMUP} + ${SECONDS} s ...`);
  await check(`${weft.url}${API}/subscriptions`, {
    method: 'POST',
    headers: weft.headers(JSON_HEADERS),
    body: JSON.stringify({
      id: 'urn:ngsi-ld:Subscription:bench-devices', type: 'Subscription',
      entities: [{ type: TYPE }], watchedAttributes: ['temperature'],
      notification: { attributes: ['pressure'], endpoint: { uri: rx.url } },
    }),
  }, [201], 'subscribe');

  let base = 0;
  const sentAt: number[] = [];
  let latencies: number[] = [];
  rx.onEntity = (e, at) => {
    const p = e.pressure?.value;
    if (typeof p !== 'number' || p < base) return;
    const t0 = sentAt[p - base];
    if (t0 !== undefined) latencies.push(at - t0);
  };
  const stamp = (n: number): number => {
    sentAt[n] = performance.now();
    return base + n;
  };
  base = 10_000_000; // p values above any the ingestion runs sent
  if (WARMUP > 0) await paced(fleet, LAT_RATE, WARMUP, stamp);
  await acksIn(fleet);
  await sleep(500);
  latencies = [];
  sentAt.length = 0;
  base = 20_000_000;
  const e0 = rx.entities;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const srv0 = serverCpu(weft.proc.pid);
  const run = await paced(fleet, LAT_RATE, SECONDS, stamp);
  const srvCpu = (serverCpu(weft.proc.pid) - srv0) / run.seconds;
  await acksIn(fleet);
  const deadline = Date.now() + 10_000;
  while (latencies.length < run.sent && Date.now() < deadline) await sleep(50);
  loop.disable();
  const received = rx.entities - e0;
  const warmSent = WARMUP > 0 ? Math.round(LAT_RATE * WARMUP) : 0;
  totals.sent += run.sent + warmSent;
  latencies.sort((a, b) => a - b);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  const max = latencies[latencies.length - 1] ?? NaN;
  log(`  ${run.sent} sent, ${latencies.length} notifications matched (${received} received), p50 ${fmt(p50)} ms, p99 ${fmt(p99)} ms, max ${fmt(max)} ms; `
    + `server CPU ${(srvCpu * 100).toFixed(0)}%, bench event-loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms`);
  rows.push({
    metric: `device message -> notification, ${fmt(LAT_RATE)} msgs/s, 1 subscription: notifications / messages`,
    value: `${latencies.length.toLocaleString('en-US')} / ${run.sent.toLocaleString('en-US')}`,
    target: 'equal',
    verdict: latencies.length === run.sent ? 'pass' : `FAIL (${run.sent - latencies.length} missing)`,
  });
  rows.push({
    metric: '  latency p50 / p99 / max, ms (publish called -> notification received)',
    value: `${fmt(p50)} / ${fmt(p99)} / ${fmt(max)}`,
    target: 'p99 < 50 ms',
    verdict: p99 < 50 ? 'pass' : 'FAIL',
  });
  rows.push({
    metric: '  server CPU; event-loop delay p99 of the bench process (devices + receiver), ms',
    value: `${(srvCpu * 100).toFixed(0)}%; ${(loop.percentile(99) / 1e6).toFixed(1)}`,
    target: '-',
    verdict: '-',
  });
  rx.onEntity = () => undefined;
}

async function main(): Promise<void> {
  const started = Date.now();
  buildWeft();
  const rows: Row[] = [];
  const dataDir = mkdtempSync(join(os.tmpdir(), 'weft-bench-devices-'));
  const rx = await startReceiver();
  const mqttPort = await freePort();
  const load0 = os.loadavg()[0];
  const weft = await startWeft(dataDir, ['--mqtt-port', String(mqttPort)]);
  let fleet: Fleet | undefined;
  try {
    log(`provisioning 1 service group and ${DEVICES} devices ...`);
    let t0 = performance.now();
    await provision(weft);
    const provisionMs = performance.now() - t0;
    log(`connecting ${DEVICES} devices ...`);
    t0 = performance.now();
    fleet = await connectFleet(`mqtt://127.0.0.1:${mqttPort}`);
    const connectMs = performance.now() - t0;
    rows.push({ metric: `provisioning: 1 group + ${DEVICES.toLocaleString('en-US')} devices (twins created), ms`, value: fmt(provisionMs), target: '-', verdict: '-' });
    rows.push({ metric: `${DEVICES.toLocaleString('en-US')} MQTT CONNECTs (group password: one scrypt, then remembered), 16 at a time, ms`, value: fmt(connectMs), target: '-', verdict: '-' });

    // A short unmeasured run first: JIT, the device cache, SQLite pages.
    const totals: Totals = { sent: 0 };
    if (WARMUP > 0) {
      log(`warm-up: ${WARMUP} s at ${fmt(STEPS[0])} msgs/s ...`);
      const w = await paced(fleet, STEPS[0], WARMUP);
      await acksIn(fleet);
      totals.sent += w.sent;
      await drain(weft, totals.sent, 10_000);
    }
    const sample = await historyInstances(weft, 0);
    const counted = await historyCount(weft);
    if (WARMUP > 0 && counted !== totals.sent * MEASURES_PER_MESSAGE) log(`  after warm-up: history ${counted}, sent ${totals.sent * MEASURES_PER_MESSAGE}`);
    log(`  twin 0 has ${sample} instances listed one by one (seq ${fleet.seq[0]} x 3 = ${fleet.seq[0] * 3})`);
    const results: StepResult[] = [];
    for (const rate of STEPS) await ingestionStep(weft, fleet, rate, totals, rows, results);
    // The highest offered rate the server kept up with, without loss.
    const best = results.filter((r) => r.sustained && r.ok).sort((a, b) => b.committedRate - a.committedRate)[0];
    const allOk = results.every((r) => r.ok);
    rows.push({
      metric: 'highest rate sustained with no loss, measures/s committed',
      value: best === undefined ? 'none' : `${fmt(best.committedRate)} (offered ${fmt(best.rate)} msgs/s)`,
      target: '>= 10,000, no loss',
      verdict: best !== undefined && best.committedRate >= 10_000 && allOk ? 'pass' : 'FAIL',
    });
    // The aggregate against the instances listed one by one, for a few twins.
    for (const i of [0, Math.floor(DEVICES / 2), DEVICES - 1]) {
      const listed = await historyInstances(weft, i);
      if (listed !== fleet.seq[i] * MEASURES_PER_MESSAGE) throw new Error(`twin ${i}: ${listed} instances listed, ${fleet.seq[i] * MEASURES_PER_MESSAGE} measures sent`);
    }
    if (LAT_RATE > 0) await latencyRun(weft, fleet, rx, totals, rows);
  } finally {
    if (fleet !== undefined) await Promise.all(fleet.clients.map((c) => c?.endAsync(true)));
    await weft.stop();
    await rx.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const cpus = os.cpus();
  printReport('Weft device gateway benchmark', [
    `- CPU: ${cpus[0]?.model ?? 'unknown'} (${cpus.length} cores), load average before: ${load0.toFixed(2)}`,
    `- Node ${process.version}, server mode: ${SERVER_MODE}, NODE_ENV=production, SQLite store on disk, history on, embedded MQTT broker (aedes), auth ${weft.auth ? 'on' : 'off'}`,
    `- ${DEVICES} devices = ${DEVICES} MQTT connections from one process, QoS 1, window ${WINDOW}; ${SECONDS} s per step, warm-up ${WARMUP} s`,
  ], rows, started);
}

runBench(main);
