/**
 * SQLite store benchmark: `node --import tsx bench/store.ts [entityCount]`.
 * Creates N entities (default 100k) in a temp directory and prints the figures the store
 * is held to: batch upserts per second, point reads per second, and latency of a type + q
 * page of 20 with and without count (plus a few other filter shapes for context).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Entity } from '../src/ngsi/entity';
import type { EntityFilter } from '../src/ngsi/query/ast';
import type { EntityStore, EntityWrite } from '../src/store/port';
import { createSqliteStore } from '../src/store/sqlite';

const N = Number(process.argv[2] ?? 100_000);
const BATCH = 1000;
const NS = 'https://example.org/ns#';
const LOCATION = 'https://uri.etsi.org/ngsi-ld/location';
const STAMP = '2024-05-01T00:00:00Z';

function sensor(i: number, temperature: number): Entity {
  const isSensor = i % 5 !== 0; // 80% Sensor, 20% Device
  return {
    id: `urn:ngsi-ld:${isSensor ? 'Sensor' : 'Device'}:${i}`,
    type: [NS + (isSensor ? 'Sensor' : 'Device')],
    createdAt: STAMP,
    modifiedAt: STAMP,
    scope: [`/site/${i % 20}`],
    attrs: {
      [NS + 'temperature']: [{ type: 'Property', value: temperature, unitCode: 'CEL', observedAt: STAMP }],
      [NS + 'humidity']: [{ type: 'Property', value: (i * 7) % 100, observedAt: STAMP }],
      [NS + 'name']: [{ type: 'Property', value: `sensor number ${i}` }],
      [NS + 'status']: [{ type: 'Property', value: i % 3 === 0 ? 'off' : 'on' }],
      [NS + 'controlledBy']: [{ type: 'Relationship', object: `urn:ngsi-ld:Gateway:${i % 100}` }],
      [LOCATION]: [{ type: 'GeoProperty', value: { type: 'Point', coordinates: [-3.7 + (i % 1000) / 1000, 40.4 + Math.floor(i / 1000) / 1000] } }],
    },
  };
}

/** Deterministic pseudo-random temperatures in [0, 40). */
const temperatureOf = (i: number): number => ((i * 2654435761) % 4000) / 100;

async function timeIt(fn: () => Promise<unknown>, runs: number): Promise<{ p50: number; p95: number }> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(runs / 2)], p95: samples[Math.floor(runs * 0.95)] };
}

/** `ack`: acknowledge the outbox after each batch, as the notifier does (tenant with a subscription). */
async function upsertAll(store: EntityStore, make: (i: number) => Entity, tenant = '', ack = false): Promise<number> {
  const t0 = performance.now();
  for (let start = 0; start < N; start += BATCH) {
    const batch: Entity[] = [];
    for (let i = start; i < Math.min(N, start + BATCH); i++) batch.push(make(i));
    const writes = await store.modify(tenant, batch.map((e) => e.id), (current) => {
      const w: EntityWrite[] = batch.map((entity) => ({ op: 'put' as const, entity, previous: current.get(entity.id) }));
      return { writes: w, result: w };
    });
    if (ack) await store.ackOutbox(tenant, writes[writes.length - 1].outboxSeq!);
  }
  return N / ((performance.now() - t0) / 1000);
}

/** A subscription on the tenant turns the outbox on: every write also adds an outbox row. */
async function outboxCase(store: EntityStore): Promise<void> {
  const tenant = 'outbox';
  await store.putSubscription(tenant, {
    id: 'urn:ngsi-ld:Subscription:bench',
    notificationTrigger: ['attributeUpdated'],
    isActive: true,
    notification: { format: 'normalized', sysAttrs: false, showChanges: false, endpoint: { uri: 'http://localhost:1/', accept: 'application/json' } },
    filter: { type: { kind: 'type', iri: NS + 'Sensor' } },
    context: [],
    createdAt: STAMP,
    modifiedAt: STAMP,
    delivery: { timesSent: 0, timesFailed: 0 },
  });
  const insertRate = await upsertAll(store, (i) => sensor(i, temperatureOf(i)), tenant, true);
  console.log(`insert ${N} entities in batches of ${BATCH}, outbox on (1 subscription, acked per batch): ${Math.round(insertRate)} entities/s`);
  const updateRate = await upsertAll(store, (i) => sensor(i, temperatureOf(i + 1)), tenant, true);
  console.log(`update ${N} existing entities in batches of ${BATCH}, outbox on: ${Math.round(updateRate)} entities/s`);
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-bench-'));
  const store = createSqliteStore({ dataDir: dir });
  try {
    const insertRate = await upsertAll(store, (i) => sensor(i, temperatureOf(i)));
    console.log(`insert ${N} entities in batches of ${BATCH}: ${Math.round(insertRate)} entities/s`);
    const updateRate = await upsertAll(store, (i) => sensor(i, temperatureOf(i + 1)));
    console.log(`update ${N} existing entities in batches of ${BATCH}: ${Math.round(updateRate)} entities/s`);
    const dbSize = fs.statSync(path.join(dir, 'default.sqlite')).size + fs.statSync(path.join(dir, 'default.sqlite-wal')).size;
    console.log(`database + WAL size: ${(dbSize / 1e6).toFixed(0)} MB`);

    const reads = 200_000;
    let t0 = performance.now();
    for (let i = 0; i < reads; i++) {
      const n = (i * 7919) % N;
      await store.getEntity('', `urn:ngsi-ld:${n % 5 !== 0 ? 'Sensor' : 'Device'}:${n}`);
    }
    console.log(`getEntity by id: ${Math.round(reads / ((performance.now() - t0) / 1000))} reads/s`);

    const sensorHot: EntityFilter = {
      type: { kind: 'type', iri: NS + 'Sensor' },
      q: { kind: 'compare', path: { attr: NS + 'temperature', sub: [], keys: [] }, op: '>', value: { kind: 'number', value: 20 } },
    };
    const shapes: Array<[string, EntityFilter]> = [
      ['type==Sensor; temperature>20 (~40% match)', sensorHot],
      ['type==Sensor; temperature>39.9 (~0.2% match)', {
        ...sensorHot,
        q: { kind: 'compare', path: { attr: NS + 'temperature', sub: [], keys: [] }, op: '>', value: { kind: 'number', value: 39.9 } },
      }],
      ['type==Sensor; status=="off"; scope /site/3', {
        type: { kind: 'type', iri: NS + 'Sensor' },
        q: { kind: 'compare', path: { attr: NS + 'status', sub: [], keys: [] }, op: '==', value: { kind: 'string', value: 'off' } },
        scopeQ: { kind: 'scope', segments: ['site', '3'] },
      }],
      ['type==Device (20% match)', { type: { kind: 'type', iri: NS + 'Device' } }],
      ['geo near 2 km, residual matcher', {
        geoQ: { georel: 'near', maxDistance: 2000, geometry: { type: 'Point', coordinates: [-3.5, 40.45] }, geoproperty: LOCATION },
      }],
      ['idPattern Sensor:1234', { idPattern: 'Sensor:1234\\d$' }],
    ];
    for (const [what, filter] of shapes) {
      for (const count of [false, true]) {
        let size = 0;
        let total: number | undefined;
        const t = await timeIt(async () => {
          const r = await store.queryEntities('', filter, { limit: 20, offset: 0, count });
          size = r.entities.length;
          total = r.count;
        }, 50);
        console.log(
          `query ${what}, page 20${count ? ' + count' : ''}: p50 ${t.p50.toFixed(2)} ms, p95 ${t.p95.toFixed(2)} ms` +
            ` (${size} returned${total === undefined ? '' : `, count ${total}`})`,
        );
      }
    }

    t0 = performance.now();
    const summary = await store.summarizeTypes('');
    console.log(`summarizeTypes: ${(performance.now() - t0).toFixed(0)} ms (${summary.length} types)`);

    await outboxCase(store);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
