/**
 * The fast path checked against jsonld.js itself (ARCHITECTURE.md: jsonld.js stays the
 * reference). For each NGSI-LD document, jsonld.js expands it (the client's context, plus the
 * core context when the client did not list it) and compacts the result back; every name and
 * type IRI it produces must equal what expandTerm / compactIri give.
 */
import assert from 'node:assert/strict';
import jsonld from 'jsonld';
import { compileContext } from '../../../src/ngsi/jsonld/compile';
import type { CompiledContext, ContextSource } from '../../../src/ngsi/jsonld/context';
import {
  CORE_CONTEXT_UNVERSIONED,
  CORE_CONTEXT_V1_8,
  CORE_CONTEXT_V1_9,
  coreContextDocument,
  isCoreContextUrl,
} from '../../../src/ngsi/jsonld/core';

const NGSI = 'https://uri.etsi.org/ngsi-ld/';

/** Remote contexts of the corpus, served from memory to both jsonld.js and the fast path. */
const remote: Record<string, { '@context': unknown }> = {
  'http://ctx.test/sensors.jsonld': {
    '@context': { ex: 'http://example.org/', Sensor: 'ex:Sensor', temperature: 'ex:temperature', battery: 'ex:battery' },
  },
  'http://ctx.test/sdm-like.jsonld': {
    '@context': [
      CORE_CONTEXT_UNVERSIONED,
      {
        sdm: 'https://smartdatamodels.org/',
        schema: 'https://schema.org/',
        WeatherObserved: 'https://smartdatamodels.org/dataModel.Weather/WeatherObserved',
        dateObserved: 'https://smartdatamodels.org/dateObserved',
        address: 'https://schema.org/address',
        refDevice: { '@id': 'https://smartdatamodels.org/dataModel.Weather/refDevice', '@type': '@id' },
      },
    ],
  },
  'http://ctx.test/outer.jsonld': { '@context': ['http://ctx.test/sensors.jsonld', { humidity: 'ex:humidity' }] },
};

async function referenceLoader(url: string) {
  // The v1.9 core scopes one term with the W3C data-integrity context; an empty stand-in keeps
  // the reference off the network and does not change top-level terms.
  if (url === 'https://w3id.org/security/data-integrity/v2') return { contextUrl: null, documentUrl: url, document: { '@context': {} } };
  const document = isCoreContextUrl(url) ? coreContextDocument(url) : remote[url];
  if (document === undefined) throw new Error(`corpus: unexpected load of ${url}`);
  return { contextUrl: null, documentUrl: url, document: structuredClone(document) };
}

async function fastLoader(url: string) {
  const doc = remote[url];
  if (doc === undefined) throw new Error(`corpus: unexpected load of ${url}`);
  return doc;
}

interface CorpusDoc {
  name: string;
  doc: Record<string, unknown> & { '@context'?: ContextSource };
  /** IRIs where Weft deliberately compacts differently from jsonld.js (see term-maps.ts). */
  deviations?: Record<string, { jsonld: string; weft: string }>;
}

const point = { type: 'GeoProperty', value: { type: 'Point', coordinates: [13.4, 52.5] } };

const corpus: CorpusDoc[] = [
  {
    name: 'core context only (no @context)',
    doc: {
      id: 'urn:ngsi-ld:Building:1',
      type: 'Building',
      name: { type: 'Property', value: 'Main', observedAt: '2024-01-01T00:00:00Z' },
      height: { type: 'Property', value: 12.5, unitCode: 'MTR', accuracy: { type: 'Property', value: 0.1 } },
      location: point,
      owner: { type: 'Relationship', object: 'urn:ngsi-ld:Person:1', datasetId: 'urn:ngsi-ld:Dataset:a' },
    },
  },
  {
    name: 'user context with prefixes, compact IRIs and absolute IRIs as names',
    doc: {
      '@context': { ex: 'http://example.org/', schema: 'https://schema.org/', temperature: 'ex:temperature', Sensor: 'ex:Sensor' },
      id: 'urn:ngsi-ld:Sensor:1',
      type: 'Sensor',
      temperature: { type: 'Property', value: 21 },
      'schema:name': { type: 'Property', value: 'S1' },
      'http://example.org/humidity': { type: 'Property', value: 40 },
      'ex:extra': { type: 'Property', value: true },
    },
  },
  {
    name: 'terms with @type @id and @type @vocab',
    doc: {
      '@context': {
        ex: 'http://example.org/',
        refBuilding: { '@id': 'ex:refBuilding', '@type': '@id' },
        category: { '@id': 'ex:category', '@type': '@vocab' },
        Indoor: 'ex:Indoor',
        Room: 'ex:Room',
      },
      id: 'urn:ngsi-ld:Room:1',
      type: 'Room',
      refBuilding: { type: 'Relationship', object: 'urn:ngsi-ld:Building:1' },
      category: { type: 'VocabProperty', vocab: 'Indoor' },
    },
    deviations: { 'http://example.org/category': { jsonld: 'ex:category', weft: 'category' } },
  },
  {
    name: 'the core URL listed by the user after a remote user context',
    doc: {
      '@context': ['http://ctx.test/sensors.jsonld', CORE_CONTEXT_V1_8],
      id: 'urn:ngsi-ld:Sensor:2',
      type: 'Sensor',
      temperature: { type: 'Property', value: 20 },
      battery: { type: 'Property', value: 0.8, observedAt: '2024-01-01T00:00:00Z' },
      location: point,
    },
  },
  {
    name: 'the core URL listed first, then an inline context',
    doc: {
      '@context': [CORE_CONTEXT_V1_8, { ex: 'http://example.org/', speed: 'ex:speed', Vehicle: 'ex:Vehicle' }],
      id: 'urn:ngsi-ld:Vehicle:1',
      type: ['Vehicle', 'ex:Car'],
      speed: { type: 'Property', value: 80, unitCode: 'KMH' },
      brand: { type: 'Property', value: 'X' },
    },
  },
  {
    name: 'a context array with an inline object and a URL',
    doc: {
      '@context': [{ fleet: 'http://fleet.test/', driver: 'fleet:driver' }, 'http://ctx.test/sensors.jsonld'],
      id: 'urn:ngsi-ld:Sensor:3',
      type: 'Sensor',
      driver: { type: 'Relationship', object: 'urn:ngsi-ld:Person:2' },
      temperature: { type: 'Property', value: 19, driver: { type: 'Relationship', object: 'urn:ngsi-ld:Person:3' } },
    },
  },
  {
    name: 'the v1.9 core listed by the user',
    doc: {
      '@context': [{ ex: 'http://example.org/' }, CORE_CONTEXT_V1_9],
      id: 'urn:ngsi-ld:Thing:1',
      type: 'ex:Thing',
      'ex:level': { type: 'Property', value: 3 },
      tags: { type: 'ListProperty', valueList: ['a', 'b'] },
    },
  },
  {
    name: 'a remote context that imports another remote context',
    doc: {
      '@context': 'http://ctx.test/outer.jsonld',
      id: 'urn:ngsi-ld:Sensor:4',
      type: 'Sensor',
      humidity: { type: 'Property', value: 55 },
      temperature: { type: 'Property', value: 22 },
    },
  },
  {
    name: 'a user context redefining a core term before the core',
    doc: {
      '@context': [{ location: 'http://evil.test/location', ex: 'http://example.org/' }, CORE_CONTEXT_V1_8],
      id: 'urn:ngsi-ld:Place:1',
      type: 'ex:Place',
      location: point,
      'ex:area': { type: 'Property', value: 5 },
    },
  },
  {
    name: 'a Smart Data Models style context that imports the unversioned core',
    doc: {
      '@context': 'http://ctx.test/sdm-like.jsonld',
      id: 'urn:ngsi-ld:WeatherObserved:1',
      type: 'WeatherObserved',
      dateObserved: { type: 'Property', value: '2024-01-01T00:00:00Z' },
      address: { type: 'Property', value: { streetAddress: 'Main St 1', addressLocality: 'Town' } },
      refDevice: { type: 'Relationship', object: 'urn:ngsi-ld:Device:1' },
      windSpeed: { type: 'Property', value: 3.2 },
    },
  },
  {
    name: 'JSON and language properties keep their payloads unexpanded',
    doc: {
      id: 'urn:ngsi-ld:Doc:1',
      type: 'Doc',
      title: { type: 'LanguageProperty', languageMap: { en: 'Title', de: 'Titel' } },
      config: { type: 'JsonProperty', json: { anyKey: 1, nested: { other: true } } },
    },
  },
];

const SKIPPED_SUBTREES = new Set([`${NGSI}hasJSON`, `${NGSI}hasLanguageMap`]);

/** Every member name (outside @context and JSON / language payloads) and every `type` value of a client document. */
function clientNames(ctx: CompiledContext, node: unknown, names: Set<string>, types: Set<string>): void {
  if (Array.isArray(node)) return node.forEach((n) => clientNames(ctx, n, names, types));
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === '@context') continue;
    const iri = ctx.expandTerm(key);
    if (iri === '@type') for (const t of [value].flat()) types.add(ctx.expandTerm(t as string));
    if (!iri.startsWith('@')) names.add(iri);
    if (!SKIPPED_SUBTREES.has(iri) && iri !== '@id' && iri !== '@type') clientNames(ctx, value, names, types);
  }
}

/** Every property IRI and every node @type in a jsonld.js expanded document. */
function expandedNames(node: unknown, names: Set<string>, types: Set<string>): void {
  if (Array.isArray(node)) return node.forEach((n) => expandedNames(n, names, types));
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  if ('@value' in obj) return;
  for (const t of (obj['@type'] as string[] | undefined) ?? []) types.add(t);
  for (const [key, value] of Object.entries(obj)) {
    if (key.startsWith('@')) {
      if (key === '@list') expandedNames(value, names, types);
      continue;
    }
    names.add(key);
    if (!SKIPPED_SUBTREES.has(key)) expandedNames(value, names, types);
  }
}

/** Every member name and node type in a jsonld.js compacted document. */
function compactedNames(node: unknown, names: Set<string>, types: Set<string>, skip: Set<string>): void {
  if (Array.isArray(node)) return node.forEach((n) => compactedNames(n, names, types, skip));
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === '@context') continue;
    if (key === 'type') {
      for (const t of [value].flat()) types.add(t as string);
      continue;
    }
    if (key === 'id' || key.startsWith('@')) continue;
    names.add(key);
    if (!skip.has(key)) compactedNames(value, names, types, skip);
  }
}

const sorted = (s: Set<string>) => [...s].sort();

describe('ngsi/jsonld fast path against jsonld.js (corpus)', () => {
  for (const { name, doc, deviations = {} } of corpus) {
    it(name, async () => {
      const given = doc['@context'];
      const ctx = await compileContext(given, fastLoader);
      const givenParts = given === undefined ? [] : [given].flat();
      const referenceContext = givenParts.some((p) => typeof p === 'string' && isCoreContextUrl(p)) ? givenParts : [...givenParts, CORE_CONTEXT_V1_8];
      const options = { documentLoader: referenceLoader } as unknown as jsonld.Options.Expand;

      const expanded = await jsonld.expand({ ...doc, '@context': referenceContext } as jsonld.JsonLdDocument, options);
      const refNames = new Set<string>();
      const refTypes = new Set<string>();
      expandedNames(expanded, refNames, refTypes);
      const fastNames = new Set<string>();
      const fastTypes = new Set<string>();
      clientNames(ctx, doc, fastNames, fastTypes);
      assert.deepEqual(sorted(fastNames), sorted(refNames), 'expanded names');
      assert.deepEqual(sorted(fastTypes), sorted(refTypes), 'expanded types');

      const compacted = await jsonld.compact(expanded, referenceContext as unknown as jsonld.ContextDefinition, options as jsonld.Options.Compact);
      const skip = new Set([ctx.compactIri(`${NGSI}hasJSON`), ctx.compactIri(`${NGSI}hasLanguageMap`)]);
      const cNames = new Set<string>();
      const cTypes = new Set<string>();
      compactedNames(compacted, cNames, cTypes, skip);
      const expectedNames = new Set([...refNames].map((iri) => deviations[iri]?.jsonld ?? ctx.compactIri(iri)));
      assert.deepEqual(sorted(cNames), sorted(expectedNames), 'compacted names');
      assert.deepEqual(sorted(cTypes), sorted(new Set([...refTypes].map((iri) => ctx.compactIri(iri)))), 'compacted types');
      for (const [iri, { weft }] of Object.entries(deviations)) assert.equal(ctx.compactIri(iri), weft, `deliberate deviation for ${iri}`);
    });
  }

  it('expands VocabProperty values like jsonld.js (@type @vocab)', async () => {
    const { doc } = corpus[2];
    const ctx = await compileContext(doc['@context'], fastLoader);
    const expanded = (await jsonld.expand({ ...doc, '@context': [doc['@context'], CORE_CONTEXT_V1_8] } as jsonld.JsonLdDocument, {
      documentLoader: referenceLoader,
    } as unknown as jsonld.Options.Expand)) as Array<Record<string, Array<Record<string, unknown>>>>;
    const vocab = expanded[0]['http://example.org/category'][0][`${NGSI}hasVocab`] as Array<{ '@id': string }>;
    assert.equal(vocab[0]['@id'], ctx.expandTerm('Indoor'));
  });
});
