import assert from 'node:assert/strict';
import { NgsiError, type ProblemTypeName } from '../../../src/ngsi/errors';
import { CORE_CONTEXT_UNVERSIONED, CORE_CONTEXT_V1_8, CORE_CONTEXT_V1_9 } from '../../../src/ngsi/jsonld/core';
import { ContextManager, type ContextDetails, type ContextManagerDeps } from '../../../src/ngsi/jsonld/manager';
import { ContextServer, MemoryContextStore } from './helpers';

const NGSI = 'https://uri.etsi.org/ngsi-ld/';
/** Nothing listens there: any HTTP attempt at a hosted URL would fail the test. */
const SELF = 'http://127.0.0.1:9';

function rejectsWith(problem: ProblemTypeName, detail: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof NgsiError, `expected NgsiError, got ${String(err)}`);
    assert.equal(err.problem, problem, err.detail);
    assert.match(err.detail, detail);
    return true;
  };
}

describe('ngsi/jsonld ContextManager', () => {
  const server = new ContextServer();
  let store: MemoryContextStore;
  const manager = (overrides: Partial<ContextManagerDeps> = {}) =>
    new ContextManager({ store, selfBaseUrl: SELF, fetchTimeoutMs: 2000, maxContextBytes: 10_000, cacheSize: 10, ...overrides });

  before(() => server.start());
  after(() => server.stop());
  beforeEach(() => {
    store = new MemoryContextStore();
    server.routes.clear();
    server.requests.length = 0;
  });

  describe('resolve', () => {
    it('gives the core context for no @context and for the default core URL, without any request', async () => {
      const m = manager();
      assert.equal(await m.resolve(undefined), m.core);
      assert.equal(await m.resolve(CORE_CONTEXT_V1_8), m.core);
      assert.equal(m.core.linkUrl, CORE_CONTEXT_V1_8);
      assert.equal(m.core.source, CORE_CONTEXT_V1_8);
      assert.equal(m.core.expandTerm('location'), `${NGSI}location`);
      const unversioned = await m.resolve(CORE_CONTEXT_UNVERSIONED);
      assert.equal(unversioned.expandTerm('observedAt'), `${NGSI}observedAt`);
      assert.equal(unversioned.linkUrl, CORE_CONTEXT_UNVERSIONED);
      const v19 = await m.resolve(CORE_CONTEXT_V1_9);
      assert.equal(v19.expandTerm('aggrMethods'), `${NGSI}aggrMethods`);
      assert.deepEqual(server.requests, []);
    });

    it('fetches a remote context once, then serves it from the cache', async () => {
      const url = server.json('/a.jsonld', { '@context': { ex: 'http://example.org/', temp: 'ex:temperature' } });
      const m = manager();
      const first = await m.resolve(url);
      assert.equal(first.expandTerm('temp'), 'http://example.org/temperature');
      assert.equal(first.expandTerm('location'), `${NGSI}location`);
      assert.equal(first.linkUrl, url);
      assert.equal(await m.resolve(url), first);
      assert.equal(server.count('/a.jsonld'), 1);
    });

    it('records a fetched context in the store as Cached, so a new manager needs no request', async () => {
      const url = server.json('/a.jsonld', { '@context': { temp: 'http://example.org/temperature' } });
      await manager().resolve(url);
      const stored = [...store.records.values()];
      assert.equal(stored.length, 1);
      assert.equal(stored[0].kind, 'Cached');
      assert.equal(stored[0].url, url);
      const again = await manager().resolve([url, CORE_CONTEXT_V1_8]);
      assert.equal(again.expandTerm('temp'), 'http://example.org/temperature');
      assert.equal(server.count('/a.jsonld'), 1);
    });

    it('makes one request for concurrent resolutions of the same URL', async () => {
      const url = server.json('/a.jsonld', { '@context': { temp: 'http://example.org/temperature' } });
      const m = manager();
      const [a, b] = await Promise.all([m.resolve(url), m.resolve(url)]);
      assert.equal(a, b);
      assert.equal(server.count('/a.jsonld'), 1);
    });

    it('compiles inline contexts once per content, echoing the source', async () => {
      const m = manager();
      const source = [{ ex: 'http://example.org/' }, CORE_CONTEXT_V1_8];
      const a = await m.resolve(source);
      const b = await m.resolve(structuredClone(source));
      assert.equal(a, b);
      assert.deepEqual(a.source, source);
      assert.equal(a.linkUrl, undefined);
      assert.match(a.key, /^sha256:\S+ https:\/\/uri\.etsi\.org/);
    });

    it('recompiles after LRU eviction without refetching the document', async () => {
      const a = server.json('/a.jsonld', { '@context': { a: 'http://example.org/a' } });
      const b = server.json('/b.jsonld', { '@context': { b: 'http://example.org/b' } });
      const m = manager({ cacheSize: 1 });
      const first = await m.resolve(a);
      await m.resolve(b);
      const again = await m.resolve(a);
      assert.notEqual(again, first);
      assert.equal(again.expandTerm('a'), 'http://example.org/a');
      assert.equal(server.count('/a.jsonld'), 1);
    });

    it('loads nested remote references through the same loader', async () => {
      const inner = server.json('/inner.jsonld', { '@context': { deep: 'http://example.org/deep' } });
      const outer = server.json('/outer.jsonld', { '@context': [inner, { top: 'http://example.org/top' }] });
      const ctx = await manager().resolve(outer);
      assert.equal(ctx.expandTerm('deep'), 'http://example.org/deep');
      assert.equal(ctx.expandTerm('top'), 'http://example.org/top');
      assert.equal(server.count('/inner.jsonld'), 1);
    });

    it('applies the limits to nested references too', async () => {
      const outer = server.json('/outer.jsonld', { '@context': [`${server.base}/missing.jsonld`] });
      await assert.rejects(manager().resolve(outer), rejectsWith('LdContextNotAvailable', /missing\.jsonld.*HTTP 404/));
    });
  });

  describe('resolve failures', () => {
    it('times out on a server that never answers', async () => {
      server.routes.set('/hang.jsonld', () => undefined);
      const started = Date.now();
      await assert.rejects(manager({ fetchTimeoutMs: 150 }).resolve(`${server.base}/hang.jsonld`), rejectsWith('LdContextNotAvailable', /hang\.jsonld: no complete answer within 150 ms/));
      assert.ok(Date.now() - started < 2000, 'gave up quickly');
    });

    it('times out on a body that stalls half-way', async () => {
      server.routes.set('/slow.jsonld', (_req, res) => {
        res.write('{"@context": {');
      });
      await assert.rejects(manager({ fetchTimeoutMs: 150 }).resolve(`${server.base}/slow.jsonld`), rejectsWith('LdContextNotAvailable', /no complete answer/));
    });

    it('reports a 404', async () => {
      await assert.rejects(manager().resolve(`${server.base}/nope.jsonld`), rejectsWith('LdContextNotAvailable', /nope\.jsonld: HTTP 404/));
    });

    it('refuses a body larger than the limit (declared length)', async () => {
      const url = server.json('/big.jsonld', { '@context': { big: 'x'.repeat(20_000) } });
      await assert.rejects(manager().resolve(url), rejectsWith('LdContextNotAvailable', /more than the limit of 10000/));
    });

    it('refuses a body larger than the limit (streamed, no length)', async () => {
      server.routes.set('/chunked.jsonld', (_req, res) => {
        res.write('{"@context": {"a": "');
        res.write('x'.repeat(6000));
        res.write('x'.repeat(6000));
        res.end('"}}');
      });
      await assert.rejects(manager().resolve(`${server.base}/chunked.jsonld`), rejectsWith('LdContextNotAvailable', /exceeds the limit of 10000 bytes/));
    });

    it('reports invalid JSON', async () => {
      const url = server.json('/bad.jsonld', '{"@context": ');
      await assert.rejects(manager().resolve(url), rejectsWith('LdContextNotAvailable', /bad\.jsonld: not valid JSON/));
    });

    it('reports JSON without an @context member', async () => {
      const url = server.json('/plain.json', { hello: 'world' });
      await assert.rejects(manager().resolve(url), rejectsWith('LdContextNotAvailable', /not a JSON object with an "@context" member/));
    });

    it('reports a refused connection', async () => {
      const closed = new ContextServer();
      await closed.start();
      await closed.stop();
      await assert.rejects(manager().resolve(`${closed.base}/ctx.jsonld`), rejectsWith('LdContextNotAvailable', /ECONNREFUSED/));
    });

    it('does not try to dereference non-HTTP URLs', async () => {
      await assert.rejects(manager().resolve('urn:ngsi-ld:ctx:1'), rejectsWith('LdContextNotAvailable', /cannot dereference a urn: URL/));
    });

    it('gives BadRequestData for a syntactically invalid remote context', async () => {
      const url = server.json('/invalid.jsonld', { '@context': { temp: 42 } });
      await assert.rejects(manager().resolve(url), rejectsWith('BadRequestData', /Invalid @context/));
    });

    it('does not cache failures', async () => {
      const m = manager();
      await assert.rejects(m.resolve(`${server.base}/later.jsonld`));
      server.json('/later.jsonld', { '@context': { later: 'http://example.org/later' } });
      assert.equal((await m.resolve(`${server.base}/later.jsonld`)).expandTerm('later'), 'http://example.org/later');
    });
  });

  describe('/jsonldContexts operations', () => {
    const hostedBody = { '@context': { ex: 'http://example.org/', hostedTerm: 'ex:hosted' } };

    it('hosts a context and resolves its URL from the store, without HTTP', async () => {
      const m = manager();
      const record = await m.addHosted(hostedBody);
      assert.equal(record.kind, 'Hosted');
      assert.match(record.id, /^urn:ngsi-ld:jsonldContext:[0-9a-f-]{36}$/);
      assert.equal(record.url, `${SELF}/ngsi-ld/v1/jsonldContexts/${record.id}`);
      assert.deepEqual(store.records.get(record.id)?.body, hostedBody);
      const ctx = await m.resolve(record.url);
      assert.equal(ctx.expandTerm('hostedTerm'), 'http://example.org/hosted');
      // percent-encoded spelling of the same URL
      const encoded = await m.resolve(`${SELF}/ngsi-ld/v1/jsonldContexts/${encodeURIComponent(record.id)}`);
      assert.equal(encoded.expandTerm('hostedTerm'), 'http://example.org/hosted');
    });

    it('rejects hosting payloads that are not a valid @context', async () => {
      const m = manager();
      await assert.rejects(m.addHosted([hostedBody]), rejectsWith('BadRequestData', /JSON object with an "@context" member/));
      await assert.rejects(m.addHosted({ context: {} }), rejectsWith('BadRequestData', /"@context" member/));
      await assert.rejects(m.addHosted({ '@context': 5 }), rejectsWith('BadRequestData', /must be a URL, an object or an array/));
      await assert.rejects(m.addHosted({ '@context': { bad: 42 } }), rejectsWith('BadRequestData', /Invalid @context/));
      assert.equal(store.records.size, 0);
    });

    it('lists URLs or details, with the core contexts, filtered by kind', async () => {
      const m = manager();
      const hosted = await m.addHosted(hostedBody);
      const cachedUrl = server.json('/c.jsonld', { '@context': { c: 'http://example.org/c' } });
      await m.resolve(cachedUrl);
      const urls = await m.list({ details: false });
      assert.deepEqual(new Set(urls), new Set([CORE_CONTEXT_V1_8, CORE_CONTEXT_V1_9, hosted.url, cachedUrl]));
      assert.deepEqual(await m.list({ kind: 'Hosted', details: false }), [hosted.url]);
      const details = await m.list({ kind: 'Cached', details: true });
      assert.deepEqual(details.map((d) => d.URL).sort(), [CORE_CONTEXT_V1_8, CORE_CONTEXT_V1_9, cachedUrl].sort());
      for (const d of details) assert.equal(d.kind, 'Cached');
      await assert.rejects(m.list({ kind: 'Bogus', details: false }), rejectsWith('BadRequestData', /Invalid kind "Bogus"/));
    });

    it('serves a hosted body and details, and counts its uses', async () => {
      const m = manager();
      const hosted = await m.addHosted(hostedBody);
      assert.deepEqual(await m.get(hosted.id, false), hostedBody);
      const before = await m.get(hosted.id, true);
      assert.equal(before.numberOfHits, 0);
      assert.equal(before.lastUsage, undefined);
      for (let i = 0; i < 3; i++) await m.resolve(hosted.url);
      const after: ContextDetails = await m.get(hosted.id, true);
      assert.deepEqual({ ...after, lastUsage: undefined }, {
        URL: hosted.url, localId: hosted.id, kind: 'Hosted', timestamp: hosted.createdAt, numberOfHits: 3, lastUsage: undefined,
      });
      assert.ok(after.lastUsage && !Number.isNaN(Date.parse(after.lastUsage)));
    });

    it('serves the core context by id or URL, but not the body of a Cached one', async () => {
      const m = manager();
      const core = (await m.get(CORE_CONTEXT_UNVERSIONED, false)) as { '@context': Record<string, unknown> };
      assert.equal(core['@context']['@vocab'], 'https://uri.etsi.org/ngsi-ld/default-context/');
      assert.equal((await m.get('ngsi-ld-core-context-v1.9', true)).URL, CORE_CONTEXT_V1_9);
      const cachedUrl = server.json('/c.jsonld', { '@context': { c: 'http://example.org/c' } });
      await m.resolve(cachedUrl);
      const byUrl = await m.get(cachedUrl, true);
      assert.equal(byUrl.kind, 'Cached');
      assert.equal((await m.get(byUrl.localId, true)).URL, cachedUrl);
      await assert.rejects(m.get(cachedUrl, false), rejectsWith('OperationNotSupported', /Cached copy.*clause 5\.13\.4/));
      await assert.rejects(m.get('urn:nothing', false), rejectsWith('ResourceNotFound', /urn:nothing/));
    });

    it('deletes a hosted context and forgets what was compiled from it', async () => {
      const m = manager();
      const hosted = await m.addHosted(hostedBody);
      await m.resolve(hosted.url);
      await m.delete(hosted.id, { reload: false });
      assert.equal(store.records.size, 0);
      await assert.rejects(m.resolve(hosted.url), rejectsWith('LdContextNotAvailable', /no @context with id .* is hosted here/));
      await assert.rejects(m.delete(hosted.id, { reload: false }), rejectsWith('ResourceNotFound', /No @context/));
    });

    it('refuses to delete the core context, and to reload a hosted one', async () => {
      const m = manager();
      await assert.rejects(m.delete(CORE_CONTEXT_V1_8, { reload: false }), rejectsWith('BadRequestData', /core @context/));
      await assert.rejects(m.delete('ngsi-ld-core-context-v1.8', { reload: true }), rejectsWith('BadRequestData', /core @context/));
      const hosted = await m.addHosted(hostedBody);
      await assert.rejects(m.delete(hosted.id, { reload: true }), rejectsWith('BadRequestData', /Cached @contexts only/));
    });

    it('deletes a Cached context (by URL) so the next use downloads it again', async () => {
      const url = server.json('/c.jsonld', { '@context': { c: 'http://example.org/c1' } });
      const m = manager();
      await m.resolve(url);
      server.json('/c.jsonld', { '@context': { c: 'http://example.org/c2' } });
      await m.delete(url, { reload: false });
      assert.equal(store.records.size, 0);
      assert.equal((await m.resolve(url)).expandTerm('c'), 'http://example.org/c2');
      assert.equal(server.count('/c.jsonld'), 2);
    });

    it('reloads a Cached context in place, and keeps the old copy when the download fails', async () => {
      const url = server.json('/c.jsonld', { '@context': { c: 'http://example.org/c1' } });
      const m = manager();
      await m.resolve(url);
      const { localId } = await m.get(url, true);
      server.json('/c.jsonld', { '@context': { c: 'http://example.org/c2' } });
      await m.delete(localId, { reload: true });
      assert.equal(server.count('/c.jsonld'), 2);
      assert.equal((await m.resolve(url)).expandTerm('c'), 'http://example.org/c2');
      assert.equal(server.count('/c.jsonld'), 2);
      assert.equal((await m.get(url, true)).localId, localId);

      server.routes.delete('/c.jsonld');
      await assert.rejects(m.delete(localId, { reload: true }), rejectsWith('LdContextNotAvailable', /HTTP 404/));
      assert.equal((await m.resolve(url)).expandTerm('c'), 'http://example.org/c2');
    });
  });
});
