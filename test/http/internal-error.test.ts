import { strict as assert } from 'node:assert';
import { AccessGuard } from '../../src/broker/access';
import { Writable } from 'node:stream';
import pino from 'pino';
import supertest from 'supertest';
import { createBrokerServices } from '../../src/broker';
import { ChangeFeed } from '../../src/broker/changes';
import { createApp } from '../../src/http/app';
import { ContextManager } from '../../src/ngsi/jsonld/manager';
import { createSqliteStore } from '../../src/store/sqlite';

describe('http: unexpected failures', () => {
  it('answer 500 InternalError without internals, and are logged with the request', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'error' }, new Writable({ write: (chunk, _enc, done) => { lines.push(String(chunk)); done(); } }));
    const store = createSqliteStore({ memory: true });
    const deps = { store, feed: new ChangeFeed(), now: () => new Date().toISOString(), limits: { maxBatchEntities: 100, defaultLimit: 20, maxLimit: 1000 }, access: new AccessGuard(undefined) };
    const app = createApp({
      ...createBrokerServices(deps),
      contexts: new ContextManager({ store, selfBaseUrl: 'http://127.0.0.1:1', fetchTimeoutMs: 100, maxContextBytes: 1000, cacheSize: 10 }),
      limits: { defaultLimit: 20, maxLimit: 1000, maxBodyBytes: 1000 },
      log,
    });
    await store.close(); // every store call now throws a plain Error: a bug, not a client error

    const res = await supertest(app).get('/ngsi-ld/v1/entities/urn:ngsi-ld:Sensor:1');
    assert.equal(res.status, 500);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.body.type, 'https://uri.etsi.org/ngsi-ld/errors/InternalError');
    assert.doesNotMatch(JSON.stringify(res.body), /SQLite|closed/);
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0]) as { msg: string; url: string; err: { message: string } };
    assert.equal(entry.url, '/ngsi-ld/v1/entities/urn:ngsi-ld:Sensor:1');
    assert.match(entry.err.message, /closed/);
  });
});
