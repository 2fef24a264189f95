/**
 * The NGSI-LD core @context, shipped with Weft (ontologies/) and recognised by its official
 * URLs. It is never fetched: uri.etsi.org must not be a runtime dependency (clause 5.5.7:
 * the core context is always in force, whether or not a request lists it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const CORE_CONTEXT_V1_8 = 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld';
export const CORE_CONTEXT_V1_9 = 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld';
/** The unversioned URL; Weft serves the v1.8 document for it (GS CIM 009 v1.8.1 is the target). */
export const CORE_CONTEXT_UNVERSIONED = 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld';
/** The core context applied when a request carries none. */
export const DEFAULT_CORE_CONTEXT = CORE_CONTEXT_V1_8;
/** The core context's @vocab: terms unknown to every context expand under it. */
export const DEFAULT_VOCAB = 'https://uri.etsi.org/ngsi-ld/default-context/';

const FILE_OF: Record<string, string> = {
  [CORE_CONTEXT_V1_8]: 'ngsi-ld-core-context-v1.8.jsonld',
  [CORE_CONTEXT_V1_9]: 'ngsi-ld-core-context-v1.9.jsonld',
  [CORE_CONTEXT_UNVERSIONED]: 'ngsi-ld-core-context-v1.8.jsonld',
};

export function isCoreContextUrl(url: string): boolean {
  return Object.prototype.hasOwnProperty.call(FILE_OF, url);
}

/** Local ids under which /jsonldContexts lists and serves the shipped core contexts. */
export const CORE_CONTEXT_IDS: Readonly<Record<string, string>> = {
  'ngsi-ld-core-context-v1.8': CORE_CONTEXT_V1_8,
  'ngsi-ld-core-context-v1.9': CORE_CONTEXT_V1_9,
};

/** Finds ontologies/ from both src/ (tsx) and dist/ (compiled) layouts. */
function ontologiesDir(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, 'ontologies');
    if (existsSync(join(candidate, FILE_OF[CORE_CONTEXT_V1_8]))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Shipped NGSI-LD core context not found above ${__dirname}`);
    dir = parent;
  }
}

const documents = new Map<string, { '@context': unknown }>();

/** The shipped document (`{"@context": {...}}`) for a core URL. Read once; callers must not mutate it. */
export function coreContextDocument(url: string): { '@context': unknown } {
  const file = FILE_OF[url];
  if (file === undefined) throw new Error(`${url} is not an NGSI-LD core context URL`);
  let doc = documents.get(file);
  if (doc === undefined) {
    doc = JSON.parse(readFileSync(join(ontologiesDir(), file), 'utf8')) as { '@context': unknown };
    documents.set(file, doc);
  }
  return doc;
}
