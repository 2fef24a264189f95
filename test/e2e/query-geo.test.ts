import { strict as assert } from 'node:assert';
import { startTestServer, type TestServer } from '../helpers/server';
import { BASE, ROOMS, assertProblem, enc, ids, idsOf, seed } from './query-fixtures';

/** A square around central Madrid: holds Room 1 and Room 3, not Paris. */
const MADRID: number[][][] = [[[-3.8, 40.3], [-3.6, 40.3], [-3.6, 40.5], [-3.8, 40.5], [-3.8, 40.3]]];
/** A small square around Room 1 only. */
const SOL: number[][][] = [[[-3.71, 40.41], [-3.70, 40.41], [-3.70, 40.42], [-3.71, 40.42], [-3.71, 40.41]]];
/** Half inside MADRID, half east of it. */
const EAST: number[][][] = [[[-3.65, 40.35], [-3.5, 40.35], [-3.5, 40.45], [-3.65, 40.45], [-3.65, 40.35]]];

const DISTRICT = {
  id: 'urn:ngsi-ld:District:madrid',
  type: 'District',
  location: { type: 'GeoProperty', value: { type: 'Polygon', coordinates: MADRID } },
};

describe('e2e: geo-queries (clause 4.10, 6.4.3.2)', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await seed(t, [...ROOMS, DISTRICT]);
  });
  after(async () => {
    await t.stop();
  });

  const geo = (georel: string, geometry: string, coordinates: unknown, extra = '') =>
    idsOf(t, `georel=${enc(georel)}&geometry=${geometry}&coordinates=${enc(JSON.stringify(coordinates))}${extra}`);
  const R1 = [-3.7038, 40.4168];

  it('near;maxDistance selects entities within that many metres of a Point', async () => {
    assert.deepEqual(await geo('near;maxDistance==500', 'Point', R1, '&type=Room'), ids('R1'));
    assert.deepEqual(await geo('near;maxDistance==2000', 'Point', R1, '&type=Room'), ids('R1', 'R3'));
    assert.deepEqual(await geo('near;maxDistance==2000000', 'Point', R1, '&type=Room'), ids('R1', 'R2', 'R3'));
  });

  it('near;minDistance selects entities at least that far, and both bounds combine', async () => {
    assert.deepEqual(await geo('near;minDistance==1000', 'Point', R1, '&type=Room'), ids('R2', 'R3'));
    assert.deepEqual(await geo('near;minDistance==1000;maxDistance==2000', 'Point', R1, '&type=Room'), ids('R3'));
  });

  it('within a polygon', async () => {
    assert.deepEqual(await geo('within', 'Polygon', MADRID, '&type=Room'), ids('R1', 'R3'));
    assert.deepEqual(await geo('within', 'Polygon', SOL), ids('R1'));
  });

  it('intersects a polygon (points inside, and polygons overlapping it)', async () => {
    const got = await geo('intersects', 'Polygon', SOL);
    assert.deepEqual(got, [...ids('R1'), DISTRICT.id].sort());
  });

  it('contains: the entity geometry contains the query geometry', async () => {
    assert.deepEqual(await geo('contains', 'Point', [-3.7, 40.4]), [DISTRICT.id]);
    assert.deepEqual(await geo('contains', 'Polygon', SOL), [DISTRICT.id]);
  });

  it('disjoint: entities whose geoproperty shares no point with the geometry', async () => {
    assert.deepEqual(await geo('disjoint', 'Polygon', MADRID), ids('R2'));
  });

  it('equals: the same geometry', async () => {
    assert.deepEqual(await geo('equals', 'Point', R1), ids('R1'));
    assert.deepEqual(await geo('equals', 'Polygon', MADRID), [DISTRICT.id]);
  });

  it('overlaps: same dimension, partly shared', async () => {
    assert.deepEqual(await geo('overlaps', 'Polygon', EAST), [DISTRICT.id]);
    assert.deepEqual(await geo('overlaps', 'Polygon', SOL), []);
  });

  it('uses the geoproperty given instead of location', async () => {
    assert.deepEqual(await geo('near;maxDistance==100', 'Point', [-3.69, 40.42], '&geoproperty=entrance'), ids('O1'));
    assert.deepEqual(await geo('within', 'Polygon', MADRID, '&geoproperty=entrance'), ids('O1'));
    // The point lies inside the district polygon (distance 0), but no room is located there.
    assert.deepEqual(await geo('near;maxDistance==100', 'Point', [-3.69, 40.42]), [DISTRICT.id]);
  });

  it('counts and pages geo-query results', async () => {
    const query = `georel=${enc('near;maxDistance==2000')}&geometry=Point&coordinates=${enc(JSON.stringify(R1))}&type=Room`;
    const res = await t.http.get(`${BASE}/entities?${query}&count=true&limit=1`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.headers['ngsild-results-count'], '2');
    assert.equal(res.body.length, 1);
    const rest = await t.http.get(`${BASE}/entities?${query}&limit=1&offset=1`);
    assert.deepEqual([res.body[0].id, rest.body[0].id].sort(), ids('R1', 'R3'));
  });

  it('combines a geo-query with q', async () => {
    assert.deepEqual(await geo('within', 'Polygon', MADRID, `&q=${enc('temperature>25')}`), ids('R3'));
  });

  it('answers 400 for an invalid georel, geometry or coordinates, or a partial geo-query', async () => {
    const bad = [
      `georel=nearby&geometry=Point&coordinates=${enc('[-3.7,40.4]')}`,
      `georel=near&geometry=Point&coordinates=${enc('[-3.7,40.4]')}`,
      `georel=${enc('near;maxDistance==-5')}&geometry=Point&coordinates=${enc('[-3.7,40.4]')}`,
      `georel=${enc('near;maxDistance==abc')}&geometry=Point&coordinates=${enc('[-3.7,40.4]')}`,
      `georel=${enc('near;maxDistance==100')}&geometry=Polygon&coordinates=${enc(JSON.stringify(MADRID))}`,
      `georel=${enc('within;maxDistance==100')}&geometry=Polygon&coordinates=${enc(JSON.stringify(MADRID))}`,
      `georel=within&geometry=Circle&coordinates=${enc('[-3.7,40.4]')}`,
      `georel=within&geometry=Polygon&coordinates=${enc('[[[-3.8,40.3],[-3.6,40.3],[-3.6,40.5]]]')}`,
      `georel=within&geometry=Polygon&coordinates=${enc('[[[-3.8,40.3],[-3.6,40.3],[-3.6,40.5],[-3.8,40.5],[-3.7,40.3]]]')}`,
      `georel=${enc('near;maxDistance==100')}&geometry=Point&coordinates=${enc('[-3.7,140.4]')}`,
      `georel=${enc('near;maxDistance==100')}&geometry=Point&coordinates=${enc('[-3.7,40.4')}`,
      `georel=${enc('near;maxDistance==100')}&geometry=Point&coordinates=${enc('["a","b"]')}`,
      `georel=within&geometry=Polygon`,
      `geometry=Point&coordinates=${enc('[-3.7,40.4]')}`,
      `georel=${enc('near;maxDistance==100')}&coordinates=${enc('[-3.7,40.4]')}`,
      `georel=${enc('near;maxDistance==100')}&geometry=Point&coordinates=${enc('[-3.7,40.4]')}&geoproperty=`,
    ];
    for (const query of bad) {
      const res = await t.http.get(`${BASE}/entities?type=Room&${query}`);
      assert.equal(res.status, 400, `${decodeURIComponent(query)}: ${JSON.stringify(res.body)}`);
      assertProblem(res, 400, 'BadRequestData');
    }
    assert.equal((await idsOf(t, 'type=Room')).length, 4);
  });
});
