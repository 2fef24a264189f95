import { strict as assert } from 'node:assert';
import { AccessGuard } from '../../src/broker/access';
import pino from 'pino';
import supertest from 'supertest';
import { createBrokerServices } from '../../src/broker';
import { ChangeFeed } from '../../src/broker/changes';
import { createApp } from '../../src/http/app';
import { ContextManager } from '../../src/ngsi/jsonld/manager';
import type { EntityStore } from '../../src/store/port';
import { createSqliteStore } from '../../src/store/sqlite';
import { startTestServer, type TestServer } from '../helpers/server';

const BASE = '/ngsi-ld/v1';
const ID = 'urn:ngsi-ld:Sensor:1';
const T = (h: number, m = 0): string => `2024-05-01T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00Z`;
const ISO = (h: number, m = 0): string => new Date(T(h, m)).toISOString();
const NULL = 'urn:ngsi-ld:null';

describe('e2e: temporal API (TRoE, clause 6.18-6.22)', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer();
  });
  afterEach(async () => {
    await t.stop();
  });

  const json = (req: ReturnType<TestServer['http']['post']>, body: unknown) => req.set('Content-Type', 'application/json').send(JSON.stringify(body));
  const temp = (value: number, h: number) => ({ type: 'Property', value, observedAt: T(h) });

  function assertProblem(res: { status: number; body: { type?: string } }, status: number, problem: string): void {
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.body.type, `https://uri.etsi.org/ngsi-ld/errors/${problem}`);
  }

  /** A sensor observed at 01:00 (20), 02:00 (21) and 03:00 (22), through the ordinary API. */
  async function sensorWithHistory(): Promise<void> {
    assert.equal((await json(t.http.post(`${BASE}/entities`), { id: ID, type: 'Sensor', temperature: temp(20, 1), name: { type: 'Property', value: 'one' } })).status, 201);
    assert.equal((await json(t.http.patch(`${BASE}/entities/${ID}/attrs`), { temperature: temp(21, 2) })).status, 204);
    assert.equal((await json(t.http.patch(`${BASE}/entities/${ID}/attrs`), { temperature: temp(22, 3) })).status, 204);
  }

  const values = (attr: Array<{ value: unknown }>): unknown[] => attr.map((i) => i.value);

  describe('recording through the ordinary API', () => {
    it('a create and two updates give three temperature instances and one name instance', async () => {
      await sensorWithHistory();
      const res = await t.http.get(`${BASE}/temporal/entities/${ID}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.headers['content-type'], 'application/json');
      assert.equal(res.body.id, ID);
      assert.equal(res.body.type, 'Sensor');
      assert.deepEqual(values(res.body.temperature), [20, 21, 22]);
      assert.deepEqual(res.body.temperature.map((i: { observedAt: string }) => i.observedAt), [T(1), T(2), T(3)]);
      for (const i of res.body.temperature) assert.match(i.instanceId, /^urn:ngsi-ld:attribute:instance:/);
      assert.deepEqual(values(res.body.name), ['one']);
    });

    it('batch upserts record too', async () => {
      const upsert = (v: number, h: number) => json(t.http.post(`${BASE}/entityOperations/upsert`), [{ id: ID, type: 'Sensor', temperature: temp(v, h) }]);
      assert.ok([201, 204].includes((await upsert(1, 1)).status));
      assert.ok([201, 204].includes((await upsert(2, 2)).status));
      const res = await t.http.get(`${BASE}/temporal/entities/${ID}?options=temporalValues`);
      assert.deepEqual(res.body.temperature, { type: 'Property', values: [[1, T(1)], [2, T(2)]] });
    });

    it('the history outlives the entity, each attribute ending in a deletion marker', async () => {
      await sensorWithHistory();
      assert.equal((await t.http.delete(`${BASE}/entities/${ID}`)).status, 204);
      const res = await t.http.get(`${BASE}/temporal/entities/${ID}?attrs=temperature`);
      assert.deepEqual(values(res.body.temperature), [20, 21, 22, NULL]);
      assert.equal(res.body.name, undefined);
      const series = await t.http.get(`${BASE}/temporal/entities/${ID}?options=temporalValues`);
      assert.deepEqual(series.body.temperature.values.map((p: unknown[]) => p[0]), [20, 21, 22]);
      assert.deepEqual(series.body.name.values.map((p: unknown[]) => p[0]), ['one']);
    });
  });

  describe('deletion markers (deletedAt; clause 4.5.7, 5.2.1)', () => {
    it('deleting an attribute records {value: urn:ngsi-ld:null, deletedAt} at the write time', async () => {
      await sensorWithHistory();
      const before = Date.now();
      assert.equal((await t.http.delete(`${BASE}/entities/${ID}/attrs/name`)).status, 204);
      const res = await t.http.get(`${BASE}/temporal/entities/${ID}?attrs=name`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const [kept, marker] = res.body.name;
      assert.equal(kept.value, 'one');
      assert.deepEqual(Object.keys(marker).sort(), ['deletedAt', 'instanceId', 'type', 'value']);
      assert.equal(marker.type, 'Property');
      assert.equal(marker.value, NULL);
      assert.ok(Date.parse(marker.deletedAt) >= before - 1000, marker.deletedAt);
      assert.match(marker.instanceId, /^urn:ngsi-ld:attribute:instance:/);
      // sysAttrs shows the marker's modifiedAt (the deletion) too.
      const sys = await t.http.get(`${BASE}/temporal/entities/${ID}?attrs=name&options=sysAttrs`);
      assert.equal(sys.body.name[1].modifiedAt, marker.deletedAt);
    });

    it('a merge that deletes an attribute with urn:ngsi-ld:null records a marker; aggregations leave it out', async () => {
      await sensorWithHistory();
      assert.equal((await json(t.http.patch(`${BASE}/entities/${ID}`), { temperature: NULL })).status, 204);
      const res = await t.http.get(`${BASE}/temporal/entities/${ID}?attrs=temperature`);
      assert.deepEqual(values(res.body.temperature), [20, 21, 22, NULL]);
      assert.ok(res.body.temperature[3].deletedAt);
      const agg = await t.http.get(`${BASE}/temporal/entities/${ID}?attrs=temperature&options=aggregatedValues&aggrMethods=totalCount,max`);
      assert.equal(agg.body.temperature.totalCount[0][0], 3);
      assert.equal(agg.body.temperature.max[0][0], 22);
    });
  });

  describe('temporal queries (clause 6.18.3.1, 6.24)', () => {
    it('timerel before / after / between on observedAt, and lastN', async () => {
      await sensorWithHistory();
      const q = async (params: string): Promise<unknown[]> => {
        const res = await t.http.get(`${BASE}/temporal/entities?type=Sensor&attrs=temperature&${params}`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        return res.body.length === 0 ? [] : values(res.body[0].temperature);
      };
      assert.deepEqual(await q(`timerel=before&timeAt=${T(2)}`), [20]);
      assert.deepEqual(await q(`timerel=after&timeAt=${T(1)}`), [21, 22]);
      assert.deepEqual(await q(`timerel=between&timeAt=${T(2)}&endTimeAt=${T(3)}`), [21]);
      assert.deepEqual(await q(`timerel=after&timeAt=${T(5)}`), []);
      assert.deepEqual(await q('lastN=2'), [21, 22]);
    });

    it('counts matching entities and pages them', async () => {
      await sensorWithHistory();
      await json(t.http.post(`${BASE}/entities`), { id: 'urn:ngsi-ld:Sensor:2', type: 'Sensor', temperature: temp(5, 1) });
      const res = await t.http.get(`${BASE}/temporal/entities?type=Sensor&count=true&limit=1&offset=1`);
      assert.equal(res.headers['ngsild-results-count'], '2');
      assert.deepEqual(res.body.map((e: { id: string }) => e.id), ['urn:ngsi-ld:Sensor:2']);
    });

    it('POST /temporal/entityOperations/query takes the temporal query in temporalQ', async () => {
      await sensorWithHistory();
      const res = await json(t.http.post(`${BASE}/temporal/entityOperations/query?options=temporalValues`), {
        type: 'Query', entities: [{ type: 'Sensor' }], attrs: ['temperature'],
        temporalQ: { timerel: 'after', timeAt: T(1) },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, [{ id: ID, type: 'Sensor', temperature: { type: 'Property', values: [[21, T(2)], [22, T(3)]] } }]);
    });

    it('timeproperty=modifiedAt selects by the time of the write', async () => {
      await sensorWithHistory();
      const future = new Date(Date.now() + 3_600_000).toISOString();
      const res = await t.http.get(`${BASE}/temporal/entities/${ID}?timeproperty=modifiedAt&timerel=before&timeAt=${future}&attrs=temperature`);
      assert.deepEqual(values(res.body.temperature), [20, 21, 22]);
      const none = await t.http.get(`${BASE}/temporal/entities/${ID}?timeproperty=modifiedAt&timerel=after&timeAt=${future}`);
      assert.equal(none.body.temperature, undefined);
    });
  });

  describe('aggregatedValues (clause 4.5.19)', () => {
    it('aggregates by hour over hand-made data', async () => {
      const doc = {
        id: ID, type: 'Sensor',
        temperature: [
          { type: 'Property', value: 10, observedAt: T(10, 5) },
          { type: 'Property', value: 20, observedAt: T(10, 35) },
          { type: 'Property', value: 30, observedAt: T(11, 10) },
          { type: 'Property', value: 4, observedAt: T(12, 50) },
          { type: 'Property', value: 8, observedAt: T(12, 55) },
        ],
      };
      assert.equal((await json(t.http.post(`${BASE}/temporal/entities`), doc)).status, 201);
      const res = await t.http.get(
        `${BASE}/temporal/entities/${ID}?options=aggregatedValues&aggrMethods=totalCount,sum,avg,min,max,sumsq,stddev&aggrPeriodDuration=PT1H` +
          `&timerel=between&timeAt=${T(10)}&endTimeAt=${T(13)}`,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const h10 = [ISO(10), ISO(11)];
      const h11 = [ISO(11), ISO(12)];
      const h12 = [ISO(12), ISO(13)];
      assert.deepEqual(res.body.temperature, {
        type: 'Property',
        totalCount: [[2, ...h10], [1, ...h11], [2, ...h12]],
        sum: [[30, ...h10], [30, ...h11], [12, ...h12]],
        avg: [[15, ...h10], [30, ...h11], [6, ...h12]],
        min: [[10, ...h10], [30, ...h11], [4, ...h12]],
        max: [[20, ...h10], [30, ...h11], [8, ...h12]],
        sumsq: [[500, ...h10], [900, ...h11], [80, ...h12]],
        // sample standard deviation: sqrt(((10-15)^2 + (20-15)^2) / 1), sqrt(((4-6)^2 + (8-6)^2) / 1)
        stddev: [[Math.sqrt(50), ...h10], [0, ...h11], [Math.sqrt(8), ...h12]],
      });
    });

    it('refuses with 403 TooManyResults an aggregation that would load more instances than the maximum into memory', async () => {
      await t.stop();
      t = await startTestServer({ temporalMaxAggregatedInstances: 3 });
      // Text values cannot be aggregated in SQL: the instances are read into memory.
      const doc = { id: ID, type: 'Sensor', state: [1, 2, 3, 4].map((h) => ({ type: 'Property', value: `s${h % 2}`, observedAt: T(h) })) };
      assert.equal((await json(t.http.post(`${BASE}/temporal/entities`), doc)).status, 201);
      const all = `${BASE}/temporal/entities/${ID}?options=aggregatedValues&aggrMethods=totalCount,distinctCount`;
      const refused = await t.http.get(all);
      assertProblem(refused, 403, 'TooManyResults');
      assert.match(refused.body.detail, /more than 3 instances.*narrow the time range/);
      assertProblem(await t.http.get(`${all}&lastN=4`), 403, 'TooManyResults');
      const narrowed = await t.http.get(`${all}&timerel=before&timeAt=${T(4)}`);
      assert.equal(narrowed.status, 200, JSON.stringify(narrowed.body));
      assert.deepEqual(narrowed.body.state.totalCount, [[3, ISO(1), ISO(4)]]);
      assert.deepEqual(narrowed.body.state.distinctCount, [[2, ISO(1), ISO(4)]]);
      const last = await t.http.get(`${all}&lastN=3`);
      assert.equal(last.status, 200, JSON.stringify(last.body));
      assert.deepEqual(last.body.state.totalCount.map((p: unknown[]) => p[0]), [3]);
      // Numbers aggregate in SQL: no instance is loaded, so no maximum applies.
      const numbers = { id: 'urn:ngsi-ld:Sensor:2', type: 'Sensor', speed: [1, 2, 3, 4, 5].map((h) => ({ type: 'Property', value: h, observedAt: T(h) })) };
      assert.equal((await json(t.http.post(`${BASE}/temporal/entities`), numbers)).status, 201);
      const sums = await t.http.get(`${BASE}/temporal/entities/urn:ngsi-ld:Sensor:2?options=aggregatedValues&aggrMethods=sum`);
      assert.equal(sums.status, 200, JSON.stringify(sums.body));
      assert.equal(sums.body.speed.sum[0][0], 15);
    });

    it('needs aggrMethods', async () => {
      await sensorWithHistory();
      assertProblem(await t.http.get(`${BASE}/temporal/entities/${ID}?options=aggregatedValues`), 400, 'BadRequestData');
      assertProblem(await t.http.get(`${BASE}/temporal/entities/${ID}?options=aggregatedValues&aggrMethods=avg&aggrPeriodDuration=1H`), 400, 'BadRequestData');
    });
  });

  describe('temporal writes (clause 6.18.3.2, 6.20-6.22)', () => {
    it('POST creates (201) then appends (204) history only; instances can be added, modified and deleted', async () => {
      const doc = { id: ID, type: 'Sensor', speed: [{ type: 'Property', value: 1, observedAt: T(1) }, { type: 'Property', value: 2, observedAt: T(2) }] };
      const created = await json(t.http.post(`${BASE}/temporal/entities`), doc);
      assert.equal(created.status, 201);
      assert.equal(created.headers.location, `/ngsi-ld/v1/temporal/entities/${encodeURIComponent(ID)}`);
      assert.equal((await json(t.http.post(`${BASE}/temporal/entities`), { id: ID, type: 'Sensor', speed: [{ type: 'Property', value: 3, observedAt: T(3) }] })).status, 204);
      assert.equal((await json(t.http.post(`${BASE}/temporal/entities/${ID}/attrs`), { speed: { type: 'Property', value: 4, observedAt: T(4) } })).status, 204);
      // History only: no current entity appears.
      assert.equal((await t.http.get(`${BASE}/entities/${ID}`)).status, 404);

      let speed = (await t.http.get(`${BASE}/temporal/entities/${ID}`)).body.speed as Array<{ value: number; instanceId: string }>;
      assert.deepEqual(values(speed), [1, 2, 3, 4]);
      const patched = await json(t.http.patch(`${BASE}/temporal/entities/${ID}/attrs/speed/${speed[1].instanceId}`), { speed: [{ type: 'Property', value: 20 }] });
      assert.equal(patched.status, 204, JSON.stringify(patched.body));
      assert.equal((await t.http.delete(`${BASE}/temporal/entities/${ID}/attrs/speed/${speed[0].instanceId}`)).status, 204);
      assertProblem(await t.http.delete(`${BASE}/temporal/entities/${ID}/attrs/speed/${speed[0].instanceId}`), 404, 'ResourceNotFound');
      speed = (await t.http.get(`${BASE}/temporal/entities/${ID}`)).body.speed;
      assert.deepEqual(values(speed), [20, 3, 4]);

      assert.equal((await t.http.delete(`${BASE}/temporal/entities/${ID}/attrs/speed`)).status, 204);
      assertProblem(await t.http.delete(`${BASE}/temporal/entities/${ID}/attrs/speed`), 404, 'ResourceNotFound');
      assert.equal((await t.http.delete(`${BASE}/temporal/entities/${ID}`)).status, 204);
      assertProblem(await t.http.get(`${BASE}/temporal/entities/${ID}`), 404, 'ResourceNotFound');
    });

    it('appending to an unknown history is 404', async () => {
      assertProblem(await json(t.http.post(`${BASE}/temporal/entities/${ID}/attrs`), { speed: { type: 'Property', value: 4 } }), 404, 'ResourceNotFound');
    });
  });

  describe('errors', () => {
    it('a bad timerel, a missing or malformed timeAt and a bad lastN are 400 BadRequestData', async () => {
      await sensorWithHistory();
      for (const params of ['timerel=during&timeAt=2024-01-01T00:00:00Z', 'timerel=before', 'timerel=after&timeAt=noon', 'timerel=between&timeAt=2024-01-01T00:00:00Z', 'lastN=0', 'timeproperty=x']) {
        assertProblem(await t.http.get(`${BASE}/temporal/entities?type=Sensor&${params}`), 400, 'BadRequestData');
      }
      assertProblem(await t.http.get(`${BASE}/temporal/entities?type=Sensor&georel=near`), 400, 'BadRequestData');
      assertProblem(await t.http.get(`${BASE}/temporal/entities?timerel=before&timeAt=2024-01-01T00:00:00Z`), 400, 'BadRequestData');
      assertProblem(await t.http.get(`${BASE}/temporal/entities?type=Sensor&foo=1`), 400, 'BadRequestData');
    });

    it('an unknown entity is 404 ResourceNotFound, an unknown tenant 404 NonexistentTenant', async () => {
      assertProblem(await t.http.get(`${BASE}/temporal/entities/urn:ngsi-ld:Sensor:none`), 404, 'ResourceNotFound');
      assertProblem(await t.http.get(`${BASE}/temporal/entities/${ID}`).set('NGSILD-Tenant', 'nobody'), 404, 'NonexistentTenant');
      assertProblem(await t.http.get(`${BASE}/temporal/entities?type=Sensor`).set('NGSILD-Tenant', 'nobody'), 404, 'NonexistentTenant');
    });

    it('tenants are isolated', async () => {
      const doc = { id: ID, type: 'Sensor', speed: { type: 'Property', value: 1 } };
      assert.equal((await json(t.http.post(`${BASE}/temporal/entities`).set('NGSILD-Tenant', 'acme'), doc)).status, 201);
      assert.equal((await t.http.get(`${BASE}/temporal/entities/${ID}`).set('NGSILD-Tenant', 'acme')).status, 200);
      assertProblem(await t.http.get(`${BASE}/temporal/entities/${ID}`), 404, 'ResourceNotFound');
    });
  });
});

describe('e2e: --record-history=false', () => {
  it('records no history for entity writes, while the temporal API still takes explicit history', async () => {
    const t = await startTestServer({ recordHistory: false });
    try {
      const sensor = { id: ID, type: 'Sensor', temperature: { type: 'Property', value: 20, observedAt: T(1) } };
      await t.http.post(`${BASE}/entities`).send(sensor).expect(201);
      await t.http.patch(`${BASE}/entities/${ID}/attrs`).send({ temperature: { type: 'Property', value: 21, observedAt: T(2) } }).expect(204);
      const none = await t.http.get(`${BASE}/temporal/entities/${ID}`);
      assert.equal(none.status, 404, JSON.stringify(none.body));
      await t.http.post(`${BASE}/temporal/entities`).send({ id: 'urn:ngsi-ld:Sensor:2', type: 'Sensor', temperature: [{ type: 'Property', value: 5, observedAt: T(3) }] }).expect(201);
      const explicit = await t.http.get(`${BASE}/temporal/entities/urn:ngsi-ld:Sensor:2`).expect(200);
      assert.deepEqual(explicit.body.temperature.map((i: { value: number }) => i.value), [5]);
    } finally {
      await t.stop();
    }
  });
});

describe('e2e: Content-Range paging of temporal instances (clause 6.3.10)', () => {
  // A server whose maximum is 3 instances per attribute (--temporal-max-instances 3),
  // assembled by hand like server.ts does.
  let store: EntityStore;
  let http: ReturnType<typeof supertest>;
  beforeEach(async () => {
    store = createSqliteStore({ memory: true });
    const deps = { store, feed: new ChangeFeed(), now: () => new Date().toISOString(), limits: { maxBatchEntities: 100, defaultLimit: 20, maxLimit: 1000, temporalMaxInstances: 3 }, access: new AccessGuard(undefined) };
    http = supertest(createApp({
      ...createBrokerServices(deps),
      contexts: new ContextManager({ store, selfBaseUrl: 'http://127.0.0.1:1', fetchTimeoutMs: 100, maxContextBytes: 100_000, cacheSize: 10 }),
      limits: { defaultLimit: 20, maxLimit: 1000, maxBodyBytes: 1_000_000 },
      log: pino({ level: 'silent' }),
    }));
    // speed at 01:00 .. 07:00 (values 1 .. 7), fuel at 02:00 and 06:00.
    const doc = {
      id: ID, type: 'Car',
      speed: [1, 2, 3, 4, 5, 6, 7].map((h) => ({ type: 'Property', value: h, observedAt: T(h) })),
      fuel: [2, 6].map((h) => ({ type: 'Property', value: h * 10, observedAt: T(h) })),
    };
    await http.post(`${BASE}/temporal/entities`).set('Content-Type', 'application/json').send(JSON.stringify(doc)).expect(201);
  });
  afterEach(() => store.close());

  const page = (res: { body: { speed?: Array<{ value: number }>; fuel?: Array<{ value: number }> } }) => ({
    speed: (res.body.speed ?? []).map((i) => i.value),
    fuel: (res.body.fuel ?? []).map((i) => i.value),
  });

  it('cuts forwards at the maximum: 206, every attribute to the common range, then the client goes on from its end', async () => {
    const first = await http.get(`${BASE}/temporal/entities/${ID}`);
    assert.equal(first.status, 206, JSON.stringify(first.body));
    assert.equal(first.headers['content-range'], `date-time ${ISO(1)}-${ISO(3)}/*`);
    assert.deepEqual(page(first), { speed: [1, 2, 3], fuel: [20] });

    const second = await http.get(`${BASE}/temporal/entities/${ID}?timerel=after&timeAt=${ISO(3)}`);
    assert.equal(second.status, 206);
    assert.equal(second.headers['content-range'], `date-time ${ISO(3)}-${ISO(6)}/*`);
    assert.deepEqual(page(second), { speed: [4, 5, 6], fuel: [60] });

    const last = await http.get(`${BASE}/temporal/entities/${ID}?timerel=after&timeAt=${ISO(6)}`);
    assert.equal(last.status, 200);
    assert.equal(last.headers['content-range'], undefined);
    assert.deepEqual(page(last), { speed: [7], fuel: [] });
  });

  it('with lastN above the maximum pages backwards, size lastN; lastN within it is a plain 200', async () => {
    const newest = await http.get(`${BASE}/temporal/entities/${ID}?lastN=5`);
    assert.equal(newest.status, 206);
    assert.equal(newest.headers['content-range'], `date-time ${ISO(7)}-${ISO(5)}/5`);
    assert.deepEqual(page(newest), { speed: [5, 6, 7], fuel: [60] });
    const older = await http.get(`${BASE}/temporal/entities/${ID}?lastN=5&timerel=before&timeAt=${ISO(5)}`);
    assert.equal(older.headers['content-range'], `date-time ${ISO(5)}-${ISO(2)}/5`);
    assert.deepEqual(page(older), { speed: [2, 3, 4], fuel: [20] });

    const within = await http.get(`${BASE}/temporal/entities/${ID}?lastN=2`);
    assert.equal(within.status, 200);
    assert.deepEqual(page(within), { speed: [6, 7], fuel: [20, 60] });
  });

  it('applies to queries and the temporalValues view too', async () => {
    const res = await http.get(`${BASE}/temporal/entities?type=Car&options=temporalValues&timerel=between&timeAt=${ISO(2)}&endTimeAt=${ISO(7)}`);
    assert.equal(res.status, 206, JSON.stringify(res.body));
    assert.equal(res.headers['content-range'], `date-time ${ISO(2)}-${ISO(4)}/*`);
    assert.deepEqual(res.body[0].speed.values, [[2, T(2)], [3, T(3)], [4, T(4)]]);
    const post = await http.post(`${BASE}/temporal/entityOperations/query`).set('Content-Type', 'application/json')
      .send(JSON.stringify({ type: 'Query', entities: [{ type: 'Car' }], temporalQ: { lastN: 4 } }));
    assert.equal(post.status, 206);
    assert.equal(post.headers['content-range'], `date-time ${ISO(7)}-${ISO(5)}/4`);
  });
  describe('aggregatedValues: the maximum applies to periods, over the whole range', () => {
    const CAR = 'urn:ngsi-ld:Car:9';
    // 10 instances over 5 hours, at hh:10 and hh:40 (values 1 .. 10): speed in numbers
    // (aggregated in SQL), mode in strings (aggregated in memory).
    const at = (i: number): string => T(Math.floor(i / 2), i % 2 === 0 ? 10 : 40);
    beforeEach(async () => {
      const doc = {
        id: CAR, type: 'Vehicle',
        speed: Array.from({ length: 10 }, (_, i) => ({ type: 'Property', value: i + 1, observedAt: at(i) })),
        mode: Array.from({ length: 10 }, (_, i) => ({ type: 'Property', value: `m${i + 1}`, observedAt: at(i) })),
      };
      await http.post(`${BASE}/temporal/entities`).set('Content-Type', 'application/json').send(JSON.stringify(doc)).expect(201);
    });
    const aggr = (period: string, from: string, to: string) =>
      http.get(`${BASE}/temporal/entities/${CAR}?options=aggregatedValues&aggrMethods=totalCount,sum&aggrPeriodDuration=${period}`
        + `&timerel=between&timeAt=${from}&endTimeAt=${to}`);

    it('aggregates all 10 instances, not the first 3: 200 while the periods stay within the maximum', async () => {
      const res = await aggr('PT2H', ISO(0), ISO(6));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.headers['content-range'], undefined);
      assert.deepEqual(res.body.speed.totalCount, [[4, ISO(0), ISO(2)], [4, ISO(2), ISO(4)], [2, ISO(4), ISO(6)]]);
      assert.deepEqual(res.body.speed.sum.map((p: unknown[]) => p[0]), [10, 26, 19]);
      assert.deepEqual(res.body.mode.totalCount, res.body.speed.totalCount);
      const whole = await http.get(`${BASE}/temporal/entities/${CAR}?options=aggregatedValues&aggrMethods=totalCount,avg`);
      assert.equal(whole.status, 200);
      assert.deepEqual(whole.body.speed.totalCount, [[10, ISO(0, 10), ISO(4, 40)]]);
      assert.deepEqual(whole.body.speed.avg.map((p: unknown[]) => p[0]), [5.5]);
    });

    it('by hour: 5 whole periods over all 10 instances, the first 3 of them returned with 206', async () => {
      const res = await aggr('PT1H', ISO(0), ISO(5));
      assert.equal(res.status, 206, JSON.stringify(res.body));
      assert.equal(res.headers['content-range'], `date-time ${ISO(0)}-${ISO(3)}/*`);
      assert.deepEqual(res.body.speed.totalCount, [0, 1, 2].map((h) => [2, ISO(h), ISO(h + 1)]));
      assert.deepEqual(res.body.speed.sum.map((p: unknown[]) => p[0]), [3, 7, 11]);
      assert.deepEqual(res.body.mode.totalCount, res.body.speed.totalCount);
      const rest = await aggr('PT1H', ISO(3), ISO(5));
      assert.equal(rest.status, 200);
      assert.deepEqual(rest.body.speed.sum, [[15, ISO(3), ISO(4)], [19, ISO(4), ISO(5)]]);
    });

    it('by 30 minutes: more periods than the maximum gives the first 3 and 206, then the client goes on', async () => {
      const first = await aggr('PT30M', ISO(0), ISO(5));
      assert.equal(first.status, 206, JSON.stringify(first.body));
      assert.equal(first.headers['content-range'], `date-time ${ISO(0)}-${ISO(1, 30)}/*`);
      assert.deepEqual(first.body.speed.sum, [[1, ISO(0), ISO(0, 30)], [2, ISO(0, 30), ISO(1)], [3, ISO(1), ISO(1, 30)]]);
      assert.deepEqual(first.body.mode.totalCount.map((p: unknown[]) => p.slice(1)), first.body.speed.sum.map((p: unknown[]) => p.slice(1)));

      const next = await aggr('PT30M', ISO(1, 30), ISO(5));
      assert.equal(next.status, 206);
      assert.equal(next.headers['content-range'], `date-time ${ISO(1, 30)}-${ISO(3)}/*`);
      assert.deepEqual(next.body.speed.sum.map((p: unknown[]) => p[0]), [4, 5, 6]);
    });

    it('the normalized representation of the same data is still cut at 3 instances', async () => {
      const res = await http.get(`${BASE}/temporal/entities/${CAR}`);
      assert.equal(res.status, 206);
      assert.equal(res.headers['content-range'], `date-time ${ISO(0, 10)}-${ISO(1, 10)}/*`);
      assert.deepEqual(res.body.speed.map((i: { value: number }) => i.value), [1, 2, 3]);
      assert.deepEqual(res.body.mode.map((i: { value: string }) => i.value), ['m1', 'm2', 'm3']);
    });
  });
});
