import { strict as assert } from 'node:assert';
import { CORE_CONTEXT, startTestServer, type TestServer } from '../helpers/server';
import { BASE, ROOMS, assertProblem, ids, seed } from './query-fixtures';

describe('e2e: POST /entityOperations/query (clause 6.23, Query 5.2.23)', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await seed(t);
  });
  after(async () => {
    await t.stop();
  });

  const post = (body: unknown, query = '', type = 'application/json') =>
    t.http.post(`${BASE}/entityOperations/query${query}`).set('Content-Type', type).send(JSON.stringify(body));
  const idsOf = async (body: unknown, query = ''): Promise<string[]> => {
    const res = await post(body, query);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.headers['content-type'], 'application/json');
    return (res.body as { id: string }[]).map((e) => e.id).sort();
  };

  it('selects with entities[] by type, by id and by idPattern', async () => {
    assert.deepEqual(await idsOf({ type: 'Query', entities: [{ type: 'Office' }] }), ids('O1', 'O2'));
    assert.deepEqual(await idsOf({ type: 'Query', entities: [{ type: 'Office' }, { type: 'Room' }] }), ids('R1', 'R2', 'R3', 'O1', 'O2'));
    assert.deepEqual(await idsOf({ type: 'Query', entities: [{ id: 'urn:ngsi-ld:Room:1', type: 'Room' }, { id: 'urn:ngsi-ld:Room:2', type: 'Room' }] }), ids('R1', 'R2'));
    assert.deepEqual(await idsOf({ type: 'Query', entities: [{ idPattern: 'Room:[12]$', type: 'Room' }] }), ids('R1', 'R2'));
    assert.deepEqual(await idsOf({ type: 'Query', entities: [{ type: 'Room;Office' }] }), ids('O1'));
  });

  it('ORs selectors that mix ids, idPatterns and types (clause 5.2.23), and ANDs them with q', async () => {
    const mixed = { type: 'Query', entities: [{ id: 'urn:ngsi-ld:Room:3' }, { idPattern: 'Room:1$', type: 'Room' }, { type: 'Office' }] };
    assert.deepEqual(await idsOf(mixed), ids('R1', 'R3', 'O1', 'O2'));
    const hot = ((await t.http.get(`${BASE}/entities?q=temperature>=25&limit=100`)).body as { id: string }[]).map((e) => e.id);
    const expected = ids('R1', 'R3', 'O1', 'O2').filter((id) => hot.includes(id));
    assert.ok(expected.length > 0 && expected.length < 4, 'the fixture splits the selection');
    assert.deepEqual(await idsOf({ ...mixed, q: 'temperature>=25' }), expected);
  });

  it('filters with q, projects with attrs', async () => {
    const res = await post({ type: 'Query', entities: [{ type: 'Room' }], q: 'temperature>=25', attrs: ['name'] });
    assert.equal(res.status, 200);
    const body = (res.body as Array<Record<string, unknown>>).sort((a, b) => String(a.id).localeCompare(String(b.id)));
    assert.deepEqual(body, [
      { id: 'urn:ngsi-ld:Room:2', type: 'Room', scope: '/Paris', name: { type: 'Property', value: 'Living room' } },
      { id: 'urn:ngsi-ld:Room:3', type: 'Room', scope: '/Madrid/Norte/Chamartin', name: { type: 'Property', value: 'Bathroom' } },
    ]);
  });

  it('uses attrs alone as a filter', async () => {
    assert.deepEqual(await idsOf({ type: 'Query', attrs: ['humidity', 'entrance'] }), ids('R2', 'O1'));
  });

  it('takes geoQ with coordinates as an array (or as a string)', async () => {
    const geoQ = { georel: 'near;maxDistance==2000', geometry: 'Point', coordinates: [-3.7038, 40.4168] };
    assert.deepEqual(await idsOf({ type: 'Query', entities: [{ type: 'Room' }], geoQ }), ids('R1', 'R3'));
    assert.deepEqual(await idsOf({ type: 'Query', geoQ: { ...geoQ, coordinates: '[-3.7038,40.4168]' } }), ids('R1', 'R3'));
    assert.deepEqual(
      await idsOf({ type: 'Query', geoQ: { georel: 'near;maxDistance==100', geometry: 'Point', coordinates: [-3.69, 40.42], geoproperty: 'entrance' } }),
      ids('O1'),
    );
  });

  it('takes scopeQ', async () => {
    assert.deepEqual(await idsOf({ type: 'Query', scopeQ: '/Madrid/#' }), ids('R1', 'R3', 'O1'));
  });

  it('pages and counts with URL parameters and renders with options', async () => {
    const res = await post({ type: 'Query', entities: [{ type: 'Room' }] }, '?limit=2&count=true&options=keyValues');
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 2);
    assert.equal(res.headers['ngsild-results-count'], '4');
    assert.equal(typeof res.body[0].temperature, 'number');
    assertProblem(await post({ type: 'Query', entities: [{ type: 'Room' }] }, '?limit=5000'), 403, 'TooManyResults');
  });

  it('reads the @context from the body with application/ld+json', async () => {
    const doc = { type: 'Query', entities: [{ type: 'Thing' }], '@context': [{ Thing: 'https://uri.etsi.org/ngsi-ld/default-context/Office' }, CORE_CONTEXT] };
    const res = await post(doc, '', 'application/ld+json');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.map((e: { type: unknown }) => e.type).sort(), [['Room', 'Thing'], 'Thing']);
  });

  it('answers 400 for a wrong body and changes nothing', async () => {
    const bad: unknown[] = [
      [],
      'Query',
      { entities: [{ type: 'Room' }] },
      { type: 'Subscription', entities: [{ type: 'Room' }] },
      { type: 'Query', entities: [] },
      { type: 'Query', entities: {} },
      { type: 'Query', entities: ['Room'] },
      { type: 'Query', entities: [{ id: 'no uri' }] },
      { type: 'Query', entities: [{ type: '(Room' }] },
      { type: 'Query', attrs: 'name' },
      { type: 'Query', attrs: [] },
      { type: 'Query', attrs: ['bad name!'] },
      { type: 'Query', attrs: ['id'] },
      { type: 'Query', attrs: ['name,humidity'] },
      { type: 'Query', geoQ: { georel: 'within', geometry: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]], colour: 'red' } },
      { type: 'Query', geoQ: [] },
      { type: 'Query', q: 'temperature>>' },
      { type: 'Query', q: 5 },
      { type: 'Query', geoQ: { georel: 'within', geometry: 'Polygon', coordinates: [[[0, 0], [1, 1]]] } },
      { type: 'Query', geoQ: { georel: 'near', geometry: 'Point', coordinates: [0, 0] } },
      { type: 'Query', geoQ: 'near' },
      { type: 'Query', scopeQ: 'Madrid' },
      { type: 'Query', colour: 'red', entities: [{ type: 'Room' }] },
      { type: 'Query' },
    ];
    for (const body of bad) {
      const res = await post(body);
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      assertProblem(res, 400, 'BadRequestData');
    }
    const malformed = await t.http.post(`${BASE}/entityOperations/query`).set('Content-Type', 'application/json').send('{"type": "Query",');
    assertProblem(malformed, 400, 'InvalidRequest');
    assert.equal((await idsOf({ type: 'Query', entities: [{ type: 'Room' }, { type: 'Office' }] })).length, ROOMS.length);
  });

  it('refuses Query members that are not implemented instead of ignoring them', async () => {
    // csf is a member of Query (clause 5.2.23) Weft does not implement: never silence (STYLE 6).
    const res = await post({ type: 'Query', entities: [{ type: 'Room' }], csf: 'provider==x' });
    assert.notEqual(res.status, 200, 'csf must not be silently ignored');
    assert.equal(res.body.type, 'https://uri.etsi.org/ngsi-ld/errors/OperationNotSupported');
  });

  it('answers 405 for GET on the query endpoint', async () => {
    const res = await t.http.get(`${BASE}/entityOperations/query`);
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, 'POST');
  });
});
