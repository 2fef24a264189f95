/**
 * The data of the HTTP benchmarks (bench/run.ts, bench/auth-cost.ts): typical IoT twins
 * from a seeded generator, so that every run and every server under test loads the same
 * entities (BENCHMARKS.md, Method, "Data"), the preload, and the read and query requests.
 */
import type autocannon from 'autocannon';
import { mulberry32 } from '../test/helpers/rng';
import { API, check, type Weft } from './harness';

/** Deterministic pseudo-random numbers, so two runs load the same data. */
export const rng = mulberry32;

export const BATCH = 1000;
export const JSON_HEADERS: Record<string, string> = { 'content-type': 'application/json' };
/** Matches about half of the preloaded sensors (temperature is uniform in 0-40). */
export const QUERY = `type=Sensor&q=${encodeURIComponent('temperature>20')}&limit=20`;

export const sensorId = (i: number): string => `urn:ngsi-ld:Sensor:${String(i).padStart(6, '0')}`;

/** A typical IoT entity: 4 attributes, one with observedAt/unitCode, one GeoProperty, one Relationship. */
export function sensor(id: string, type: string, r: () => number): Record<string, unknown> {
  return {
    id,
    type,
    temperature: { type: 'Property', value: Math.round(r() * 400) / 10, unitCode: 'CEL', observedAt: '2025-01-01T12:00:00Z' },
    humidity: { type: 'Property', value: Math.round(r() * 100) },
    location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [2 + r(), 48 + r()] } },
    isIn: { type: 'Relationship', object: `urn:ngsi-ld:Room:${Math.floor(r() * 500)}` },
  };
}

export function batchBody(first: number, count: number, r: () => number): string {
  const out: Record<string, unknown>[] = [];
  for (let i = first; i < first + count; i++) out.push(sensor(sensorId(i), 'Sensor', r));
  return JSON.stringify(out);
}

/** Loads `entities` sensors (seed 42) with upsert batches of 1000, two requests in flight; returns entities/s. */
export async function preload(weft: Weft, entities: number): Promise<number> {
  const r = rng(42);
  const batches = Math.ceil(entities / BATCH);
  const headers = weft.headers(JSON_HEADERS);
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < batches) {
      const b = next++;
      const body = batchBody(b * BATCH, Math.min(BATCH, entities - b * BATCH), r);
      await check(`${weft.url}${API}/entityOperations/upsert`, { method: 'POST', headers, body }, [201, 204], `preload batch ${b}`);
    }
  };
  await Promise.all([worker(), worker()]);
  return entities / ((performance.now() - t0) / 1000);
}

/** GET /entities/{id} of a preloaded sensor picked at random (seeded) for every request. */
export function pointReads(entities: number, seed: number): autocannon.Request {
  const r = rng(seed);
  return {
    method: 'GET',
    setupRequest: (req) => {
      req.path = `${API}/entities/${sensorId(Math.floor(r() * entities))}`;
      return req;
    },
  };
}
