/**
 * The only file of security/policy that does I/O: reads a policy file (.yaml, .yml or .json),
 * compiles its @context and hands both to the pure parsePolicy().
 *
 * The document's @context is compiled like a request's (ngsi/jsonld compileContext: the core
 * context always applies last). Core context URLs never cause a fetch; other URLs are fetched
 * only through `loadContext`, which the caller supplies (e.g. the ContextManager's loader),
 * so by default a policy's @context must be inline.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { compileContext, type ContextDocumentLoader } from '../../ngsi/jsonld/compile';
import type { ContextSource } from '../../ngsi/jsonld/context';
import { PolicyError, type Policy } from './model';
import { parsePolicy } from './parse';

export interface LoadPolicyOptions {
  /** Loads a non-core @context URL named by the policy; without it such URLs are an error. */
  loadContext?: ContextDocumentLoader;
}

const refuseRemote: ContextDocumentLoader = async (url) => {
  throw new Error(`the policy's @context names ${url}; give the context inline (or configure a context loader)`);
};

/** Parses the text of a policy file by its extension. Throws PolicyError on a syntax error. */
export function parsePolicyText(text: string, file: string): unknown {
  const ext = extname(file).toLowerCase();
  try {
    if (ext === '.json') return JSON.parse(text);
    if (ext === '.yaml' || ext === '.yml') return parseYaml(text);
  } catch (err) {
    throw new PolicyError([`(document): ${(err as Error).message}`], file);
  }
  throw new PolicyError([`(document): unsupported file type '${ext}' (expected .yaml, .yml or .json)`], file);
}

/** Reads, validates and compiles the policy at `file`. Throws PolicyError when it is invalid. */
export async function loadPolicy(file: string, options: LoadPolicyOptions = {}): Promise<Policy> {
  const doc = parsePolicyText(await readFile(file, 'utf8'), file);
  const source = doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>)['@context'] : undefined;
  let context;
  try {
    context = await compileContext(source as ContextSource | undefined, options.loadContext ?? refuseRemote);
  } catch (err) {
    throw new PolicyError([`@context: ${(err as Error).message}`], file);
  }
  return parsePolicy(doc, context, file);
}
