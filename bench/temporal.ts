/**
 * Temporal API benchmark: `npm run bench:temporal` (node --import tsx bench/temporal.ts).
 * Figures and method: BENCHMARKS.md, "Temporal API". Two parts:
 *
 * Store level (in this process, a temp data directory, like bench/store.ts):
 *   (a) history ingest in instances/s: batch upserts of entities whose 4 attributes all
 *       change on every write (history recorded in the write's transaction), and direct
 *       appends of the temporal API (appendTemporal, 1000 instances per call);
 *   (b) one entity with BENCH_TEMPORAL_INSTANCES (1M) instances of one numeric attribute
 *       within one day (built with appendTemporal in large batches, not measured), then the
 *       one-day avg-by-hour aggregation (median of BENCH_RUNS after one warm-up), the same
 *       for max+min+totalCount, and both with the in-memory path forced (every instance
 *       loaded and aggregated in JavaScript). Store read + paging + render, no HTTP.
 *
 * HTTP (Weft as a child process over the same data directory, bench/harness.ts):
 *   (a) ingest through POST /entityOperations/upsert (1000 entities x 4 changed attributes
 *       per request) and POST /temporal/entities/{id}/attrs (1000 instances per request),
 *       2 requests in flight;
 *   (b) GET /temporal/entities/{id}?options=aggregatedValues&... as in (b), sequential, with
 *       the default --temporal-max-instances (10,000): for this representation it limits
 *       periods, not instances, so the 24 hourly periods cover all the instances (200).
 *
 * Environment: BENCH_TEMPORAL_INSTANCES (1000000), BENCH_RUNS (10), BENCH_FALLBACK_RUNS (10),
 * BENCH_TEMPORAL_ENTITIES (10000, entities of the ingest part), BENCH_TEMPORAL_ROUNDS (10,
 * update rounds), BENCH_SERVER (dist | tsx, see bench/harness.ts), BENCH_NO_HTTP=1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { Attribute, Entity } from '../src/ngsi/entity';
import { compileContext, DEFAULT_VOCAB } from '../src/ngsi/jsonld';
import {
  DEFAULT_MAX_INSTANCES,
  pageInstances,
  parseTemporalQuery,
  parseTemporalView,
  queryForView,
  renderTemporalEntity,
  type TemporalQuery,
} from '../src/ngsi/temporal';
import type { EntityStore, EntityWrite } from '../src/store/port';
import { createSqliteStore } from '../src/store/sqlite';
import { API, buildWeft, check, env, fmt, log, type Row, runBench, startWeft, table, type Weft } from './harness';

const INSTANCES = env('BENCH_TEMPORAL_INSTANCES', 1_000_000);
const RUNS = Math.max(1, env('BENCH_RUNS', 10));
const FALLBACK_RUNS = env('BENCH_FALLBACK_RUNS', 10);
const ENTITIES = env('BENCH_TEMPORAL_ENTITIES', 10_000);
const ROUNDS = Math.max(1, env('BENCH_TEMPORAL_ROUNDS', 10));
const BATCH = 1000;
const JSON_HEADERS: Record<string, string> = { 'content-type': 'application/json' };

const V = (term: string): string => DEFAULT_VOCAB + term;
const LOCATION = 'https://uri.etsi.org/ngsi-ld/location';
const BIG = 'urn:ngsi-ld:Sensor:big';
const DAY = '2024-05-01T00:00:00.000Z';
const DAY_MS = Date.parse(DAY);
const NEXT_DAY = new Date(DAY_MS + 86_400_000).toISOString();
const AVG_QUERY = `options=aggregatedValues&aggrMethods=avg&aggrPeriodDuration=PT1H&timerel=between&timeAt=${DAY}&endTimeAt=${NEXT_DAY}`;
const MINMAX_QUERY = `options=aggregatedValues&aggrMethods=max,min,totalCount&aggrPeriodDuration=PT1H&timerel=between&timeAt=${DAY}&endTimeAt=${NEXT_DAY}`;

const iso = (ms: number): string => new Date(ms).toISOString();
/** Deterministic values with two decimals, varied enough that sums are not exact. */
const reading = (i: number): number => Math.round(((i * 2654435761) % 100_000) / 2.5) / 100 - 100;

function median(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function timeRuns(runs: number, fn: () => Promise<unknown>): Promise<{ median: number; min: number; max: number }> {
  await fn(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples) };
}

type Timing = { median: number; min: number; max: number };
const ms = (t: Timing): string => `${t.median.toFixed(1)} ms (min ${t.min.toFixed(1)}, max ${t.max.toFixed(1)})`;
const INGEST_TARGET = 20_000;
const AGGREGATION_TARGET_MS = 200;
const ingestRow = (metric: string, perSec: number, extra = ''): Row => ({
  metric, value: `${fmt(perSec)}${extra}`, target: `>= ${fmt(INGEST_TARGET)}`, verdict: perSec >= INGEST_TARGET ? 'pass' : 'FAIL',
});
const info = (metric: string, value: string): Row => ({ metric, value, target: '-', verdict: '-' });

// ---------------------------------------------------------------- data

/** A sensor whose 4 attributes all differ from `round - 1`'s (so each write records 4 instances). */
function sensor(i: number, round: number): Entity {
  const at = iso(DAY_MS + round * 60_000);
  return {
    id: `urn:ngsi-ld:Sensor:${i}`,
    type: [V('Sensor')],
    createdAt: DAY,
    modifiedAt: at,
    attrs: {
      [V('temperature')]: [{ type: 'Property', value: reading(i + round * 7919), unitCode: 'CEL', observedAt: at }],
      [V('humidity')]: [{ type: 'Property', value: (i + round) % 1000 }],
      [LOCATION]: [{ type: 'GeoProperty', value: { type: 'Point', coordinates: [2 + (i % 1000) / 1000 + round / 1e4, 48 + round / 1e4] } }],
      [V('isIn')]: [{ type: 'Relationship', object: `urn:ngsi-ld:Room:${(i + round) % 997}` }],
    },
  };
}

/** The same sensor as an upsert body member (compacted, core @context). */
function sensorJson(i: number, round: number): Record<string, unknown> {
  const at = iso(DAY_MS + round * 60_000);
  return {
    id: `urn:ngsi-ld:Sensor:${i}`,
    type: 'Sensor',
    temperature: { type: 'Property', value: reading(i + round * 7919), unitCode: 'CEL', observedAt: at },
    humidity: { type: 'Property', value: (i + round) % 1000 },
    location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [2 + (i % 1000) / 1000 + round / 1e4, 48 + round / 1e4] } },
    isIn: { type: 'Relationship', object: `urn:ngsi-ld:Room:${(i + round) % 997}` },
  };
}

/** 250 instances of each of the 4 attributes, observed after `from` (ms), one per second. */
function appendAttrs(from: number): Record<string, Attribute[]> {
  const at = (k: number): string => iso(from + k * 1000);
  const list = <T>(f: (k: number) => T): T[] => Array.from({ length: 250 }, (_, k) => f(k));
  return {
    [V('temperature')]: list((k) => ({ type: 'Property', value: reading(from / 1000 + k), observedAt: at(k) })),
    [V('humidity')]: list((k) => ({ type: 'Property', value: k % 100, observedAt: at(k) })),
    [LOCATION]: list((k) => ({ type: 'GeoProperty', value: { type: 'Point', coordinates: [2 + k / 1e4, 48] }, observedAt: at(k) })),
    [V('isIn')]: list((k) => ({ type: 'Relationship', object: `urn:ngsi-ld:Room:${k}`, observedAt: at(k) })),
  };
}

function appendJson(from: number): string {
  const at = (k: number): string => iso(from + k * 1000);
  const list = <T>(f: (k: number) => T): T[] => Array.from({ length: 250 }, (_, k) => f(k));
  return JSON.stringify({
    temperature: list((k) => ({ type: 'Property', value: reading(from / 1000 + k), observedAt: at(k) })),
    humidity: list((k) => ({ type: 'Property', value: k % 100, observedAt: at(k) })),
    location: list((k) => ({ type: 'GeoProperty', value: { type: 'Point', coordinates: [2 + k / 1e4, 48] }, observedAt: at(k) })),
    isIn: list((k) => ({ type: 'Relationship', object: `urn:ngsi-ld:Room:${k}`, observedAt: at(k) })),
  });
}

// ---------------------------------------------------------------- store level

async function upsertRound(store: EntityStore, round: number): Promise<void> {
  for (let start = 0; start < ENTITIES; start += BATCH) {
    const batch: Entity[] = [];
    for (let i = start; i < Math.min(ENTITIES, start + BATCH); i++) batch.push(sensor(i, round));
    await store.modify('', batch.map((e) => e.id), (current) => {
      const writes: EntityWrite[] = batch.map((entity) => ({ op: 'put', entity, previous: current.get(entity.id) }));
      return { writes, result: undefined };
    });
  }
}

async function storeIngest(store: EntityStore, out: Row[]): Promise<void> {
  await upsertRound(store, 0); // creates: not measured
  let t0 = performance.now();
  for (let round = 1; round <= ROUNDS; round++) await upsertRound(store, round);
  let secs = (performance.now() - t0) / 1000;
  const writes = ENTITIES * ROUNDS;
  out.push(ingestRow(`store: entity writes (batches of ${BATCH} upserts, 4 changed attributes each), instances/s`, (writes * 4) / secs, ` (${fmt(writes / secs)} entities/s)`));

  const calls = 100;
  t0 = performance.now();
  for (let c = 0; c < calls; c++) {
    const id = `urn:ngsi-ld:Sensor:${c % Math.min(ENTITIES, 20)}`;
    await store.appendTemporal('', { id, attrs: appendAttrs(DAY_MS + 86_400_000 + c * 250_000) }, DAY, true);
  }
  secs = (performance.now() - t0) / 1000;
  out.push(ingestRow('store: appendTemporal, 1000 instances (4 attributes x 250) per call, instances/s', (calls * 1000) / secs));
}

async function buildBig(store: EntityStore): Promise<number> {
  const t0 = performance.now();
  const chunk = 50_000;
  for (let start = 0; start < INSTANCES; start += chunk) {
    const temperature: Attribute[] = [];
    for (let i = start; i < Math.min(INSTANCES, start + chunk); i++) {
      temperature.push({ type: 'Property', value: reading(i), observedAt: iso(DAY_MS + Math.floor((i * 86_400_000) / INSTANCES)) });
    }
    await store.appendTemporal('', { id: BIG, type: [V('Sensor')], attrs: { [V('temperature')]: temperature } }, DAY, false);
  }
  return (performance.now() - t0) / 1000;
}

async function storeAggregation(store: EntityStore, out: Row[]): Promise<void> {
  const ctx = await compileContext(undefined, async () => {
    throw new Error('no remote contexts in this benchmark');
  });
  const base = parseTemporalQuery({ timerel: 'between', timeAt: DAY, endTimeAt: NEXT_DAY });
  const limit = Math.max(INSTANCES * 2, DEFAULT_MAX_INSTANCES);
  const read = async (methods: string, forceMemory: boolean): Promise<Record<string, unknown>> => {
    const view = parseTemporalView({ options: 'aggregatedValues', aggrMethods: methods, aggrPeriodDuration: 'PT1H' });
    let q: TemporalQuery = { ...queryForView(base, view), instanceLimit: limit };
    if (forceMemory) {
      // Without the aggregation request the store returns every instance and render aggregates them.
      const { aggregation: _, ...rest } = q as TemporalQuery & { aggregation?: unknown };
      q = rest;
    }
    const te = (await store.getTemporal('', BIG, q))!;
    const { entities } = pageInstances([te], q);
    return renderTemporalEntity(entities[0], ctx, view, q);
  };
  for (const [label, methods] of [['avg', 'avg'], ['max+min+totalCount', 'max,min,totalCount']] as const) {
    const sql = await read(methods, false);
    const t = await timeRuns(RUNS, () => read(methods, false));
    out.push(info(`store: one-day ${label} by hour over ${fmt(INSTANCES)} instances (read + page + render)`, ms(t)));
    if (FALLBACK_RUNS > 0) {
      const mem = await read(methods, true);
      if (JSON.stringify(mem) !== JSON.stringify(sql)) {
        throw new Error(`SQL and in-memory aggregation differ:\n${JSON.stringify(sql).slice(0, 600)}\n${JSON.stringify(mem).slice(0, 600)}`);
      }
      const f = await timeRuns(FALLBACK_RUNS, () => read(methods, true));
      out.push(info(`store: same, in-memory path forced (every instance loaded)`, ms(f)));
    }
  }
}

// ---------------------------------------------------------------- HTTP

async function inFlight(count: number, parallel: number, send: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) await send(next++);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return (performance.now() - t0) / 1000;
}

async function httpPart(dataDir: string, out: Row[]): Promise<void> {
  buildWeft();
  let weft: Weft | undefined;
  try {
    // The default maximum: it applies to the 24 periods, so the answer covers every instance.
    weft = await startWeft(dataDir);
    const base = `${weft.url}${API}`;
    const auth = weft.headers();
    const json = weft.headers(JSON_HEADERS);
    for (const [label, query] of [['avg', AVG_QUERY], ['max+min+totalCount', MINMAX_QUERY]] as const) {
      const url = `${base}/temporal/entities/${BIG}?${query}`;
      const body = JSON.parse(await check(url, { headers: auth }, [200], `aggregation (${label})`)) as { temperature?: Record<string, unknown[]> };
      const buckets = Object.values(body.temperature ?? {}).find(Array.isArray)?.length;
      if (buckets !== 24) throw new Error(`aggregation (${label}): expected 24 hourly buckets, got ${JSON.stringify(body).slice(0, 300)}`);
      const t = await timeRuns(RUNS, () => check(url, { headers: auth }, [200], label));
      out.push(
        label === 'avg'
          ? { metric: `HTTP: GET one-day avg by hour over ${fmt(INSTANCES)} instances`, value: ms(t), target: `< ${AGGREGATION_TARGET_MS} ms`, verdict: t.median < AGGREGATION_TARGET_MS ? 'pass' : 'FAIL' }
          : info(`HTTP: GET one-day ${label} by hour over ${fmt(INSTANCES)} instances`, ms(t)),
      );
    }

    // Ingest over HTTP. The entity path: upserts of existing entities, 4 attributes changed.
    const rounds = Math.max(2, Math.ceil(20_000 / ENTITIES));
    const bodies: string[] = [];
    const perRequest = Math.min(BATCH, ENTITIES);
    const windows = Math.ceil(ENTITIES / perRequest);
    for (let r = 0; r < rounds; r++) {
      for (let w = 0; w < windows; w++) {
        const members = [];
        for (let i = w * perRequest; i < Math.min(ENTITIES, (w + 1) * perRequest); i++) members.push(sensorJson(i, 100 + r));
        bodies.push(JSON.stringify(members));
      }
    }
    const secs = await inFlight(bodies.length, 2, (i) =>
      check(`${base}/entityOperations/upsert`, { method: 'POST', headers: json, body: bodies[i] }, [204], 'upsert'),
    );
    const written = bodies.length * perRequest;
    out.push(ingestRow(`HTTP: POST /entityOperations/upsert (${perRequest} entities x 4 changed attributes per request, 2 in flight), instances/s`, (written * 4) / secs, ` (${fmt(written / secs)} entities/s)`));

    const appends = 100;
    const appendBodies = Array.from({ length: appends }, (_, c) => appendJson(DAY_MS + 2 * 86_400_000 + c * 250_000));
    const appendSecs = await inFlight(appends, 2, (c) =>
      check(`${base}/temporal/entities/urn:ngsi-ld:Sensor:${c % Math.min(ENTITIES, 20)}/attrs`, { method: 'POST', headers: json, body: appendBodies[c] }, [204], 'append'),
    );
    out.push(ingestRow('HTTP: POST /temporal/entities/{id}/attrs (1000 instances per request, 2 in flight), instances/s', (appends * 1000) / appendSecs));
  } finally {
    await weft?.stop();
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'weft-bench-temporal-'));
  const out: Row[] = [];
  try {
    const store = createSqliteStore({ dataDir });
    try {
      log(`ingest: ${ENTITIES} entities, ${ROUNDS} update rounds ...`);
      await storeIngest(store, out);
      log(`building ${fmt(INSTANCES)} instances of one attribute in one day ...`);
      const secs = await buildBig(store);
      out.push(info(`(not a target) building the ${fmt(INSTANCES)} instances with appendTemporal, 50,000 per call`, `${secs.toFixed(1)} s, ${fmt(INSTANCES / secs)} instances/s`));
      log('aggregations, store level ...');
      await storeAggregation(store, out);
    } finally {
      await store.close();
    }
    if (!process.env.BENCH_NO_HTTP) {
      log('HTTP ...');
      await httpPart(dataDir, out);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const cpus = os.cpus();
  process.stdout.write(
    [
      '',
      `## Temporal benchmark, ${new Date().toISOString()}`,
      '',
      `- CPU: ${cpus[0]?.model ?? 'unknown'} (${cpus.length} cores), Node ${process.version}, load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
      '',
      ...table(out),
      '',
    ].join('\n'),
  );
}

runBench(main);
