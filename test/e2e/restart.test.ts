import { strict as assert } from 'node:assert';
import { rmSync } from 'node:fs';
import { sensor, startTestServer } from '../helpers/server';

describe('e2e: durability', () => {
  it('serves what was written before a restart on the same data directory', async () => {
    const first = await startTestServer();
    try {
      await first.http.post('/ngsi-ld/v1/entities').send(sensor(1)).expect(201);
      await first.http.post('/ngsi-ld/v1/entities').set('NGSILD-Tenant', 'acme').send(sensor(2)).expect(201);
      await first.http.post('/ngsi-ld/v1/jsonldContexts').send({ '@context': { Sensor: 'https://example.org/Sensor' } }).expect(201);
    } finally {
      await first.stop(false);
    }
    const second = await startTestServer({}, first.dataDir);
    try {
      const one = await second.http.get('/ngsi-ld/v1/entities/urn:ngsi-ld:Sensor:1?options=keyValues').expect(200);
      assert.equal(one.body.temperature, 21);
      const two = await second.http.get('/ngsi-ld/v1/entities?type=Sensor&options=keyValues').set('NGSILD-Tenant', 'acme').expect(200);
      assert.deepEqual(two.body.map((e: { id: string }) => e.id), ['urn:ngsi-ld:Sensor:2']);
      const hosted = await second.http.get('/ngsi-ld/v1/jsonldContexts?kind=Hosted').expect(200);
      assert.equal(hosted.body.length, 1);
    } finally {
      await second.stop(false);
      rmSync(first.dataDir, { recursive: true, force: true });
    }
  });

  it('keeps nothing in --memory mode after a restart', async () => {
    const first = await startTestServer({ memory: true });
    await first.http.post('/ngsi-ld/v1/entities').send(sensor(1)).expect(201);
    await first.stop(false);
    const second = await startTestServer({ memory: true }, first.dataDir);
    try {
      await second.http.get('/ngsi-ld/v1/entities/urn:ngsi-ld:Sensor:1').expect(404);
    } finally {
      await second.stop();
    }
  });
});
