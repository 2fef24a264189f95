/**
 * `node --import tsx bench/jsonld.ts`: ops/s of expanding the names of a 5-attribute entity
 * with jsonld.js (per-request JSON-LD processing) against the compiled expandTerm path,
 * and of compacting them back. Not part of `npm test`; no network (the core is local).
 */
import jsonld from 'jsonld';
import { compileContext } from '../src/ngsi/jsonld/compile';
import { CORE_CONTEXT_V1_8, coreContextDocument, isCoreContextUrl } from '../src/ngsi/jsonld/core';

const userContext = { ex: 'http://example.org/', temperature: 'ex:temperature', Sensor: 'ex:Sensor' };
const entity = {
  '@context': [userContext, CORE_CONTEXT_V1_8],
  id: 'urn:ngsi-ld:Sensor:1',
  type: 'Sensor',
  temperature: { type: 'Property', value: 21.5, unitCode: 'CEL', observedAt: '2024-01-01T00:00:00Z' },
  humidity: { type: 'Property', value: 40 },
  location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [13.4, 52.5] } },
  owner: { type: 'Relationship', object: 'urn:ngsi-ld:Person:1' },
  'ex:battery': { type: 'Property', value: 0.8 },
};
const names = Object.keys(entity).filter((k) => !['@context', 'id'].includes(k));

const documentLoader = async (url: string) => {
  if (!isCoreContextUrl(url)) throw new Error(`bench: unexpected load of ${url}`);
  return { contextUrl: null, documentUrl: url, document: coreContextDocument(url) };
};

async function measure(label: string, seconds: number, op: () => unknown): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let ops = 0;
  while (performance.now() < deadline) {
    for (let i = 0; i < 100; i++) {
      const r = op();
      if (r instanceof Promise) await r;
    }
    ops += 100;
  }
  const rate = ops / seconds;
  console.log(`${label.padEnd(48)} ${Math.round(rate).toLocaleString('en').padStart(14)} ops/s`);
  return rate;
}

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 2);
  const ctx = await compileContext(entity['@context'], async () => {
    throw new Error('no remote contexts in this bench');
  });
  const iris = names.map((n) => ctx.expandTerm(n));
  console.log(`5-attribute entity, ${seconds}s per measurement`);
  const slow = await measure('jsonld.js expand (whole entity)', seconds, () =>
    jsonld.expand(entity as jsonld.JsonLdDocument, { documentLoader } as unknown as jsonld.Options.Expand),
  );
  const fast = await measure('compiled expandTerm (type + 5 names)', seconds, () => {
    for (const n of names) ctx.expandTerm(n);
  });
  await measure('compiled compactIri (type + 5 names)', seconds, () => {
    for (const iri of iris) ctx.compactIri(iri);
  });
  console.log(`expandTerm path is ${Math.round(fast / slow).toLocaleString('en')}x jsonld.js expand`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
