import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CORE_CONTEXT, startTestServer, type TestServer } from '../helpers/server';

const BASE = '/ngsi-ld/v1';
const link = (url: string): string => `<${url}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`;

/** A real HTTP server on 127.0.0.1 that serves user @contexts, counting requests. */
async function contextServer(): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const srv: Server = createServer((req, res) => {
    hits++;
    if (req.url === '/ctx.jsonld') {
      res.setHeader('Content-Type', 'application/ld+json');
      res.end(JSON.stringify({ '@context': { Sensor: 'https://saref.etsi.org/core/Sensor', temperature: 'https://saref.etsi.org/core/temperature' } }));
    } else if (req.url === '/slow.jsonld') {
      // never answers: Weft must give up after its time-out
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(() => r()); }),
  };
}

describe('e2e: @context handling (clause 6.3.5) and /jsonldContexts (clause 6.30)', () => {
  let t: TestServer;
  let ctx: Awaited<ReturnType<typeof contextServer>>;
  before(async () => {
    ctx = await contextServer();
  });
  after(async () => {
    await ctx.close();
  });
  beforeEach(async () => {
    t = await startTestServer({ contextFetchTimeoutMs: 300 });
  });
  afterEach(async () => {
    await t.stop();
  });

  const entity = { id: 'urn:ngsi-ld:Sensor:1', type: 'Sensor', temperature: { type: 'Property', value: 20 } };

  it('expands terms with a remote context from the Link header, fetched once and cached', async () => {
    const before = ctx.hits();
    await t.http.post(`${BASE}/entities`).set('Link', link(`${ctx.url}/ctx.jsonld`)).send(entity).expect(201);
    // Without the context, the names are full IRIs...
    const plain = await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1`).expect(200);
    assert.equal(plain.body.type, 'https://saref.etsi.org/core/Sensor');
    assert.equal(plain.body['https://saref.etsi.org/core/temperature'].value, 20);
    // ...with it, terms again, and the query by term finds it.
    const res = await t.http.get(`${BASE}/entities?type=Sensor&q=temperature==20`).set('Link', link(`${ctx.url}/ctx.jsonld`)).expect(200);
    assert.equal(res.body.length, 1);
    assert.equal(res.body[0].type, 'Sensor');
    assert.equal(res.body[0].temperature.value, 20);
    assert.equal(res.headers.link, link(`${ctx.url}/ctx.jsonld`));
    assert.equal(ctx.hits() - before, 1, 'fetched once');
  });

  it('answers 503 LdContextNotAvailable for a context that is missing or too slow, and stores nothing', async () => {
    for (const path of ['/missing.jsonld', '/slow.jsonld']) {
      const res = await t.http.post(`${BASE}/entities`).set('Link', link(`${ctx.url}${path}`)).send(entity);
      assert.equal(res.status, 503, path);
      assert.equal(res.body.type, 'https://uri.etsi.org/ngsi-ld/errors/LdContextNotAvailable');
    }
    await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1`).expect(404);
  });

  it('never fetches the core context: it is recognised by its URL', async () => {
    await t.http.post(`${BASE}/entities`).set('Link', link(CORE_CONTEXT)).send(entity).expect(201);
    const res = await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1`).set('Link', link('https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld')).expect(200);
    assert.equal(res.body.type, 'Sensor');
  });

  it('rejects a malformed Link header with 400', async () => {
    const res = await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1`).set('Link', 'nonsense');
    assert.equal(res.status, 400);
  });

  it('hosts a context: POST gives 201 + Location, GET serves it, its URL works in Link, DELETE removes it', async () => {
    const body = { '@context': { Sensor: 'https://example.org/Sensor' } };
    const created = await t.http.post(`${BASE}/jsonldContexts`).send(body).expect(201);
    const location = created.headers.location as string;
    assert.match(location, /^\/ngsi-ld\/v1\/jsonldContexts\//);
    const served = await t.http.get(location).expect(200);
    assert.equal(served.headers['content-type'], 'application/ld+json');
    assert.deepEqual(served.body, body);
    const list = await t.http.get(`${BASE}/jsonldContexts?kind=Hosted`).expect(200);
    assert.equal(list.body.length, 1);
    const url = list.body[0] as string;
    await t.http.post(`${BASE}/entities`).set('Link', link(url)).send(entity).expect(201);
    const got = await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1`).expect(200);
    assert.equal(got.body.type, 'https://example.org/Sensor');
    await t.http.delete(location).expect(204);
    await t.http.get(location).expect(404);
  });

  it('refuses to host a body without @context, and to delete the core context', async () => {
    await t.http.post(`${BASE}/jsonldContexts`).send({ Sensor: 'x' }).expect(400);
    const list = await t.http.get(`${BASE}/jsonldContexts?details=true`).expect(200);
    assert.ok(list.body.length >= 1);
    await t.http.delete(`${BASE}/jsonldContexts/${encodeURIComponent(CORE_CONTEXT)}`).expect(400);
  });
});
