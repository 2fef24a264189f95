import assert from 'node:assert/strict';
import { compileTerms } from '../../../src/ngsi/jsonld/compile';
import { CORE_CONTEXT_V1_8, CORE_CONTEXT_V1_9, coreContextDocument } from '../../../src/ngsi/jsonld/core';
import { coreTermMaps, processSimpleContext } from '../../../src/ngsi/jsonld/core-terms';

const noFetch = async (url: string): Promise<never> => {
  throw new Error(`unexpected load of ${url}`);
};

describe('ngsi/jsonld core-terms (synchronous core processing)', () => {
  for (const url of [CORE_CONTEXT_V1_8, CORE_CONTEXT_V1_9]) {
    it(`matches jsonld.js term by term for ${url.split('/').pop()}`, async () => {
      const reference = (await compileTerms([url], noFetch)).maps;
      const fast = coreTermMaps(url);
      const terms = Object.keys(coreContextDocument(url)['@context'] as object).filter((t) => !t.startsWith('@'));
      assert.ok(terms.length > 100);
      const probes = [...terms, 'temperature', 'ngsi-ld:other', 'geojson:thing', 'urn:x:1', 'http://a.test/b'];
      for (const term of probes) {
        const iri = reference.expandTerm(term);
        assert.equal(fast.expandTerm(term), iri, `expandTerm(${term})`);
        assert.equal(fast.compactIri(iri), reference.compactIri(iri), `compactIri(${iri})`);
      }
    });
  }

  it('refuses context features it does not implement instead of guessing', () => {
    assert.throws(() => processSimpleContext({ a: { '@id': 'http://x.test/a', '@reverse': 'http://x.test/b' } }), /unsupported member @reverse/);
    assert.throws(() => processSimpleContext({ a: 5 }), /unsupported definition/);
  });
});
