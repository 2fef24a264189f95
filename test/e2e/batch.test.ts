import { strict as assert } from 'node:assert';
import { CORE_CONTEXT, sensor, startTestServer, type TestServer } from '../helpers/server';
import { assertProblem, BASE } from './query-fixtures';

const ID = (n: number) => `urn:ngsi-ld:Sensor:${n}`;

interface BatchBody {
  success: string[];
  errors: Array<{ entityId: string; error: { type: string; title?: string } }>;
}

/** A 207 BatchOperationResult (clause 5.2.16): every error names the entity and a problem type. */
function assert207(res: { status: number; body: unknown; headers: Record<string, string> }, success: string[], errors: Record<string, string>): void {
  assert.equal(res.status, 207, JSON.stringify(res.body));
  assert.equal(res.headers['content-type'], 'application/json');
  const body = res.body as BatchBody;
  assert.deepEqual(Object.keys(body).sort(), ['errors', 'success']);
  assert.deepEqual(body.success, success);
  for (const e of body.errors) {
    assert.equal(typeof e.entityId, 'string', JSON.stringify(e));
    assert.equal(typeof e.error.type, 'string', JSON.stringify(e));
    assert.match(e.error.type, /^(https:\/\/uri\.etsi\.org\/ngsi-ld\/errors\/|urn:)/);
  }
  const got = Object.fromEntries(body.errors.map((e) => [e.entityId, e.error.type.replace('https://uri.etsi.org/ngsi-ld/errors/', '')]));
  assert.deepEqual(got, errors);
}

describe('e2e: batch entity operations (clause 6.14 - 6.18, 6.31)', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer();
  });
  afterEach(async () => {
    await t.stop();
  });

  const op = (name: string, body: unknown, opts: { query?: string; type?: string; link?: string; tenant?: string } = {}) => {
    const req = t.http.post(`${BASE}/entityOperations/${name}${opts.query ?? ''}`).set('Content-Type', opts.type ?? 'application/json');
    if (opts.link) req.set('Link', opts.link);
    if (opts.tenant) req.set('NGSILD-Tenant', opts.tenant);
    return req.send(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const kv = async (id: string, tenant?: string) => {
    const req = t.http.get(`${BASE}/entities/${id}?options=keyValues`);
    if (tenant) req.set('NGSILD-Tenant', tenant);
    const res = await req;
    return res.status === 200 ? res.body : res.status;
  };
  const allSensors = async () => {
    const res = await t.http.get(`${BASE}/entities?type=Sensor&options=keyValues&limit=100`);
    return (res.body as Array<{ id: string }>).sort((a, b) => a.id.localeCompare(b.id));
  };

  describe('create (clause 6.14)', () => {
    it('answers 201 with the ids of the created entities, and stores them', async () => {
      const res = await op('create', [sensor(1), sensor(2)]);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.headers['content-type'], 'application/json');
      assert.deepEqual(res.body, [ID(1), ID(2)]);
      assert.deepEqual(await kv(ID(1)), { id: ID(1), type: 'Sensor', temperature: 21 });
      assert.deepEqual(await kv(ID(2)), { id: ID(2), type: 'Sensor', temperature: 22 });
    });

    it('answers 207 when some exist already: the others ARE stored, the existing kept', async () => {
      await op('create', [sensor(1)]);
      const res = await op('create', [sensor(1, { temperature: { type: 'Property', value: 99 } }), sensor(2), sensor(3)]);
      assert207(res, [ID(2), ID(3)], { [ID(1)]: 'AlreadyExists' });
      assert.deepEqual((await allSensors()).map((e) => e.id), [ID(1), ID(2), ID(3)]);
      assert.deepEqual(await kv(ID(1)), { id: ID(1), type: 'Sensor', temperature: 21 });
    });

    it('answers 207 for invalid entities and stores the valid ones', async () => {
      const res = await op('create', [
        sensor(1),
        { id: ID(2) },
        { id: ID(3), type: 'Sensor', temperature: { type: 'Property' } },
        { id: 'not a uri', type: 'Sensor' },
        sensor(4),
      ]);
      assert207(res, [ID(1), ID(4)], { [ID(2)]: 'BadRequestData', [ID(3)]: 'BadRequestData', 'not a uri': 'BadRequestData' });
      assert.deepEqual((await allSensors()).map((e) => e.id), [ID(1), ID(4)]);
    });

    it('reports a duplicate id inside one batch for the later element and stores the first', async () => {
      const res = await op('create', [sensor(1), sensor(1, { temperature: { type: 'Property', value: 99 } })]);
      assert.equal(res.status, 207, JSON.stringify(res.body));
      const body = res.body as BatchBody;
      assert.deepEqual(body.success, [ID(1)]);
      assert.equal(body.errors.length, 1);
      assert.equal(body.errors[0].entityId, ID(1));
      assert.ok(body.errors[0].error.type);
      assert.deepEqual(await kv(ID(1)), { id: ID(1), type: 'Sensor', temperature: 21 });
    });

    it('reports an element that is not an object as a per-entity error', async () => {
      const res = await op('create', [sensor(1), 42, 'urn:ngsi-ld:Sensor:2', null, [sensor(3)]]);
      assert.equal(res.status, 207, JSON.stringify(res.body));
      const body = res.body as BatchBody;
      assert.deepEqual(body.success, [ID(1)]);
      assert.equal(body.errors.length, 4);
      for (const e of body.errors) {
        assert.equal(typeof e.entityId, 'string');
        assert.equal(e.error.type, 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData');
      }
      assert.deepEqual((await allSensors()).map((e) => e.id), [ID(1)]);
    });

    it('refuses a body that is not an array, an empty array and malformed JSON with 400', async () => {
      assertProblem(await op('create', sensor(1)), 400, 'BadRequestData');
      assertProblem(await op('create', []), 400, 'BadRequestData');
      assertProblem(await op('create', '[{"id": '), 400, 'InvalidRequest');
      assertProblem(await op('create', [sensor(1)], { type: 'text/plain' }), 415, 'urn:weft:errors:UnsupportedMediaType');
      assertProblem(await op('create', [sensor(1)], { query: '?options=update' }), 400, 'BadRequestData');
      assert.deepEqual(await allSensors(), []);
    });

    it('reads each element in its own @context with application/ld+json', async () => {
      const res = await op(
        'create',
        [
          { ...sensor(1), '@context': [{ temperature: 'https://example.org/a#temperature' }, CORE_CONTEXT] },
          { ...sensor(2), '@context': [{ temperature: 'https://example.org/b#temperature' }, CORE_CONTEXT] },
          sensor(3), // no @context: an error for this element only
        ],
        { type: 'application/ld+json' },
      );
      assert207(res, [ID(1), ID(2)], { [ID(3)]: 'BadRequestData' });
      assert.equal((await kv(ID(1)))['https://example.org/a#temperature'], 21);
      assert.equal((await kv(ID(2)))['https://example.org/b#temperature'], 22);
    });

    it('refuses application/ld+json with a JSON-LD Link header as a whole (clause 6.3.5), storing nothing', async () => {
      const link = `<${CORE_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`;
      const res = await op('create', [{ ...sensor(1), '@context': CORE_CONTEXT }], { type: 'application/ld+json', link });
      assertProblem(res, 400, 'BadRequestData');
      assert.deepEqual(await allSensors(), []);
    });

    it('takes the Link header @context with application/json and refuses an @context member', async () => {
      const link = `<${CORE_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`;
      assert.equal((await op('create', [sensor(1)], { link })).status, 201);
      const res = await op('create', [{ ...sensor(2), '@context': CORE_CONTEXT }, sensor(3)]);
      assert207(res, [ID(3)], { [ID(2)]: 'BadRequestData' });
    });

    it('creates the tenant on first write', async () => {
      assert.equal((await op('create', [sensor(1)], { tenant: 'acme' })).status, 201);
      assert.deepEqual(await kv(ID(1), 'acme'), { id: ID(1), type: 'Sensor', temperature: 21 });
      assert.equal(await kv(ID(1)), 404);
    });
  });

  describe('upsert (clause 6.15)', () => {
    beforeEach(async () => {
      await op('create', [sensor(1, { humidity: { type: 'Property', value: 40 } })]);
    });

    it('answers 201 with only the created ids, and replaces existing entities by default', async () => {
      const res = await op('upsert', [sensor(1, { temperature: { type: 'Property', value: 30 } }), sensor(2)]);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.headers['content-type'], 'application/json');
      assert.deepEqual(res.body, [ID(2)]);
      assert.deepEqual(await kv(ID(1)), { id: ID(1), type: 'Sensor', temperature: 30 });
      assert.deepEqual(await kv(ID(2)), { id: ID(2), type: 'Sensor', temperature: 22 });
    });

    it('answers 204 when every entity existed', async () => {
      const res = await op('upsert', [sensor(1, { temperature: { type: 'Property', value: 5 } })], { query: '?options=replace' });
      assert.equal(res.status, 204, JSON.stringify(res.body));
      assert.deepEqual(await kv(ID(1)), { id: ID(1), type: 'Sensor', temperature: 5 });
    });

    it('options=update merges the attributes into the existing entity', async () => {
      const res = await op('upsert', [{ id: ID(1), type: 'Sensor', temperature: { type: 'Property', value: 30 }, pressure: { type: 'Property', value: 1013 } }], {
        query: '?options=update',
      });
      assert.equal(res.status, 204, JSON.stringify(res.body));
      assert.deepEqual(await kv(ID(1)), { id: ID(1), type: 'Sensor', temperature: 30, humidity: 40, pressure: 1013 });
    });

    it('answers 207 for invalid elements and upserts the valid ones', async () => {
      const res = await op('upsert', [{ id: ID(1) }, sensor(2), 'x']);
      assert.equal(res.status, 207, JSON.stringify(res.body));
      const body = res.body as BatchBody;
      assert.deepEqual(body.success, [ID(2)]);
      assert.deepEqual(body.errors.map((e) => [e.entityId, e.error.type]), [
        [ID(1), 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData'],
        ['', 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData'],
      ]);
      assert.deepEqual(await kv(ID(1)), { id: ID(1), type: 'Sensor', temperature: 21, humidity: 40 });
      assert.deepEqual(await kv(ID(2)), { id: ID(2), type: 'Sensor', temperature: 22 });
    });

    it('refuses options other than update / replace, and both at once', async () => {
      for (const o of ['update,replace', 'keyValues', 'noOverwrite', 'bogus']) {
        assertProblem(await op('upsert', [sensor(1, { temperature: { type: 'Property', value: 0 } })], { query: `?options=${o}` }), 400, 'BadRequestData');
      }
      assert.deepEqual(await kv(ID(1)), { id: ID(1), type: 'Sensor', temperature: 21, humidity: 40 });
    });
  });

  describe('update (clause 6.16)', () => {
    beforeEach(async () => {
      await op('create', [sensor(1, { humidity: { type: 'Property', value: 40 } }), sensor(2)]);
    });

    it('answers 204 and appends / overwrites attributes', async () => {
      const res = await op('update', [
        { id: ID(1), type: 'Sensor', temperature: { type: 'Property', value: 30 }, pressure: { type: 'Property', value: 1 } },
        { id: ID(2), humidity: { type: 'Property', value: 10 } },
      ]);
      assert.equal(res.status, 204, JSON.stringify(res.body));
      assert.deepEqual(await kv(ID(1)), { id: ID(1), type: 'Sensor', temperature: 30, humidity: 40, pressure: 1 });
      assert.deepEqual(await kv(ID(2)), { id: ID(2), type: 'Sensor', temperature: 22, humidity: 10 });
    });

    it('options=noOverwrite keeps existing values and adds new attributes', async () => {
      const res = await op('update', [{ id: ID(1), temperature: { type: 'Property', value: 30 }, pressure: { type: 'Property', value: 1 } }], {
        query: '?options=noOverwrite',
      });
      assert.equal(res.status, 204, JSON.stringify(res.body));
      assert.deepEqual(await kv(ID(1)), { id: ID(1), type: 'Sensor', temperature: 21, humidity: 40, pressure: 1 });
    });

    it('reports an unknown entity with 207 ResourceNotFound and updates the others', async () => {
      const res = await op('update', [
        { id: ID(9), temperature: { type: 'Property', value: 30 } },
        { id: ID(2), temperature: { type: 'Property', value: 31 } },
        { temperature: { type: 'Property', value: 32 } },
      ]);
      assert.equal(res.status, 207, JSON.stringify(res.body));
      const body = res.body as BatchBody;
      assert.deepEqual(body.success, [ID(2)]);
      assert.deepEqual(body.errors.map((e) => [e.entityId, e.error.type]), [
        [ID(9), 'https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound'],
        ['', 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData'],
      ]);
      assert.equal(await kv(ID(9)), 404);
      assert.equal((await kv(ID(2))).temperature, 31);
    });

    it('answers 404 NonexistentTenant on an unknown tenant', async () => {
      assertProblem(await op('update', [{ id: ID(1), temperature: { type: 'Property', value: 1 } }], { tenant: 'nobody' }), 404, 'NonexistentTenant');
    });

    it('refuses options other than noOverwrite', async () => {
      assertProblem(await op('update', [{ id: ID(1), temperature: { type: 'Property', value: 1 } }], { query: '?options=update' }), 400, 'BadRequestData');
      assert.equal((await kv(ID(1))).temperature, 21);
    });
  });

  describe('delete (clause 6.17)', () => {
    beforeEach(async () => {
      await op('create', [sensor(1), sensor(2), sensor(3)]);
    });

    it('answers 204 and deletes the entities', async () => {
      const res = await op('delete', [ID(1), ID(2)]);
      assert.equal(res.status, 204, JSON.stringify(res.body));
      assert.deepEqual((await allSensors()).map((e) => e.id), [ID(3)]);
    });

    it('reports unknown and malformed ids with 207 and deletes the others', async () => {
      const res = await op('delete', [ID(9), ID(1), 'not a uri', 7]);
      assert.equal(res.status, 207, JSON.stringify(res.body));
      const body = res.body as BatchBody;
      assert.deepEqual(body.success, [ID(1)]);
      assert.deepEqual(body.errors.map((e) => [e.entityId, e.error.type]), [
        [ID(9), 'https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound'],
        ['not a uri', 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData'],
        ['7', 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData'],
      ]);
      assert.deepEqual((await allSensors()).map((e) => e.id), [ID(2), ID(3)]);
    });

    it('refuses a body that is not an array and an empty array', async () => {
      assertProblem(await op('delete', { id: ID(1) }), 400, 'BadRequestData');
      assertProblem(await op('delete', []), 400, 'BadRequestData');
      assert.equal((await allSensors()).length, 3);
    });
  });

  describe('merge (clause 6.31)', () => {
    beforeEach(async () => {
      await op('create', [sensor(1, { humidity: { type: 'Property', value: 40 }, status: { type: 'Property', value: 'ok' } })]);
    });

    it('answers 204, merges, and urn:ngsi-ld:null deletes an attribute', async () => {
      const res = await op('merge', [{ id: ID(1), type: 'Sensor', temperature: { type: 'Property', value: 30 }, humidity: 'urn:ngsi-ld:null', pressure: { type: 'Property', value: 1 } }]);
      assert.equal(res.status, 204, JSON.stringify(res.body));
      assert.deepEqual(await kv(ID(1)), { id: ID(1), type: 'Sensor', temperature: 30, status: 'ok', pressure: 1 });
    });

    it('reports an unknown entity with 207 ResourceNotFound and merges the others', async () => {
      const res = await op('merge', [{ id: ID(9), temperature: { type: 'Property', value: 1 } }, { id: ID(1), status: { type: 'Property', value: 'bad' } }]);
      assert207(res, [ID(1)], { [ID(9)]: 'ResourceNotFound' });
      assert.equal((await kv(ID(1))).status, 'bad');
    });

    it('reads each element in its own @context with application/ld+json', async () => {
      const res = await op('merge', [{ id: ID(1), '@context': CORE_CONTEXT, status: { type: 'Property', value: 'ld' } }], { type: 'application/ld+json' });
      assert.equal(res.status, 204, JSON.stringify(res.body));
      assert.equal((await kv(ID(1))).status, 'ld');
    });

    it('refuses a body that is not an array', async () => {
      assertProblem(await op('merge', { id: ID(1) }), 400, 'BadRequestData');
    });
  });

  it('answers 405 for GET on a batch endpoint', async () => {
    const res = await t.http.get(`${BASE}/entityOperations/create`);
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, 'POST');
  });
});
