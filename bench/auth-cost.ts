/**
 * `npm run bench:auth`: what bearer-token auth costs on point reads and queries, auth on
 * against auth off in one run (issue 4: "auth costs < 10% of throughput"; method and
 * figures: BENCHMARKS.md, "Auth cost (issue 4)"). bench/auth.ts measures the verifier
 * alone, in-process; this one measures whole requests.
 *
 * Two Weft children (bench/harness.ts) over two fresh data directories holding the same
 * BENCH_ENTITIES sensors (bench/sensors.ts, one seed): one with auth on (the local issuer,
 * the shipped policy plus one type-restricted role), one with --auth=false. Both stay up for
 * the whole run (an idle Weft costs next to nothing), so that the runs can alternate and
 * drift on a shared machine hits both sides alike.
 *
 * Callers, for each of point reads (GET /entities/{id}, random preloaded ids, the same
 * sequence as bench/run.ts) and the query of bench/run.ts:
 *   off            auth off, no Authorization header (what such a deployment sends)
 *   admin          auth on, an admin token: verification (cache hit) + an allow-all decision
 *   viewer         auth on, role viewer of the shipped policy (read + subscribe everywhere)
 *   sensor-reader  auth on, a role granting read on type Sensor only: the policy narrows
 *                  the query (a type condition) and decides every read on the entity's type
 * Each client keeps one token for the whole run, like a real client until it refreshes,
 * so the verifier answers from its cache after the first request; the cache costs are the
 * point of the measurement (SHA-256 of the token + an LRU lookup per request).
 *
 * Per workload: BENCH_WARMUP s of unmeasured load per caller, then BENCH_ROUNDS rounds in
 * which every caller runs BENCH_SECONDS s, back to back, the order reversed every other
 * round. Short interleaved runs rather than one long run per caller, because on a shared
 * machine the load of other processes drifts over minutes: within a round the callers see
 * about the same machine. A caller's throughput is its responses over its measured seconds,
 * all rounds; its cost is the median over rounds of (off - on) / off within the round. Next
 * to it, the server's CPU time per response (/proc/<pid>/stat around each run, median over
 * rounds): with the server saturating its core, throughput cost ~ CPU-per-request increase,
 * and the CPU figure stays readable when other processes make throughput jump.
 *
 * Environment: BENCH_SECONDS (3), BENCH_WARMUP (2), BENCH_ROUNDS (8), BENCH_ENTITIES
 * (100000), BENCH_CONNECTIONS (50, point reads), BENCH_QUERY_CONNECTIONS (10), BENCH_SERVER
 * (see harness.ts). About 4 minutes with the defaults on 2 cores.
 */
import type autocannon from 'autocannon';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_POLICY_FILE } from '../src/config';
import { API, bearer, buildWeft, check, env, fmt, load, log, mintToken, printReport, type Row, type Run, runBench, SERVER_MODE, startWeft, warm, type Weft } from './harness';
import { JSON_HEADERS, QUERY, pointReads, preload, rng, sensor } from './sensors';

const SECONDS = env('BENCH_SECONDS', 3);
const WARMUP = env('BENCH_WARMUP', 2);
const ROUNDS = Math.max(1, env('BENCH_ROUNDS', 8));
const ENTITIES = Math.max(1, env('BENCH_ENTITIES', 100_000));
const CONNS = env('BENCH_CONNECTIONS', 50);
const QUERY_CONNS = env('BENCH_QUERY_CONNECTIONS', 10);
/** Issue 4: auth may cost less than 10% of throughput. */
const TARGET = 0.1;

/** The type-restricted role added to the shipped policy for the `sensor-reader` caller. */
const TYPED_ROLE = 'sensor-reader';
const PROBE_DEVICE = 'urn:ngsi-ld:Device:probe';

interface Caller {
  name: string;
  label: string;
  weft: Weft;
  /** Headers of every request: the caller's token, or none. */
  headers: Record<string, string>;
}

interface Workload {
  name: string;
  /** autocannon options without the caller's server and headers. */
  opts: (c: Caller) => autocannon.Options;
}

/** The shipped policy plus TYPED_ROLE (read on type Sensor only), as a JSON file in `dir`. */
function policyWithTypedRole(dir: string): string {
  const doc = parseYaml(readFileSync(DEFAULT_POLICY_FILE, 'utf8')) as { roles: Record<string, unknown> };
  doc.roles[TYPED_ROLE] = [{ actions: ['read'], types: ['Sensor'] }];
  const file = join(dir, 'policy.json');
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

async function prepare(weft: Weft, what: string): Promise<void> {
  log(`${what}: preloading ${ENTITIES.toLocaleString('en-US')} entities ...`);
  const rate = await preload(weft, ENTITIES);
  log(`${what}: ${fmt(rate)} entities/s`);
  // One entity of another type, so the sensor-reader's restriction can be seen to hold.
  const body = JSON.stringify(sensor(PROBE_DEVICE, 'Device', rng(7)));
  await check(`${weft.url}${API}/entities`, { method: 'POST', headers: weft.headers(JSON_HEADERS), body }, [201], `${what}: create ${PROBE_DEVICE}`);
}

/** Before timing: every caller gets what it should, so no row measures 401s or 404s. */
async function sanity(callers: Caller[]): Promise<void> {
  for (const c of callers) {
    const one = `${c.weft.url}${API}/entities/${encodeURIComponent('urn:ngsi-ld:Sensor:000000')}`;
    await check(one, { headers: c.headers }, [200], `${c.name}: point read`);
    const page = JSON.parse(await check(`${c.weft.url}${API}/entities?${QUERY}`, { headers: c.headers }, [200], `${c.name}: query`)) as unknown[];
    if (page.length !== Math.min(20, ENTITIES)) log(`  warning: ${c.name}: the query returned ${page.length} entities, expected ${Math.min(20, ENTITIES)}`);
    const device = `${c.weft.url}${API}/entities/${encodeURIComponent(PROBE_DEVICE)}`;
    await check(device, { headers: c.headers }, [c.name === TYPED_ROLE ? 404 : 200], `${c.name}: read of a Device`);
  }
  const on = callers.find((c) => c.weft.auth);
  if (on !== undefined) await check(`${on.weft.url}${API}/entities?${QUERY}`, {}, [401], 'auth on: a request without a token');
}

/** Clock ticks per second of /proc/<pid>/stat times. */
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/**
 * CPU seconds (user + system, all threads) the process has used so far, from /proc (Linux);
 * undefined elsewhere. Unlike throughput, a server's CPU time per request hardly moves when
 * other processes compete for the cores, so it shows the cost of auth on a busy machine too.
 */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
    return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime, stime: fields 14 and 15
  } catch {
    return undefined;
  }
}

interface Measured extends Run {
  /** Server CPU seconds per response counted, undefined without /proc. */
  cpuPerOk: number | undefined;
}

async function measure(c: Caller, opts: autocannon.Options): Promise<Measured> {
  const cpu0 = cpuSeconds(c.weft.proc.pid);
  const r = await load(opts, 200, SECONDS);
  const cpu1 = cpuSeconds(c.weft.proc.pid);
  return { ...r, cpuPerOk: cpu0 === undefined || cpu1 === undefined || r.ok === 0 ? undefined : (cpu1 - cpu0) / r.ok };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * One row per caller. Throughput: responses over measured seconds, all rounds. Cost: the
 * median over rounds of (off - on) / off within each round, so a round that another process
 * on the machine slowed down counts once, not in proportion to how much it moved the sums.
 */
function report(w: Workload, callers: Caller[], runs: Map<Caller, Measured[]>): Row[] {
  const off = runs.get(callers[0])!;
  const cpuOf = (rs: Measured[]): number | undefined => (rs.every((r) => r.cpuPerOk !== undefined) ? median(rs.map((r) => r.cpuPerOk!)) : undefined);
  const offCpu = cpuOf(off);
  return callers.map((c) => {
    const rs = runs.get(c)!;
    const rate = rs.reduce((a, r) => a + r.ok, 0) / rs.reduce((a, r) => a + r.seconds, 0);
    const errors = rs.some((r) => r.other > 0);
    const p50 = median(rs.map((r) => r.p50));
    const cpu = cpuOf(rs);
    const us = cpu === undefined ? '' : `; server CPU ${fmt(cpu * 1e6)} us/request`;
    if (c === callers[0]) return { metric: `${w.name}, ${c.label}`, value: `${fmt(rate)} (p50 ${fmt(p50)} ms)${us}`, target: '-', verdict: errors ? 'ERRORS' : '-' };
    const costs = rs.map((r, i) => (off[i].perSec - r.perSec) / off[i].perSec);
    const k = median(costs);
    const range = costs.length > 1 ? ` (rounds ${pct(Math.min(...costs))} to ${pct(Math.max(...costs))})` : '';
    const cpuCost = cpu === undefined || offCpu === undefined ? '' : ` (${cpu >= offCpu ? '+' : ''}${pct(cpu / offCpu - 1)})`;
    return {
      metric: `${w.name}, ${c.label}`,
      value: `${fmt(rate)} (p50 ${fmt(p50)} ms), cost ${pct(k)}${range}${us}${cpuCost}`,
      target: `cost < ${pct(TARGET)}`,
      verdict: errors ? 'ERRORS' : k < TARGET ? 'pass' : 'FAIL',
    };
  });
}

function machine(): string[] {
  const cpus = os.cpus();
  return [
    `- CPU: ${cpus[0]?.model ?? 'unknown'} (${cpus.length} cores), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()} (${os.arch()}), load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    `- Node ${process.version}, server mode: ${SERVER_MODE}, NODE_ENV=production, two Weft children (auth on / --auth=false) over the same data`,
    `- ${ENTITIES.toLocaleString('en-US')} preloaded entities; per workload ${WARMUP} s warm-up per caller, then ${ROUNDS} rounds of ${SECONDS} s per caller, order reversed every other round; ` +
      `connections: ${CONNS} (point reads), ${QUERY_CONNS} (queries)`,
  ];
}

async function main(): Promise<void> {
  const started = Date.now();
  buildWeft();
  const dirs = [mkdtempSync(join(os.tmpdir(), 'weft-bench-auth-on-')), mkdtempSync(join(os.tmpdir(), 'weft-bench-auth-off-'))];
  const servers: Weft[] = [];
  const rows: Row[] = [];
  try {
    const on = await startWeft(dirs[0], ['--mqtt-embedded=false', '--policy', policyWithTypedRole(dirs[0])]);
    servers.push(on);
    const off = await startWeft(dirs[1], ['--mqtt-embedded=false', '--auth=false']);
    servers.push(off);
    if (!on.auth || off.auth) throw new Error(`expected auth on / off, the servers say ${on.auth} / ${off.auth}`);
    await prepare(on, 'auth on');
    await prepare(off, 'auth off');

    const callers: Caller[] = [
      { name: 'off', label: 'auth off (no token)', weft: off, headers: {} },
      { name: 'admin', label: 'auth on, admin token', weft: on, headers: on.headers() },
      { name: 'viewer', label: 'auth on, viewer token (read everywhere)', weft: on, headers: bearer(await mintToken(on.dataDir, ['viewer'], 'bench-viewer')) },
      { name: TYPED_ROLE, label: `auth on, ${TYPED_ROLE} token (read, types: [Sensor])`, weft: on, headers: bearer(await mintToken(on.dataDir, [TYPED_ROLE], 'bench-sensor-reader')) },
    ];
    await sanity(callers);

    const workloads: Workload[] = [
      { name: 'point reads/s (GET /entities/{id})', opts: (c) => ({ url: c.weft.url, connections: CONNS, headers: c.headers, requests: [pointReads(ENTITIES, 3)] }) },
      { name: `queries/s (${QUERY_CONNS} conns; type=Sensor&q=temperature>20&limit=20)`, opts: (c) => ({ url: `${c.weft.url}${API}/entities?${QUERY}`, connections: QUERY_CONNS, headers: c.headers }) },
    ];
    for (const w of workloads) {
      const opts = (c: Caller): autocannon.Options => ({ ...w.opts(c), title: `${c.name}: ${w.name}` });
      log(`${w.name}: warm-up, ${WARMUP} s per caller ...`);
      for (const c of callers) await warm(opts(c), WARMUP);
      const runs = new Map<Caller, Measured[]>(callers.map((c) => [c, []]));
      for (let round = 0; round < ROUNDS; round++) {
        // Reversed every other round: no caller always runs right after another one.
        const order = round % 2 === 0 ? callers : [...callers].reverse();
        for (const c of order) runs.get(c)!.push(await measure(c, opts(c)));
        log(`${w.name}, round ${round + 1}/${ROUNDS}: ${callers.map((c) => `${c.name} ${fmt(runs.get(c)![round].perSec)}/s`).join(', ')}`);
      }
      rows.push(...report(w, callers, runs));
    }
  } finally {
    for (const s of servers) await s.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  printReport('Weft auth cost', machine(), rows, started);
}

runBench(main);
