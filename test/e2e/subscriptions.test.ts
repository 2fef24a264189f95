import { strict as assert } from 'node:assert';
import { CORE_CONTEXT, startTestServer, type TestServer } from '../helpers/server';

const BASE = '/ngsi-ld/v1';
const USER_CONTEXT = { Sensor: 'https://example.org/ns/Sensor', temperature: 'https://example.org/ns/temperature' };

/** A minimal valid subscription to Sensor entities. */
function subscription(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'urn:ngsi-ld:Subscription:s1',
    type: 'Subscription',
    entities: [{ type: 'Sensor' }],
    notification: { endpoint: { uri: 'http://127.0.0.1:9/notify' } },
    ...extra,
  };
}

describe('e2e: /subscriptions (clause 6.10 - 6.11)', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer();
  });
  afterEach(async () => {
    await t.stop();
  });

  const create = (body: unknown, type = 'application/json', tenant?: string) => {
    const req = t.http.post(`${BASE}/subscriptions`).set('Content-Type', type);
    if (tenant) req.set('NGSILD-Tenant', tenant);
    return req.send(JSON.stringify(body));
  };

  function assertProblem(res: { status: number; body: { type?: string }; headers: Record<string, string> }, status: number, problem: string): void {
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.body.type, problem.startsWith('urn:') ? problem : `https://uri.etsi.org/ngsi-ld/errors/${problem}`);
  }

  describe('create', () => {
    it('answers 201 with the Location and stores the subscription as given', async () => {
      const res = await create(subscription({ q: 'temperature>20', watchedAttributes: ['temperature'], description: 'hot sensors' }));
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.headers.location, '/ngsi-ld/v1/subscriptions/urn%3Angsi-ld%3ASubscription%3As1');
      const got = await t.http.get(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:s1`).expect(200);
      assert.equal(got.headers['content-type'], 'application/json');
      assert.equal(got.body.id, 'urn:ngsi-ld:Subscription:s1');
      assert.equal(got.body.type, 'Subscription');
      assert.deepEqual(got.body.entities, [{ type: 'Sensor' }]);
      assert.deepEqual(got.body.watchedAttributes, ['temperature']);
      assert.equal(got.body.q, 'temperature>20');
      assert.equal(got.body.description, 'hot sensors');
      assert.equal(got.body.status, 'active');
      assert.equal(got.body.isActive, true);
      assert.equal(got.body.notification.endpoint.uri, 'http://127.0.0.1:9/notify');
      assert.equal(got.body.notification.format, 'normalized');
    });

    it('generates a URI id when none is given', async () => {
      const { id: _id, ...noId } = subscription();
      const res = await create(noId);
      assert.equal(res.status, 201);
      const location = decodeURIComponent(res.headers.location);
      assert.match(location, /^\/ngsi-ld\/v1\/subscriptions\/urn:ngsi-ld:Subscription:.+/);
      await t.http.get(res.headers.location).expect(200);
    });

    it('answers 409 AlreadyExists for a taken id', async () => {
      await create(subscription()).expect(201);
      assertProblem(await create(subscription({ description: 'again' })), 409, 'AlreadyExists');
    });

    it('expands names with the @context of an application/ld+json body and compacts them back with the Link of a read', async () => {
      const body = { ...subscription({ watchedAttributes: ['temperature'] }), '@context': [USER_CONTEXT, CORE_CONTEXT] };
      await create(body, 'application/ld+json').expect(201);
      const plain = await t.http.get(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:s1`).expect(200);
      assert.deepEqual(plain.body.watchedAttributes, ['https://example.org/ns/temperature']);
    });

    it('rejects invalid subscriptions with 400 and stores nothing', async () => {
      const bad: Array<[string, unknown]> = [
        ['not an object', [subscription()]],
        ['wrong type', subscription({ type: 'Subscriptions' })],
        ['id not a URI', subscription({ id: 'not a uri' })],
        ['no entities nor watchedAttributes', { type: 'Subscription', notification: { endpoint: { uri: 'http://127.0.0.1:9/' } } }],
        ['no notification', { type: 'Subscription', entities: [{ type: 'Sensor' }] }],
        ['endpoint not a URI', subscription({ notification: { endpoint: { uri: 'nowhere' } } })],
        ['unsupported scheme', subscription({ notification: { endpoint: { uri: 'ftp://example.org/x' } } })],
        ['bad q', subscription({ q: 'temperature>>' })],
        ['bad idPattern', subscription({ entities: [{ type: 'Sensor', idPattern: '(' }] })],
        ['negative throttling', subscription({ throttling: -1 })],
        ['timeInterval with watchedAttributes', subscription({ timeInterval: 10, watchedAttributes: ['temperature'] })],
        ['expiresAt in the past', subscription({ expiresAt: '2000-01-01T00:00:00Z' })],
        ['unknown trigger', subscription({ notificationTrigger: ['somethingHappened'] })],
        ['unknown format', subscription({ notification: { format: 'fancy', endpoint: { uri: 'http://127.0.0.1:9/' } } })],
      ];
      for (const [what, body] of bad) {
        const res = await create(body);
        assert.equal(res.status, 400, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
        assert.equal(res.body.type, 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData', what);
      }
      const list = await t.http.get(`${BASE}/subscriptions`).expect(200);
      assert.deepEqual(list.body, []);
    });

    it('rejects malformed JSON (400 InvalidRequest), other media types (415) and URL parameters (400)', async () => {
      assertProblem(await t.http.post(`${BASE}/subscriptions`).set('Content-Type', 'application/json').send('{"type":'), 400, 'InvalidRequest');
      assertProblem(await create(subscription(), 'text/plain'), 415, 'urn:weft:errors:UnsupportedMediaType');
      assertProblem(await t.http.post(`${BASE}/subscriptions?limit=3`).set('Content-Type', 'application/json').send(JSON.stringify(subscription())), 400, 'BadRequestData');
    });
  });

  describe('query and retrieve', () => {
    it('lists the tenant\'s subscriptions in creation order, paged, with a count', async () => {
      for (const n of [1, 2, 3]) await create(subscription({ id: `urn:ngsi-ld:Subscription:s${n}` })).expect(201);
      const all = await t.http.get(`${BASE}/subscriptions`).expect(200);
      assert.deepEqual(all.body.map((s: { id: string }) => s.id), ['urn:ngsi-ld:Subscription:s1', 'urn:ngsi-ld:Subscription:s2', 'urn:ngsi-ld:Subscription:s3']);
      const page = await t.http.get(`${BASE}/subscriptions?limit=1&offset=1&count=true`).expect(200);
      assert.deepEqual(page.body.map((s: { id: string }) => s.id), ['urn:ngsi-ld:Subscription:s2']);
      assert.equal(page.headers['ngsild-results-count'], '3');
    });

    it('keeps tenants apart and answers NonexistentTenant for an unknown one', async () => {
      await create(subscription(), 'application/json', 'acme').expect(201);
      const def = await t.http.get(`${BASE}/subscriptions`).expect(200);
      assert.deepEqual(def.body, []);
      const acme = await t.http.get(`${BASE}/subscriptions`).set('NGSILD-Tenant', 'acme').expect(200);
      assert.equal(acme.body.length, 1);
      assertProblem(await t.http.get(`${BASE}/subscriptions`).set('NGSILD-Tenant', 'nobody'), 404, 'NonexistentTenant');
      assertProblem(await t.http.get(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:s1`).set('NGSILD-Tenant', 'nobody'), 404, 'NonexistentTenant');
    });

    it('answers 404 for an unknown id, 400 for an id that is not a URI', async () => {
      assertProblem(await t.http.get(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:none`), 404, 'ResourceNotFound');
      assertProblem(await t.http.get(`${BASE}/subscriptions/not%20a%20uri`), 400, 'BadRequestData');
    });

    it('puts the @context in the body for application/ld+json and shows createdAt/modifiedAt with sysAttrs', async () => {
      await create(subscription()).expect(201);
      const ld = await t.http.get(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:s1?options=sysAttrs`).set('Accept', 'application/ld+json').expect(200);
      assert.equal(ld.headers['content-type'], 'application/ld+json');
      assert.ok(ld.body['@context']);
      assert.match(ld.body.createdAt, /^\d{4}-\d\d-\d\dT/);
      assert.match(ld.body.modifiedAt, /^\d{4}-\d\d-\d\dT/);
      const plain = await t.http.get(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:s1`).expect(200);
      assert.equal(plain.body.createdAt, undefined);
    });

    it('answers 405 with Allow for methods a path does not serve', async () => {
      const res = await t.http.put(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:s1`).set('Content-Type', 'application/json').send('{}');
      assertProblem(res, 405, 'urn:weft:errors:MethodNotAllowed');
      assert.equal(res.headers.allow, 'GET, PATCH, DELETE');
    });
  });

  describe('update', () => {
    it('replaces the members the fragment gives and keeps the others', async () => {
      await create(subscription({ q: 'temperature>20', description: 'before' })).expect(201);
      await t.http.patch(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:s1`).set('Content-Type', 'application/json')
        .send(JSON.stringify({ description: 'after', isActive: false })).expect(204);
      const got = await t.http.get(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:s1`).expect(200);
      assert.equal(got.body.description, 'after');
      assert.equal(got.body.q, 'temperature>20');
      assert.equal(got.body.isActive, false);
      assert.equal(got.body.status, 'paused');
    });

    it('rejects an invalid fragment with 400 and leaves the subscription as it was', async () => {
      await create(subscription({ q: 'temperature>20' })).expect(201);
      const res = await t.http.patch(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:s1`).set('Content-Type', 'application/json')
        .send(JSON.stringify({ q: 'temperature>>', description: 'x' }));
      assertProblem(res, 400, 'BadRequestData');
      const got = await t.http.get(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:s1`).expect(200);
      assert.equal(got.body.q, 'temperature>20');
      assert.equal(got.body.description, undefined);
    });

    it('answers 404 for an unknown subscription', async () => {
      const res = await t.http.patch(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:none`).set('Content-Type', 'application/json').send('{"description":"x"}');
      assertProblem(res, 404, 'ResourceNotFound');
    });
  });

  describe('delete', () => {
    it('deletes a subscription; a second delete answers 404', async () => {
      await create(subscription()).expect(201);
      await t.http.delete(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:s1`).expect(204);
      await t.http.get(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:s1`).expect(404);
      assertProblem(await t.http.delete(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:s1`), 404, 'ResourceNotFound');
    });
  });

  it('serves subscriptions again after a restart', async () => {
    await create(subscription()).expect(201);
    await t.stop(false);
    t = await startTestServer({}, t.dataDir);
    const got = await t.http.get(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:s1`).expect(200);
    assert.deepEqual(got.body.entities, [{ type: 'Sensor' }]);
  });
});
