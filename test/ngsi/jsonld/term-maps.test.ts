import assert from 'node:assert/strict';
import { compileContext } from '../../../src/ngsi/jsonld/compile';
import type { ContextSource } from '../../../src/ngsi/jsonld/context';
import { CORE_CONTEXT_V1_8, CORE_CONTEXT_V1_9 } from '../../../src/ngsi/jsonld/core';
import { NgsiError } from '../../../src/ngsi/errors';

const NGSI = 'https://uri.etsi.org/ngsi-ld/';
const DEFAULT = 'https://uri.etsi.org/ngsi-ld/default-context/';

const remote: Record<string, unknown> = {
  'http://ctx.test/importsCore.jsonld': {
    '@context': [CORE_CONTEXT_V1_8, { location: 'http://evil.test/location', speed: 'http://ex.test/speed' }],
  },
};
const noFetch = async (url: string) => {
  const doc = remote[url];
  if (doc === undefined) throw new Error(`unexpected load of ${url}`);
  return doc as { '@context': unknown };
};
const compile = (source?: ContextSource) => compileContext(source, noFetch);

describe('ngsi/jsonld term maps', () => {
  describe('with the core context only', () => {
    it('expands core terms to their NGSI-LD IRIs and compacts them back', async () => {
      const ctx = await compile();
      assert.equal(ctx.expandTerm('location'), `${NGSI}location`);
      assert.equal(ctx.expandTerm('Property'), `${NGSI}Property`);
      assert.equal(ctx.expandTerm('observedAt'), `${NGSI}observedAt`);
      assert.equal(ctx.expandTerm('value'), `${NGSI}hasValue`);
      assert.equal(ctx.expandTerm('Point'), 'https://purl.org/geojson/vocab#Point');
      assert.equal(ctx.compactIri(`${NGSI}location`), 'location');
      assert.equal(ctx.compactIri(`${NGSI}hasValue`), 'value');
      assert.equal(ctx.compactIri('https://purl.org/geojson/vocab#Point'), 'Point');
    });

    it('maps keyword aliases both ways', async () => {
      const ctx = await compile();
      assert.equal(ctx.expandTerm('id'), '@id');
      assert.equal(ctx.expandTerm('type'), '@type');
      assert.equal(ctx.compactIri('@type'), 'type');
    });

    it('expands unknown terms under the default @vocab and compacts them to the bare term', async () => {
      const ctx = await compile();
      assert.equal(ctx.expandTerm('temperature'), `${DEFAULT}temperature`);
      assert.equal(ctx.compactIri(`${DEFAULT}temperature`), 'temperature');
      // v1.8 maps attributeCount relative to @vocab
      assert.equal(ctx.expandTerm('attributeCount'), `${DEFAULT}attributeCount`);
    });

    it('expands compact IRIs over core prefixes and compacts unknown NGSI-LD IRIs to them', async () => {
      const ctx = await compile();
      assert.equal(ctx.expandTerm('ngsi-ld:foo'), `${NGSI}foo`);
      assert.equal(ctx.compactIri(`${NGSI}foo`), 'ngsi-ld:foo');
      assert.equal(ctx.compactIri('https://purl.org/geojson/vocab#bar'), 'geojson:bar');
    });

    it('leaves absolute IRIs and URNs as they are, both ways', async () => {
      const ctx = await compile();
      for (const iri of ['urn:ngsi-ld:Thing:1', 'http://example.org/a#b', 'https://x.test/y']) {
        assert.equal(ctx.expandTerm(iri), iri);
        assert.equal(ctx.compactIri(iri), iri);
      }
    });

    it('keeps keywords and keyword look-alikes unchanged', async () => {
      const ctx = await compile();
      assert.equal(ctx.expandTerm('@context'), '@context');
      assert.equal(ctx.expandTerm('@foo'), '@foo');
    });

    it('gives the same answer from the memo as on first look-up', async () => {
      const ctx = await compile();
      const first = ctx.expandTerm('brandNewTerm');
      assert.equal(ctx.expandTerm('brandNewTerm'), first);
      assert.equal(ctx.compactIri(first), 'brandNewTerm');
      assert.equal(ctx.compactIri(first), 'brandNewTerm');
    });
  });

  describe('with a user context', () => {
    const user = {
      ex: 'http://example.org/',
      schema: 'https://schema.org/',
      temp: 'ex:temperature',
      t: 'ex:temperature',
      building: { '@id': 'ex:refBuilding', '@type': '@id' },
      refBuilding: 'ex:refBuilding',
      category: { '@id': 'ex:category', '@type': '@vocab' },
      cats: { '@id': 'ex:category', '@container': '@list' },
      readings: { '@id': 'ex:readings', '@container': '@list' },
      Sensor: 'ex:Sensor',
      location: 'http://evil.test/location',
      'ex:explicit': 'http://example.org/explicit',
    };

    it('expands user terms and user prefixes', async () => {
      const ctx = await compile(user);
      assert.equal(ctx.expandTerm('temp'), 'http://example.org/temperature');
      assert.equal(ctx.expandTerm('Sensor'), 'http://example.org/Sensor');
      assert.equal(ctx.expandTerm('schema:name'), 'https://schema.org/name');
    });

    it('compacts to the shortest, then least term among plain ones', async () => {
      const ctx = await compile(user);
      assert.equal(ctx.compactIri('http://example.org/temperature'), 't');
    });

    it('prefers an @type @id term, as jsonld.js does for node values', async () => {
      const ctx = await compile(user);
      assert.equal(ctx.compactIri('http://example.org/refBuilding'), 'building');
    });

    it('uses a coerced term when no plain term exists (Orion-LD behaviour, not jsonld.js)', async () => {
      const ctx = await compile(user);
      // jsonld.js would render ex:category / ex:readings here
      assert.equal(ctx.compactIri('http://example.org/category'), 'cats');
      assert.equal(ctx.compactIri('http://example.org/readings'), 'readings');
    });

    it('compacts other IRIs under a user prefix to compact IRIs', async () => {
      const ctx = await compile(user);
      assert.equal(ctx.compactIri('https://schema.org/name'), 'schema:name');
      assert.equal(ctx.compactIri('http://example.org/explicit'), 'ex:explicit');
    });

    it('lets core terms win over user redefinitions (the core is protected)', async () => {
      const ctx = await compile(user);
      assert.equal(ctx.expandTerm('location'), `${NGSI}location`);
      assert.equal(ctx.compactIri(`${NGSI}location`), 'location');
    });

    it('lets core terms win when the user lists the core first and redefines a core term after it', async () => {
      const ctx = await compile([CORE_CONTEXT_V1_8, { location: 'http://evil.test/location', speed: 'http://ex.test/speed' }]);
      assert.equal(ctx.expandTerm('location'), `${NGSI}location`);
      assert.equal(ctx.expandTerm('speed'), 'http://ex.test/speed');
    });

    it('lets core terms win over a remote user context that imports the core itself', async () => {
      const ctx = await compile('http://ctx.test/importsCore.jsonld');
      assert.equal(ctx.expandTerm('location'), `${NGSI}location`);
      assert.equal(ctx.expandTerm('speed'), 'http://ex.test/speed');
    });

    it('ignores a user @vocab, since the core @vocab is applied last', async () => {
      const ctx = await compile({ '@vocab': 'http://vocab.test/' });
      assert.equal(ctx.expandTerm('anything'), `${DEFAULT}anything`);
    });

    it('applies the v1.9 core when the user names it', async () => {
      const v18 = await compile(CORE_CONTEXT_V1_8);
      const v19 = await compile([{ ex: 'http://example.org/' }, CORE_CONTEXT_V1_9]);
      assert.equal(v19.expandTerm('aggrMethods'), `${NGSI}aggrMethods`);
      assert.equal(v18.expandTerm('aggrMethods'), `${DEFAULT}aggrMethods`);
    });
  });

  describe('invalid contexts', () => {
    it('rejects a term mapped to a number with BadRequestData', async () => {
      await assert.rejects(compile({ temp: 42 } as unknown as ContextSource), (err: unknown) => {
        assert.ok(err instanceof NgsiError);
        assert.equal(err.problem, 'BadRequestData');
        assert.match(err.detail, /Invalid @context/);
        return true;
      });
    });

    it('rejects a relative URL with BadRequestData', async () => {
      await assert.rejects(compile('context.jsonld'), (err: unknown) => err instanceof NgsiError && err.problem === 'BadRequestData' && /absolute URL/.test(err.detail));
    });

    it('rejects a number or null inside a context array with BadRequestData', async () => {
      await assert.rejects(compile([5 as unknown as string]), (err: unknown) => err instanceof NgsiError && err.problem === 'BadRequestData' && /array item 0/.test(err.detail));
      await assert.rejects(compile([null as unknown as string]), (err: unknown) => err instanceof NgsiError && /got null/.test(err.detail));
    });
  });
});
