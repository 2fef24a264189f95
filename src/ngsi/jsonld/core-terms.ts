/**
 * Term maps of the shipped core contexts, built synchronously so that ContextManager.core is
 * ready at construction (jsonld.js only offers an async processContext). This is a deliberately
 * small processor for the shapes the core uses: string definitions and objects with @id,
 * @type, @container and @prefix, compact IRIs over prefixes of the same context, and @vocab.
 * It throws on anything else, so a future core using more of JSON-LD fails loudly at start-up.
 * test/ngsi/jsonld/core-terms.test.ts checks it against jsonld.js term by term.
 */
import { coreContextDocument } from './core';
import { TermMaps, type ProcessedContext, type ProcessedTermDefinition } from './term-maps';

const ABSOLUTE_IRI = /^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$/;
const GEN_DELIM_END = /[:/?#[\]@]$/;
const SUPPORTED_MEMBERS = new Set(['@id', '@type', '@container', '@prefix', '@context']);

/** Processes a simple, self-contained context object into jsonld.js's active-context shape. */
export function processSimpleContext(ctx: Record<string, unknown>): ProcessedContext {
  const vocab = typeof ctx['@vocab'] === 'string' ? ctx['@vocab'] : undefined;
  const mappings = new Map<string, ProcessedTermDefinition>();

  const expand = (value: string): string => {
    if (value.startsWith('@')) return value;
    const known = mappings.get(value) ?? (value in ctx && !value.startsWith('@') ? define(value) : undefined);
    if (known?.['@id']) return known['@id'] as string;
    const colon = value.indexOf(':');
    if (colon > 0) {
      const prefix = value.slice(0, colon);
      const prefixDef = mappings.get(prefix) ?? (prefix in ctx ? define(prefix) : undefined);
      if (prefixDef?._prefix) return (prefixDef['@id'] as string) + value.slice(colon + 1);
      if (ABSOLUTE_IRI.test(value)) return value;
    }
    if (vocab === undefined) throw new Error(`Core context: cannot expand "${value}" without @vocab`);
    return vocab + value;
  };

  const define = (term: string): ProcessedTermDefinition => {
    const existing = mappings.get(term);
    if (existing) return existing;
    const raw = ctx[term];
    const simple = typeof raw === 'string';
    const def = (simple ? { '@id': raw } : raw) as Record<string, unknown>;
    if (def === null || typeof def !== 'object') throw new Error(`Core context: unsupported definition of "${term}"`);
    for (const member of Object.keys(def)) {
      if (!SUPPORTED_MEMBERS.has(member)) throw new Error(`Core context: unsupported member ${member} in "${term}"`);
    }
    const colon = term.indexOf(':');
    const mapping: ProcessedTermDefinition = { _termHasColon: colon > 0 };
    mappings.set(term, mapping); // before expanding, so self-references terminate
    const id = def['@id'];
    if (typeof id === 'string' && id !== term) {
      mapping['@id'] = expand(id);
      mapping._prefix = simple && colon <= 0 && GEN_DELIM_END.test(mapping['@id']);
    } else if (colon > 0) {
      mapping['@id'] = expand(term);
    } else {
      if (vocab === undefined) throw new Error(`Core context: "${term}" needs @vocab`);
      mapping['@id'] = vocab + term;
    }
    if (def['@prefix'] === true) mapping._prefix = true;
    if (typeof def['@type'] === 'string') mapping['@type'] = expand(def['@type']);
    if (def['@container'] !== undefined) mapping['@container'] = ([] as string[]).concat(def['@container'] as string);
    // Property-scoped contexts (@context) do not affect the top-level maps and are skipped.
    return mapping;
  };

  for (const term of Object.keys(ctx)) {
    if (!term.startsWith('@')) define(term);
  }
  return { mappings, '@vocab': vocab };
}

const built = new Map<string, TermMaps>();

/** The term maps of a shipped core context (by its URL), built once. */
export function coreTermMaps(url: string): TermMaps {
  let maps = built.get(url);
  if (maps === undefined) {
    maps = new TermMaps(processSimpleContext(coreContextDocument(url)['@context'] as Record<string, unknown>));
    built.set(url, maps);
  }
  return maps;
}
