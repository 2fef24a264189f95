/** Public surface of ngsi/jsonld: @context compilation, resolution and the /jsonldContexts logic. */
export type { CompiledContext, ContextSource } from './context';
export {
  CORE_CONTEXT_UNVERSIONED,
  CORE_CONTEXT_V1_8,
  CORE_CONTEXT_V1_9,
  DEFAULT_CORE_CONTEXT,
  DEFAULT_VOCAB,
  coreContextDocument,
  isCoreContextUrl,
} from './core';
export {
  NgsiCompiledContext,
  compileContext,
  compileTerms,
  contextKey,
  contextParts,
  effectiveParts,
  type CompiledTerms,
  type ContextDocumentLoader,
  type ContextPart,
} from './compile';
export { TermMaps, compareShortestLeast, type ProcessedContext, type ProcessedTermDefinition } from './term-maps';
export { coreTermMaps, processSimpleContext } from './core-terms';
export { fetchContextDocument, type ContextDocument, type FetchLimits } from './fetch';
export { ContextRegistry, type ContextStorePort } from './registry';
export { ContextManager, type ContextDetails, type ContextKind, type ContextManagerDeps } from './manager';
export { Lru } from './lru';
