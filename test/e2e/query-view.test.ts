import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CORE_CONTEXT, sensor, startTestServer, type TestServer } from '../helpers/server';
import { BASE, ROOMS, assertProblem, enc, ids, seed } from './query-fixtures';

const CONTEXT_REL = 'http://www.w3.org/ns/json-ld#context';

describe('e2e: GET /entities paging (clause 6.3.10, 5.5.9)', () => {
  let t: TestServer;
  const all = Array.from({ length: 25 }, (_, i) => `urn:ngsi-ld:Sensor:${i + 1}`).sort();
  before(async () => {
    t = await startTestServer();
    for (let i = 1; i <= 25; i++) {
      const res = await t.http.post(`${BASE}/entities`).set('Content-Type', 'application/json').send(JSON.stringify(sensor(i)));
      assert.equal(res.status, 201);
    }
  });
  after(async () => {
    await t.stop();
  });

  it('answers at most 20 entities by default, without a count header', async () => {
    const res = await t.http.get(`${BASE}/entities?type=Sensor`);
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 20);
    assert.equal(res.headers['ngsild-results-count'], undefined);
  });

  it('pages with limit and offset, every entity exactly once', async () => {
    const seen: string[] = [];
    for (let offset = 0; offset < 30; offset += 7) {
      const res = await t.http.get(`${BASE}/entities?type=Sensor&limit=7&offset=${offset}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.length, Math.max(0, Math.min(7, 25 - offset)));
      seen.push(...res.body.map((e: { id: string }) => e.id));
    }
    assert.deepEqual(seen.sort(), all);
    assert.deepEqual((await t.http.get(`${BASE}/entities?type=Sensor&offset=100`)).body, []);
  });

  it('count=true reports the total in NGSILD-Results-Count', async () => {
    const res = await t.http.get(`${BASE}/entities?type=Sensor&limit=3&count=true`);
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 3);
    assert.equal(res.headers['ngsild-results-count'], '25');
    const filtered = await t.http.get(`${BASE}/entities?type=Sensor&count=true&q=${enc('temperature>40')}`);
    assert.equal(filtered.headers['ngsild-results-count'], '5');
    const none = await t.http.get(`${BASE}/entities?type=Nothing&count=true`);
    assert.equal(none.headers['ngsild-results-count'], '0');
    assert.deepEqual(none.body, []);
  });

  it('limit=0&count=true answers only the count', async () => {
    const res = await t.http.get(`${BASE}/entities?type=Sensor&limit=0&count=true`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, []);
    assert.equal(res.headers['ngsild-results-count'], '25');
  });

  it('limit=0 without count is 400', async () => {
    assertProblem(await t.http.get(`${BASE}/entities?type=Sensor&limit=0`), 400, 'BadRequestData');
    assertProblem(await t.http.get(`${BASE}/entities?type=Sensor&limit=0&count=false`), 400, 'BadRequestData');
  });

  it('a limit above the maximum (1000) is 403 TooManyResults; 1000 itself is fine', async () => {
    assertProblem(await t.http.get(`${BASE}/entities?type=Sensor&limit=1001`), 403, 'TooManyResults');
    assertProblem(await t.http.get(`${BASE}/entities?type=Sensor&limit=99999999999999999999999`), 403, 'TooManyResults');
    const res = await t.http.get(`${BASE}/entities?type=Sensor&limit=1000`);
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 25);
  });

  it('rejects malformed limit, offset and count with 400', async () => {
    // offset=1e20 was a 500 InternalError: the store could not bind the number.
    for (const p of ['limit=-1', 'limit=abc', 'limit=2.5', 'offset=-3', 'offset=x', 'count=yes', 'limit=', 'count=', 'offset=99999999999999999999']) {
      assertProblem(await t.http.get(`${BASE}/entities?type=Sensor&${p}`), 400, 'BadRequestData');
    }
  });
});

describe('e2e: GET /entities representations (clause 4.5, 6.3.6)', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await seed(t);
  });
  after(async () => {
    await t.stop();
  });

  const get = (query: string, accept?: string) => {
    const req = t.http.get(`${BASE}/entities?${query}`);
    return accept ? req.set('Accept', accept) : req;
  };

  it('answers application/json with the core @context in a Link header', async () => {
    const res = await get('id=urn:ngsi-ld:Room:1');
    assert.equal(res.headers['content-type'], 'application/json');
    assert.match(res.headers.link, /ngsi-ld-core-context/);
    assert.equal(res.body[0].temperature.value, 21);
  });

  it('renders keyValues, simplified and format=keyValues', async () => {
    const expected = [{ id: 'urn:ngsi-ld:Office:2', type: 'Office', temperature: 22, name: "O'Brien's office" }];
    assert.deepEqual((await get('id=urn:ngsi-ld:Office:2&options=keyValues')).body, expected);
    assert.deepEqual((await get('id=urn:ngsi-ld:Office:2&options=simplified')).body, expected);
    assert.deepEqual((await get('id=urn:ngsi-ld:Office:2&format=keyValues')).body, expected);
  });

  it('renders concise', async () => {
    const res = await get('id=urn:ngsi-ld:Room:1&options=concise');
    assert.deepEqual(res.body[0].owner, { object: 'urn:ngsi-ld:Person:ana' });
    assert.deepEqual(res.body[0].temperature, { value: 21, unitCode: 'CEL', observedAt: '2024-01-01T10:00:00Z' });
    assert.deepEqual((await get('id=urn:ngsi-ld:Room:1&format=concise')).body, res.body);
  });

  it('adds createdAt / modifiedAt with sysAttrs, also combined with keyValues', async () => {
    const res = await get('id=urn:ngsi-ld:Room:1&options=sysAttrs');
    assert.match(res.body[0].createdAt, /^\d{4}-\d\d-\d\dT/);
    assert.match(res.body[0].modifiedAt, /^\d{4}-\d\d-\d\dT/);
    assert.match(res.body[0].temperature.createdAt, /^\d{4}-\d\d-\d\dT/);
    const plain = await get('id=urn:ngsi-ld:Room:1');
    assert.equal(plain.body[0].createdAt, undefined);
    const kv = await get('id=urn:ngsi-ld:Room:1&options=sysAttrs,keyValues');
    assert.equal(kv.status, 200);
    assert.equal(kv.body[0].temperature, 21);
  });

  it('rejects conflicting or unknown representations', async () => {
    assertProblem(await get('id=urn:ngsi-ld:Room:1&options=keyValues,concise'), 400, 'BadRequestData');
    assertProblem(await get('id=urn:ngsi-ld:Room:1&options=keyValues&format=concise'), 400, 'BadRequestData');
    assertProblem(await get('id=urn:ngsi-ld:Room:1&format=pretty'), 400, 'BadRequestData');
    assertProblem(await get('id=urn:ngsi-ld:Room:1&options=fancy'), 400, 'BadRequestData');
  });

  it('rejects options of other operations (noOverwrite, update, replace) instead of ignoring them', async () => {
    for (const o of ['noOverwrite', 'update', 'replace', 'keyValues,noOverwrite']) {
      assertProblem(await get(`id=urn:ngsi-ld:Room:1&options=${o}`), 400, 'BadRequestData');
    }
  });

  it('Accept application/ld+json puts the @context in every element and no Link header', async () => {
    const res = await get('type=Room', 'application/ld+json');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/ld+json');
    assert.equal(res.headers.link, undefined);
    assert.equal(res.body.length, 4);
    for (const e of res.body) assert.ok(e['@context'], `${e.id} has an @context`);
    assert.match(JSON.stringify(res.body[0]['@context']), /ngsi-ld-core-context/);
  });

  it('Accept application/geo+json answers a FeatureCollection', async () => {
    const res = await get('type=Room&q=temperature<=25', 'application/geo+json');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/geo+json');
    assert.equal(res.body.type, 'FeatureCollection');
    const byId = Object.fromEntries(res.body.features.map((f: { id: string }) => [f.id, f]));
    assert.deepEqual(Object.keys(byId).sort(), ids('R1', 'R2', 'O1'));
    assert.equal(byId['urn:ngsi-ld:Room:1'].type, 'Feature');
    assert.deepEqual(byId['urn:ngsi-ld:Room:1'].geometry, { type: 'Point', coordinates: [-3.7038, 40.4168] });
    assert.equal(byId['urn:ngsi-ld:Room:1'].properties.temperature.value, 21);
    // No location: a null geometry (clause 4.5.16).
    assert.equal(byId['urn:ngsi-ld:Office:1'].geometry, null);
  });

  it('geometryProperty picks the GeoProperty of the features', async () => {
    const res = await get('id=urn:ngsi-ld:Office:1,urn:ngsi-ld:Room:1&geometryProperty=entrance', 'application/geo+json');
    assert.equal(res.headers['content-type'], 'application/geo+json');
    const byId = Object.fromEntries(res.body.features.map((f: { id: string }) => [f.id, f]));
    assert.deepEqual(byId['urn:ngsi-ld:Office:1'].geometry, { type: 'Point', coordinates: [-3.69, 40.42] });
    assert.equal(byId['urn:ngsi-ld:Room:1'].geometry, null);
  });

  it('geo+json with keyValues keeps simplified properties', async () => {
    const res = await get('id=urn:ngsi-ld:Room:1&options=keyValues', 'application/geo+json');
    assert.equal(res.body.features[0].properties.temperature, 21);
  });

  it('answers 406 for an Accept it cannot serve', async () => {
    assertProblem(await get('type=Room', 'text/html'), 406, 'urn:weft:errors:NotAcceptable');
  });
});

describe('e2e: a user @context given by Link header (clause 6.3.5)', () => {
  let t: TestServer;
  let ctxServer: Server;
  let ctxUrl: string;
  const link = () => `<${ctxUrl}>; rel="${CONTEXT_REL}"; type="application/ld+json"`;

  before(async () => {
    ctxServer = createServer((req, res) => {
      if (req.url !== '/ctx.jsonld') {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.setHeader('Content-Type', 'application/ld+json');
      res.end(JSON.stringify({
        '@context': [{ Chamber: 'https://example.org/ns#Chamber', temp: 'https://example.org/ns#temperature', ex: 'https://example.org/ns#' }, CORE_CONTEXT],
      }));
    });
    await new Promise<void>((resolve) => ctxServer.listen(0, '127.0.0.1', resolve));
    ctxUrl = `http://127.0.0.1:${(ctxServer.address() as AddressInfo).port}/ctx.jsonld`;
    t = await startTestServer();
    const res = await t.http
      .post(`${BASE}/entities`)
      .set('Content-Type', 'application/json')
      .set('Link', link())
      .send(JSON.stringify({ id: 'urn:ngsi-ld:Chamber:1', type: 'Chamber', temp: { type: 'Property', value: 5 } }));
    assert.equal(res.status, 201, JSON.stringify(res.body));
  });
  after(async () => {
    await t.stop();
    await new Promise<void>((resolve) => ctxServer.close(() => resolve()));
  });

  it('expands type and attribute names and compacts the response with it', async () => {
    const res = await t.http.get(`${BASE}/entities?type=Chamber&q=${enc('temp>1')}&attrs=temp`).set('Link', link());
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.headers['content-type'], 'application/json');
    assert.deepEqual(res.body, [{ id: 'urn:ngsi-ld:Chamber:1', type: 'Chamber', temp: { type: 'Property', value: 5 } }]);
    assert.ok(res.headers.link.includes(ctxUrl), 'the response Link names the user context');
  });

  it('accepts a compact IRI of the user context in q', async () => {
    assert.equal((await t.http.get(`${BASE}/entities?type=ex:Chamber&q=${enc('ex:temperature==5')}`).set('Link', link())).body.length, 1);
  });

  it('without the context the same short names mean something else', async () => {
    assert.deepEqual((await t.http.get(`${BASE}/entities?type=Chamber`)).body, []);
    const full = await t.http.get(`${BASE}/entities?type=${enc('https://example.org/ns#Chamber')}`);
    assert.deepEqual(full.body, [
      { id: 'urn:ngsi-ld:Chamber:1', type: 'https://example.org/ns#Chamber', 'https://example.org/ns#temperature': { type: 'Property', value: 5 } },
    ]);
  });

  it('ld+json responses carry the user context in the body', async () => {
    const res = await t.http.get(`${BASE}/entities?type=Chamber`).set('Link', link()).set('Accept', 'application/ld+json');
    assert.equal(res.headers['content-type'], 'application/ld+json');
    assert.equal(res.body[0]['@context'], ctxUrl);
    assert.equal(res.body[0].temp.value, 5);
  });

  it('answers 503/504 LdContextNotAvailable for a context that cannot be fetched, and 400 for a malformed Link', async () => {
    const missing = ctxUrl.replace('ctx.jsonld', 'missing.jsonld');
    const res = await t.http.get(`${BASE}/entities?type=Chamber`).set('Link', `<${missing}>; rel="${CONTEXT_REL}"; type="application/ld+json"`);
    assert.equal(res.body.type, 'https://uri.etsi.org/ngsi-ld/errors/LdContextNotAvailable');
    assert.ok(res.status === 503 || res.status === 504, String(res.status));
    assertProblem(await t.http.get(`${BASE}/entities?type=Chamber`).set('Link', 'garbage'), 400, 'BadRequestData');
  });
});

describe('e2e: join=flat and join=inline (clause 4.5.23)', () => {
  let t: TestServer;
  const rel = (object: string) => ({ type: 'Relationship', object });
  before(async () => {
    t = await startTestServer();
    await seed(t, [
      { id: 'urn:ngsi-ld:Building:1', type: 'Building', name: { type: 'Property', value: 'HQ' }, hasFloor: rel('urn:ngsi-ld:Floor:1') },
      { id: 'urn:ngsi-ld:Floor:1', type: 'Floor', level: { type: 'Property', value: 1 }, hasRoom: rel('urn:ngsi-ld:Space:A'), partOf: rel('urn:ngsi-ld:Building:1') },
      { id: 'urn:ngsi-ld:Space:A', type: 'Space', area: { type: 'Property', value: 20 }, next: rel('urn:ngsi-ld:Space:missing') },
      { id: 'urn:ngsi-ld:Space:B', type: 'Space', area: { type: 'Property', value: 30 } },
    ]);
  });
  after(async () => {
    await t.stop();
  });

  const get = async (query: string) => {
    const res = await t.http.get(`${BASE}/entities?${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as Array<Record<string, any>>;
  };

  it('join=flat adds the entities one hop away', async () => {
    const body = await get('type=Building&join=flat');
    assert.deepEqual(body.map((e) => e.id).sort(), ['urn:ngsi-ld:Building:1', 'urn:ngsi-ld:Floor:1']);
    const lvl1 = await get('type=Building&join=flat&joinLevel=1');
    assert.deepEqual(lvl1, body);
  });

  it('join=flat with joinLevel=2 follows two hops, each entity once, and ignores dangling targets', async () => {
    const body = await get('type=Building&join=flat&joinLevel=2');
    assert.deepEqual(body.map((e) => e.id).sort(), ['urn:ngsi-ld:Building:1', 'urn:ngsi-ld:Floor:1', 'urn:ngsi-ld:Space:A']);
    const deep = await get('type=Building&join=flat&joinLevel=5');
    assert.deepEqual(deep.map((e) => e.id).sort(), ['urn:ngsi-ld:Building:1', 'urn:ngsi-ld:Floor:1', 'urn:ngsi-ld:Space:A']);
  });

  it('join=inline nests the target entity in the Relationship', async () => {
    const [b] = await get('type=Building&join=inline');
    assert.equal(b.hasFloor.object, 'urn:ngsi-ld:Floor:1');
    assert.equal(b.hasFloor.entity.id, 'urn:ngsi-ld:Floor:1');
    assert.deepEqual(b.hasFloor.entity.level, { type: 'Property', value: 1 });
    // Level 1 only: the floor's own relationship is not expanded.
    assert.equal(b.hasFloor.entity.hasRoom.entity, undefined);
  });

  it('join=inline with joinLevel=2 nests two levels', async () => {
    const body = await get('type=Building&join=inline&joinLevel=2');
    assert.equal(body.length, 1);
    const room = body[0].hasFloor.entity.hasRoom.entity;
    assert.equal(room.id, 'urn:ngsi-ld:Space:A');
    assert.deepEqual(room.area, { type: 'Property', value: 20 });
  });

  it('join=inline with keyValues replaces the relationship value by the entity', async () => {
    const [b] = await get('type=Building&join=inline&options=keyValues');
    assert.equal(b.hasFloor.id, 'urn:ngsi-ld:Floor:1');
    assert.equal(b.hasFloor.level, 1);
  });

  it('rejects a bad join, a bad joinLevel or joinLevel without join', async () => {
    assertProblem(await t.http.get(`${BASE}/entities?type=Building&join=deep`), 400, 'BadRequestData');
    assertProblem(await t.http.get(`${BASE}/entities?type=Building&join=flat&joinLevel=0`), 400, 'BadRequestData');
    assertProblem(await t.http.get(`${BASE}/entities?type=Building&join=flat&joinLevel=x`), 400, 'BadRequestData');
    assertProblem(await t.http.get(`${BASE}/entities?type=Building&joinLevel=2`), 400, 'BadRequestData');
  });
});

describe('e2e: NGSILD-Tenant (clause 4.14, 6.3.14)', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await seed(t, ROOMS.slice(0, 2));
    await seed(t, ROOMS.slice(2, 4), 'acme');
  });
  after(async () => {
    await t.stop();
  });

  const get = (query: string, tenant?: string) => {
    const req = t.http.get(`${BASE}/entities?${query}`);
    return tenant === undefined ? req : req.set('NGSILD-Tenant', tenant);
  };

  it('keeps the entities of each tenant invisible to the others', async () => {
    assert.deepEqual((await get('type=Room')).body.map((e: { id: string }) => e.id).sort(), ids('R1', 'R2'));
    assert.deepEqual((await get('type=Room', 'acme')).body.map((e: { id: string }) => e.id).sort(), ids('R3', 'O1'));
    assert.deepEqual((await get('id=urn:ngsi-ld:Room:1', 'acme')).body, []);
    assert.deepEqual((await get('id=urn:ngsi-ld:Room:3')).body, []);
  });

  it('answers 404 NonexistentTenant for a query on an unknown tenant', async () => {
    assertProblem(await get('type=Room', 'nobody'), 404, 'NonexistentTenant');
    assertProblem(await get('type=Room&count=true&limit=0', 'nobody'), 404, 'NonexistentTenant');
  });

  it('answers 400 for a malformed tenant name', async () => {
    assertProblem(await get('type=Room', 'a/b'), 400, 'BadRequestData');
  });
});

