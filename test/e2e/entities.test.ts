import { strict as assert } from 'node:assert';
import { CORE_CONTEXT, sensor, startTestServer, type TestServer } from '../helpers/server';

const BASE = '/ngsi-ld/v1';

describe('e2e: /entities and /entities/{id}', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer();
  });
  afterEach(async () => {
    await t.stop();
  });

  const create = (body: unknown, type = 'application/json') =>
    t.http.post(`${BASE}/entities`).set('Content-Type', type).send(JSON.stringify(body));

  function assertProblem(res: { status: number; body: { type?: string }; headers: Record<string, string> }, status: number, problem: string): void {
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.body.type, problem.startsWith('urn:') ? problem : `https://uri.etsi.org/ngsi-ld/errors/${problem}`);
  }

  describe('create (clause 6.4.3.1)', () => {
    it('answers 201 with the Location of the new entity and stores it', async () => {
      const res = await create(sensor(1));
      assert.equal(res.status, 201);
      assert.equal(res.headers.location, '/ngsi-ld/v1/entities/urn%3Angsi-ld%3ASensor%3A1');
      const got = await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1`);
      assert.equal(got.status, 200);
      assert.deepEqual(got.body, {
        id: 'urn:ngsi-ld:Sensor:1',
        type: 'Sensor',
        temperature: { type: 'Property', value: 21, unitCode: 'CEL' },
      });
    });

    it('answers 409 AlreadyExists for a taken id and keeps the first entity', async () => {
      await create(sensor(1));
      const res = await create(sensor(1, { temperature: { type: 'Property', value: 99 } }));
      assertProblem(res, 409, 'AlreadyExists');
      const got = await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1`);
      assert.equal(got.body.temperature.value, 21);
    });

    it('rejects malformed JSON with 400 InvalidRequest', async () => {
      const res = await t.http.post(`${BASE}/entities`).set('Content-Type', 'application/json').send('{"id": "urn:x:1", ');
      assertProblem(res, 400, 'InvalidRequest');
    });

    it('rejects an id that is not a URI, a missing type and a malformed attribute with 400 BadRequestData', async () => {
      assertProblem(await create({ id: 'not a uri', type: 'Sensor' }), 400, 'BadRequestData');
      assertProblem(await create({ id: 'urn:ngsi-ld:Sensor:2' }), 400, 'BadRequestData');
      assertProblem(await create({ id: 'urn:ngsi-ld:Sensor:3', type: 'Sensor', temperature: { type: 'Property' } }), 400, 'BadRequestData');
      assertProblem(await create({ id: 'urn:ngsi-ld:Sensor:4', type: 'Sensor', owner: { type: 'Relationship', object: 'no uri' } }), 400, 'BadRequestData');
      assertProblem(await create([sensor(5)]), 400, 'BadRequestData');
      const list = await t.http.get(`${BASE}/entities?type=Sensor`);
      assert.deepEqual(list.body, []);
    });

    it('answers 415 for a media type other than JSON or JSON-LD', async () => {
      const res = await create(sensor(1), 'text/plain');
      assertProblem(res, 415, 'urn:weft:errors:UnsupportedMediaType');
    });

    it('answers 413 for a body over the size limit and stores nothing', async () => {
      const big = sensor(1, { blob: { type: 'Property', value: 'x'.repeat(3 * 1024 * 1024) } });
      const res = await create(big);
      assert.equal(res.status, 413);
      assert.equal(res.body.type, 'urn:weft:errors:PayloadTooLarge');
      assert.equal((await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1`)).status, 404);
    });

    it('takes the @context from the body with application/ld+json', async () => {
      const doc = { ...sensor(1), '@context': [{ temperature: 'https://example.org/temp' }, CORE_CONTEXT] };
      assert.equal((await create(doc, 'application/ld+json')).status, 201);
      // Without that context, the attribute shows under its full IRI.
      const got = await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1`);
      assert.equal(got.body['https://example.org/temp'].value, 21);
    });

    it('refuses application/ld+json without @context and application/json with one', async () => {
      assertProblem(await create(sensor(1), 'application/ld+json'), 400, 'BadRequestData');
      assertProblem(await create({ ...sensor(1), '@context': CORE_CONTEXT }), 400, 'BadRequestData');
    });
  });

  describe('retrieve (clause 6.5.3.1)', () => {
    beforeEach(async () => {
      const doc = sensor(1, {
        location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [-3.7, 40.4] } },
        owner: { type: 'Relationship', object: 'urn:ngsi-ld:Person:ana' },
      });
      assert.equal((await create(doc)).status, 201);
    });

    it('answers 404 ResourceNotFound for an unknown entity and 400 for an invalid id', async () => {
      assertProblem(await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:nope`), 404, 'ResourceNotFound');
      assertProblem(await t.http.get(`${BASE}/entities/nouri`), 400, 'BadRequestData');
    });

    it('answers application/json with the core @context in a Link header', async () => {
      const res = await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1`);
      assert.equal(res.headers['content-type'], 'application/json');
      assert.match(res.headers.link, /ngsi-ld-core-context/);
      assert.match(res.headers.link, /rel="http:\/\/www.w3.org\/ns\/json-ld#context"/);
    });

    it('puts the @context in the body for Accept: application/ld+json', async () => {
      const res = await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1`).set('Accept', 'application/ld+json');
      assert.equal(res.headers['content-type'], 'application/ld+json');
      assert.ok(res.body['@context'], 'an @context member');
      assert.equal(res.body.id, 'urn:ngsi-ld:Sensor:1');
    });

    it('answers 406 for an Accept it cannot serve', async () => {
      assertProblem(await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1`).set('Accept', 'text/html'), 406, 'urn:weft:errors:NotAcceptable');
    });

    it('renders keyValues, concise and sysAttrs', async () => {
      const kv = await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1?options=keyValues`);
      assert.deepEqual(kv.body, {
        id: 'urn:ngsi-ld:Sensor:1',
        type: 'Sensor',
        temperature: 21,
        location: { type: 'Point', coordinates: [-3.7, 40.4] },
        owner: 'urn:ngsi-ld:Person:ana',
      });
      const concise = await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1?format=concise`);
      assert.deepEqual(concise.body.owner, { object: 'urn:ngsi-ld:Person:ana' });
      assert.deepEqual(concise.body.temperature, { value: 21, unitCode: 'CEL' });
      const sys = await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1?options=sysAttrs`);
      assert.match(sys.body.createdAt, /^\d{4}-\d\d-\d\dT/);
      assert.match(sys.body.temperature.modifiedAt, /^\d{4}-\d\d-\d\dT/);
    });

    it('projects with attrs, pick and omit', async () => {
      const attrs = await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1?attrs=owner`);
      assert.deepEqual(Object.keys(attrs.body), ['id', 'type', 'owner']);
      const pick = await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1?pick=id,temperature`);
      assert.deepEqual(Object.keys(pick.body), ['id', 'temperature']);
      const omit = await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1?omit=temperature,location`);
      assert.deepEqual(Object.keys(omit.body), ['id', 'type', 'owner']);
    });

    it('answers GeoJSON for Accept: application/geo+json', async () => {
      const res = await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1`).set('Accept', 'application/geo+json');
      assert.equal(res.headers['content-type'], 'application/geo+json');
      assert.equal(res.body.type, 'Feature');
      assert.deepEqual(res.body.geometry, { type: 'Point', coordinates: [-3.7, 40.4] });
    });

    it('rejects unknown URL parameters and options', async () => {
      assertProblem(await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1?colour=red`), 400, 'BadRequestData');
      assertProblem(await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1?options=shiny`), 400, 'BadRequestData');
    });
  });

  describe('replace, merge and delete', () => {
    beforeEach(async () => {
      await create(sensor(1, { humidity: { type: 'Property', value: 40 } }));
    });

    it('PUT replaces the whole entity (clause 6.5.3.3)', async () => {
      const res = await t.http.put(`${BASE}/entities/urn:ngsi-ld:Sensor:1`).send({ type: 'Sensor', pressure: { type: 'Property', value: 1013 } });
      assert.equal(res.status, 204, JSON.stringify(res.body));
      const got = await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1?options=keyValues`);
      assert.deepEqual(got.body, { id: 'urn:ngsi-ld:Sensor:1', type: 'Sensor', pressure: 1013 });
    });

    it('PUT with a different id in the body is 400 and changes nothing', async () => {
      const res = await t.http.put(`${BASE}/entities/urn:ngsi-ld:Sensor:1`).send({ id: 'urn:ngsi-ld:Sensor:2', type: 'Sensor' });
      assertProblem(res, 400, 'BadRequestData');
      const got = await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1?options=keyValues`);
      assert.equal(got.body.humidity, 40);
    });

    it('PATCH merges, and urn:ngsi-ld:null deletes an attribute (clause 6.5.3.4)', async () => {
      const res = await t.http
        .patch(`${BASE}/entities/urn:ngsi-ld:Sensor:1`)
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ temperature: { type: 'Property', value: 30 }, humidity: 'urn:ngsi-ld:null', status: { type: 'Property', value: 'ok' } }));
      assert.equal(res.status, 204, JSON.stringify(res.body));
      const got = await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1?options=keyValues`);
      assert.deepEqual(got.body, { id: 'urn:ngsi-ld:Sensor:1', type: 'Sensor', temperature: 30, status: 'ok' });
    });

    it('PATCH of an unknown entity is 404', async () => {
      const res = await t.http.patch(`${BASE}/entities/urn:ngsi-ld:Sensor:9`).send({ temperature: { type: 'Property', value: 1 } });
      assertProblem(res, 404, 'ResourceNotFound');
    });

    it('DELETE removes the entity; a second DELETE is 404', async () => {
      assert.equal((await t.http.delete(`${BASE}/entities/urn:ngsi-ld:Sensor:1`)).status, 204);
      assertProblem(await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1`), 404, 'ResourceNotFound');
      assertProblem(await t.http.delete(`${BASE}/entities/urn:ngsi-ld:Sensor:1`), 404, 'ResourceNotFound');
    });

    it('answers 405 with Allow for a method the path does not serve', async () => {
      const res = await t.http.post(`${BASE}/entities/urn:ngsi-ld:Sensor:1`).send({});
      assert.equal(res.status, 405);
      assert.equal(res.headers.allow, 'GET, PUT, PATCH, DELETE');
    });
  });

  describe('purge (DELETE /entities)', () => {
    it('deletes every entity matching type and q, and no other', async () => {
      for (let i = 1; i <= 5; i++) await create(sensor(i));
      const res = await t.http.delete(`${BASE}/entities?type=Sensor&q=temperature>23`);
      assert.equal(res.status, 204, JSON.stringify(res.body));
      const left = await t.http.get(`${BASE}/entities?type=Sensor&options=keyValues`);
      assert.deepEqual(left.body.map((e: { id: string }) => e.id), ['urn:ngsi-ld:Sensor:1', 'urn:ngsi-ld:Sensor:2', 'urn:ngsi-ld:Sensor:3']);
    });

    it('lists every entity with local=true, which needs no other restriction (clause 6.3.18)', async () => {
      await create(sensor(1));
      await create({ id: 'urn:ngsi-ld:Room:1', type: 'Room' });
      const res = await t.http.get(`${BASE}/entities?local=true&count=true`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.headers['ngsild-results-count'], '2');
      assertProblem(await t.http.get(`${BASE}/entities`), 400, 'BadRequestData');
      assertProblem(await t.http.get(`${BASE}/entities?local=maybe`), 400, 'BadRequestData');
    });

    it('refuses a purge without any filter', async () => {
      assertProblem(await t.http.delete(`${BASE}/entities`), 400, 'BadRequestData');
    });
  });
});
