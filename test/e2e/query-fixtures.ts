/**
 * Shared data and helpers of the query e2e suites (query*.test.ts): a handful of rooms and
 * offices with every kind of value q can address.
 */
import { strict as assert } from 'node:assert';
import type { TestServer } from '../helpers/server';

export const BASE = '/ngsi-ld/v1';

export type Res = { status: number; body: { type?: string } & Record<string, unknown>; headers: Record<string, string> };

export function assertProblem(res: Res, status: number, problem: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.headers['content-type'], 'application/json');
  assert.equal(res.body.type, problem.startsWith('urn:') ? problem : `https://uri.etsi.org/ngsi-ld/errors/${problem}`);
}

const point = (lon: number, lat: number) => ({ type: 'GeoProperty', value: { type: 'Point', coordinates: [lon, lat] } });

/** Madrid Sol is at about (-3.7038, 40.4168). */
export const ROOMS: Record<string, unknown>[] = [
  {
    id: 'urn:ngsi-ld:Room:1',
    type: 'Room',
    temperature: { type: 'Property', value: 21, unitCode: 'CEL', observedAt: '2024-01-01T10:00:00Z' },
    name: { type: 'Property', value: 'Kitchen' },
    open: { type: 'Property', value: true },
    installedAt: { type: 'Property', value: { '@type': 'DateTime', '@value': '2023-05-01T00:00:00Z' } },
    owner: { type: 'Relationship', object: 'urn:ngsi-ld:Person:ana' },
    address: { type: 'Property', value: { city: 'Madrid', zip: '28001' } },
    location: point(-3.7038, 40.4168),
    scope: '/Madrid/Centro',
  },
  {
    id: 'urn:ngsi-ld:Room:2',
    type: 'Room',
    temperature: { type: 'Property', value: 25, unitCode: 'CEL', observedAt: '2024-01-02T10:00:00Z' },
    name: { type: 'Property', value: 'Living room' },
    open: { type: 'Property', value: false },
    installedAt: { type: 'Property', value: { '@type': 'DateTime', '@value': '2021-01-01T00:00:00Z' } },
    owner: { type: 'Relationship', object: 'urn:ngsi-ld:Person:bob' },
    address: { type: 'Property', value: { city: 'Paris', zip: '75001' } },
    humidity: { type: 'Property', value: 40 },
    location: point(2.3522, 48.8566),
    scope: ['/Paris'],
  },
  {
    id: 'urn:ngsi-ld:Room:3',
    type: 'Room',
    temperature: {
      type: 'Property',
      value: 30,
      observedAt: '2024-01-03T10:00:00Z',
      accuracy: { type: 'Property', value: 0.5 },
    },
    name: { type: 'Property', value: 'Bathroom' },
    // About 1.2 km north of Room 1.
    location: point(-3.7038, 40.4276),
    scope: '/Madrid/Norte/Chamartin',
  },
  {
    id: 'urn:ngsi-ld:Office:1',
    type: ['Room', 'Office'],
    temperature: { type: 'Property', value: 18 },
    name: { type: 'Property', value: 'Boardroom' },
    entrance: point(-3.69, 40.42),
    scope: ['/Madrid/Centro/Sol', '/Company'],
  },
  {
    id: 'urn:ngsi-ld:Office:2',
    type: 'Office',
    temperature: { type: 'Property', value: 22 },
    name: { type: 'Property', value: "O'Brien's office" },
  },
];

export async function seed(t: TestServer, entities = ROOMS, tenant?: string): Promise<void> {
  for (const e of entities) {
    const req = t.http.post(`${BASE}/entities`).set('Content-Type', 'application/json');
    if (tenant) req.set('NGSILD-Tenant', tenant);
    const res = await req.send(JSON.stringify(e));
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
}

/** GET /entities with the given raw query string; answers the sorted ids (asserting 200). */
export async function idsOf(t: TestServer, query: string): Promise<string[]> {
  const res = await t.http.get(`${BASE}/entities?${query}`);
  assert.equal(res.status, 200, `${query}: ${JSON.stringify(res.body)}`);
  assert.equal(res.headers['content-type'], 'application/json');
  assert.ok(Array.isArray(res.body), `${query}: an array`);
  return (res.body as { id: string }[]).map((e) => e.id).sort();
}

/** Short ids: 'R1' = urn:ngsi-ld:Room:1, 'O2' = urn:ngsi-ld:Office:2. */
export function ids(...short: string[]): string[] {
  return short
    .map((s) => `urn:ngsi-ld:${s[0] === 'R' ? 'Room' : 'Office'}:${s.slice(1)}`)
    .sort();
}

export const enc = encodeURIComponent;
