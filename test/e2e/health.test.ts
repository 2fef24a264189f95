import { strict as assert } from 'node:assert';
import { startTestServer, type TestServer } from '../helpers/server';

describe('e2e: GET /health and unknown paths', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.stop();
  });

  it('reports liveness with the version', async () => {
    const res = await t.http.get('/health');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.body.status, 'ok');
    assert.match(res.body.version, /^\d+\.\d+\.\d+/);
  });

  it('answers an unknown path with 404 ProblemDetails', async () => {
    const res = await t.http.get('/ngsi-ld/v1/nothing');
    assert.equal(res.status, 404);
    assert.equal(res.body.type, 'https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound');
  });
});
