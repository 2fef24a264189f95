import { strict as assert } from 'node:assert';
import { sensor, startTestServer, type TestServer } from '../helpers/server';

const E = '/ngsi-ld/v1/entities/urn:ngsi-ld:Sensor:1';

describe('e2e: /entities/{id}/attrs (clause 6.6, 6.7)', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer();
    const res = await t.http.post('/ngsi-ld/v1/entities').send(
      sensor(1, {
        humidity: [
          { type: 'Property', value: 40 },
          { type: 'Property', value: 41, datasetId: 'urn:ngsi-ld:Dataset:b' },
        ],
      }),
    );
    assert.equal(res.status, 201);
  });
  afterEach(async () => {
    await t.stop();
  });

  const keyValues = async () => (await t.http.get(`${E}?options=keyValues`)).body;
  const normalized = async () => (await t.http.get(E)).body;

  describe('append (POST .../attrs)', () => {
    it('adds and overwrites attributes: 204', async () => {
      const res = await t.http.post(`${E}/attrs`).send({ temperature: { type: 'Property', value: 5 }, status: { type: 'Property', value: 'on' } });
      assert.equal(res.status, 204, JSON.stringify(res.body));
      const kv = await keyValues();
      assert.equal(kv.temperature, 5);
      assert.equal(kv.status, 'on');
    });

    it('with options=noOverwrite keeps existing attributes and answers 207 naming them', async () => {
      const res = await t.http.post(`${E}/attrs?options=noOverwrite`).send({ temperature: { type: 'Property', value: 5 }, status: { type: 'Property', value: 'on' } });
      assert.equal(res.status, 207);
      assert.deepEqual(res.body.updated, ['status']);
      assert.deepEqual(res.body.notUpdated.map((n: { attributeName: string }) => n.attributeName), ['temperature']);
      assert.equal((await keyValues()).temperature, 21);
    });

    it('on an unknown entity is 404, and with a bad attribute 400 with nothing changed', async () => {
      const missing = await t.http.post('/ngsi-ld/v1/entities/urn:ngsi-ld:Sensor:9/attrs').send({ a: { type: 'Property', value: 1 } });
      assert.equal(missing.status, 404);
      const bad = await t.http.post(`${E}/attrs`).send({ temperature: { type: 'Property', value: 1 }, owner: { type: 'Relationship', object: 42 } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.type, 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData');
      assert.equal((await keyValues()).temperature, 21);
    });
  });

  describe('update (PATCH .../attrs)', () => {
    it('updates existing attributes only; others are reported in a 207', async () => {
      const res = await t.http.patch(`${E}/attrs`).send({ temperature: { type: 'Property', value: 7 }, nothere: { type: 'Property', value: 1 } });
      assert.equal(res.status, 207);
      assert.deepEqual(res.body.updated, ['temperature']);
      assert.equal(res.body.notUpdated[0].attributeName, 'nothere');
      const kv = await keyValues();
      assert.equal(kv.temperature, 7);
      assert.equal(kv.nothere, undefined);
    });

    it('answers 204 when every attribute existed', async () => {
      const res = await t.http.patch(`${E}/attrs`).send({ temperature: { type: 'Property', value: 8 } });
      assert.equal(res.status, 204);
    });
  });

  describe('partial update (PATCH .../attrs/{attrId})', () => {
    it('changes the given members and keeps the others', async () => {
      const res = await t.http.patch(`${E}/attrs/temperature`).send({ value: 9 });
      assert.equal(res.status, 204, JSON.stringify(res.body));
      assert.deepEqual((await normalized()).temperature, { type: 'Property', value: 9, unitCode: 'CEL' });
    });

    it('targets one instance with datasetId', async () => {
      const res = await t.http.patch(`${E}/attrs/humidity?datasetId=urn:ngsi-ld:Dataset:b`).send({ value: 99 });
      assert.equal(res.status, 204, JSON.stringify(res.body));
      const humidity = (await normalized()).humidity as Array<{ value: number; datasetId?: string }>;
      assert.deepEqual(humidity.map((h) => h.value).sort(), [40, 99]);
    });

    it('is 404 for an attribute the entity lacks', async () => {
      const res = await t.http.patch(`${E}/attrs/pressure`).send({ value: 1 });
      assert.equal(res.status, 404);
      assert.equal(res.body.type, 'https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound');
    });
  });

  describe('replace (PUT .../attrs/{attrId})', () => {
    it('replaces the attribute whole', async () => {
      const res = await t.http.put(`${E}/attrs/temperature`).send({ type: 'Property', value: 11 });
      assert.equal(res.status, 204, JSON.stringify(res.body));
      assert.deepEqual((await normalized()).temperature, { type: 'Property', value: 11 });
    });

    it('is 404 for an attribute the entity lacks', async () => {
      assert.equal((await t.http.put(`${E}/attrs/pressure`).send({ type: 'Property', value: 1 })).status, 404);
    });
  });

  describe('delete (DELETE .../attrs/{attrId})', () => {
    it('removes the default instance only, unless datasetId or deleteAll says otherwise', async () => {
      assert.equal((await t.http.delete(`${E}/attrs/humidity`)).status, 204);
      let humidity = (await normalized()).humidity;
      assert.equal(humidity.datasetId, 'urn:ngsi-ld:Dataset:b');
      assert.equal((await t.http.delete(`${E}/attrs/humidity?datasetId=urn:ngsi-ld:Dataset:b`)).status, 204);
      humidity = (await normalized()).humidity;
      assert.equal(humidity, undefined);
    });

    it('deleteAll=true removes every instance', async () => {
      assert.equal((await t.http.delete(`${E}/attrs/humidity?deleteAll=true`)).status, 204);
      assert.equal((await normalized()).humidity, undefined);
    });

    it('is 404 for an unknown attribute and 400 for a bad deleteAll', async () => {
      assert.equal((await t.http.delete(`${E}/attrs/pressure`)).status, 404);
      assert.equal((await t.http.delete(`${E}/attrs/humidity?deleteAll=maybe`)).status, 400);
      assert.ok((await normalized()).humidity, 'still there');
    });
  });
});
