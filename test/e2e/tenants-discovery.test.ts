import { strict as assert } from 'node:assert';
import { sensor, startTestServer, type TestServer } from '../helpers/server';

const BASE = '/ngsi-ld/v1';

describe('e2e: tenants (clause 4.14) and discovery (clause 6.25 - 6.28)', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer();
  });
  afterEach(async () => {
    await t.stop();
  });

  describe('NGSILD-Tenant', () => {
    it('keeps tenants fully isolated', async () => {
      assert.equal((await t.http.post(`${BASE}/entities`).set('NGSILD-Tenant', 'acme').send(sensor(1))).status, 201);
      assert.equal((await t.http.post(`${BASE}/entities`).send(sensor(1, { temperature: { type: 'Property', value: 5 } }))).status, 201);
      const acme = await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1?options=keyValues`).set('NGSILD-Tenant', 'acme');
      const dflt = await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1?options=keyValues`);
      assert.equal(acme.body.temperature, 21);
      assert.equal(dflt.body.temperature, 5);
      await t.http.delete(`${BASE}/entities/urn:ngsi-ld:Sensor:1`).set('NGSILD-Tenant', 'acme').expect(204);
      await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1`).expect(200);
    });

    it('answers NonexistentTenant (404) to reads and updates of an unknown tenant, and does not create it', async () => {
      for (const res of [
        await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1`).set('NGSILD-Tenant', 'ghost'),
        await t.http.get(`${BASE}/entities?type=Sensor`).set('NGSILD-Tenant', 'ghost'),
        await t.http.get(`${BASE}/types`).set('NGSILD-Tenant', 'ghost'),
        await t.http.patch(`${BASE}/entities/urn:ngsi-ld:Sensor:1/attrs`).set('NGSILD-Tenant', 'ghost').send({ a: { type: 'Property', value: 1 } }),
      ]) {
        assert.equal(res.status, 404);
        assert.equal(res.body.type, 'https://uri.etsi.org/ngsi-ld/errors/NonexistentTenant');
      }
      const again = await t.http.get(`${BASE}/entities?type=Sensor`).set('NGSILD-Tenant', 'ghost');
      assert.equal(again.body.type, 'https://uri.etsi.org/ngsi-ld/errors/NonexistentTenant');
    });

    it('rejects a malformed tenant name with 400', async () => {
      const res = await t.http.get(`${BASE}/entities?type=Sensor`).set('NGSILD-Tenant', '../etc');
      assert.equal(res.status, 400);
    });
  });

  describe('discovery', () => {
    beforeEach(async () => {
      await t.http.post(`${BASE}/entities`).send(sensor(1)).expect(201);
      await t.http.post(`${BASE}/entities`).send(sensor(2, { owner: { type: 'Relationship', object: 'urn:ngsi-ld:Person:1' } })).expect(201);
      await t.http.post(`${BASE}/entities`).send({ id: 'urn:ngsi-ld:Room:1', type: 'Room', temperature: { type: 'Property', value: 19 } }).expect(201);
    });

    it('GET /types lists the entity types as an EntityTypeList', async () => {
      const res = await t.http.get(`${BASE}/types`).expect(200);
      assert.equal(res.body.type, 'EntityTypeList');
      assert.match(res.body.id, /^urn:ngsi-ld:EntityTypeList:/);
      assert.deepEqual([...res.body.typeList].sort(), ['Room', 'Sensor']);
    });

    it('GET /types?details=true lists EntityType objects with attribute names', async () => {
      const res = await t.http.get(`${BASE}/types?details=true`).expect(200);
      const s = res.body.find((x: { typeName: string }) => x.typeName === 'Sensor');
      assert.equal(s.type, 'EntityType');
      assert.equal(s.id, 'https://uri.etsi.org/ngsi-ld/default-context/Sensor');
      assert.deepEqual([...s.attributeNames].sort(), ['owner', 'temperature']);
    });

    it('GET /types/{type} gives EntityTypeInfo with counts and attribute kinds; unknown type 404', async () => {
      const res = await t.http.get(`${BASE}/types/Sensor`).expect(200);
      assert.equal(res.body.type, 'EntityTypeInfo');
      assert.equal(res.body.entityCount, 2);
      const owner = res.body.attributeDetails.find((a: { attributeName: string }) => a.attributeName === 'owner');
      assert.deepEqual(owner.attributeTypes, ['Relationship']);
      await t.http.get(`${BASE}/types/Nothing`).expect(404);
    });

    it('GET /attributes and /attributes/{attrId}', async () => {
      const list = await t.http.get(`${BASE}/attributes`).expect(200);
      assert.equal(list.body.type, 'AttributeList');
      assert.deepEqual(list.body.attributeList, ['owner', 'temperature']);
      const one = await t.http.get(`${BASE}/attributes/temperature`).expect(200);
      assert.equal(one.body.type, 'Attribute');
      assert.equal(one.body.attributeCount, 3);
      assert.deepEqual([...one.body.typeNames].sort(), ['Room', 'Sensor']);
      assert.deepEqual(one.body.attributeTypes, ['Property']);
      const details = await t.http.get(`${BASE}/attributes?details=true`).expect(200);
      assert.equal(details.body.length, 2);
      await t.http.get(`${BASE}/attributes/nothing`).expect(404);
    });
  });
});
