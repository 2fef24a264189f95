/**
 * /ngsi-ld/v1/types and /attributes (clause 6.25 - 6.28), rendered with the caller's
 * @context (data types EntityTypeList, EntityType, EntityTypeInfo, AttributeList, Attribute).
 */
import { randomUUID } from 'node:crypto';
import { methodNotAllowed, param, Routes } from '../router';
import type { AttributeSummary } from '../../broker/discovery';
import type { CompiledContext } from '../../ngsi/jsonld/context';
import type { TypeSummary } from '../../store/port';
import type { HttpDeps } from '../deps';
import { negotiate } from '../media';
import { checkParams, type Query } from '../params/allowed';
import { parseBoolean } from '../params/options';
import { scopeFromLink } from '../request';
import { sendLd } from '../respond';

function entityType(t: TypeSummary, ctx: CompiledContext): object {
  return {
    id: t.type,
    type: 'EntityType',
    typeName: ctx.compactIri(t.type),
    attributeNames: Object.keys(t.attributes).map((a) => ctx.compactIri(a)),
  };
}

function entityTypeInfo(t: TypeSummary, ctx: CompiledContext): object {
  return {
    id: t.type,
    type: 'EntityTypeInfo',
    typeName: ctx.compactIri(t.type),
    entityCount: t.entityCount,
    attributeDetails: Object.entries(t.attributes).map(([name, a]) => ({
      id: name,
      type: 'Attribute',
      attributeName: ctx.compactIri(name),
      attributeTypes: a.kinds,
    })),
  };
}

function attribute(a: AttributeSummary, ctx: CompiledContext): object {
  return {
    id: a.name,
    type: 'Attribute',
    attributeName: ctx.compactIri(a.name),
    attributeCount: a.entityCount,
    attributeTypes: a.kinds,
    typeNames: a.types.map((t) => ctx.compactIri(t)),
  };
}

export function discoveryRoutes(deps: HttpDeps): Routes {
  const r = new Routes();
  const DETAILS = new Set(['details', 'local']);
  const NONE = new Set<string>();

  r.get('/types', async (req, res) => {
    const query = req.query as Query;
    checkParams(query, DETAILS);
    const type = negotiate(req.headers.accept, false);
    const scope = await scopeFromLink(req, deps.contexts);
    const types = await deps.discovery.types(scope);
    const ctx = scope.context;
    const body = parseBoolean(query, 'details')
      ? types.map((t) => entityType(t, ctx))
      : { id: `urn:ngsi-ld:EntityTypeList:${randomUUID()}`, type: 'EntityTypeList', typeList: types.map((t) => ctx.compactIri(t.type)) };
    sendLd(res, 200, body, type, ctx);
  });
  r.all('/types', methodNotAllowed('GET'));

  r.get('/types/:type', async (req, res) => {
    checkParams(req.query as Query, NONE);
    const type = negotiate(req.headers.accept, false);
    const scope = await scopeFromLink(req, deps.contexts);
    sendLd(res, 200, entityTypeInfo(await deps.discovery.type(scope, param(req, 'type')), scope.context), type, scope.context);
  });
  r.all('/types/:type', methodNotAllowed('GET'));

  r.get('/attributes', async (req, res) => {
    const query = req.query as Query;
    checkParams(query, DETAILS);
    const type = negotiate(req.headers.accept, false);
    const scope = await scopeFromLink(req, deps.contexts);
    const attrs = await deps.discovery.attributes(scope);
    const ctx = scope.context;
    const body = parseBoolean(query, 'details')
      ? attrs.map((a) => attribute(a, ctx))
      : { id: `urn:ngsi-ld:AttributeList:${randomUUID()}`, type: 'AttributeList', attributeList: attrs.map((a) => ctx.compactIri(a.name)) };
    sendLd(res, 200, body, type, ctx);
  });
  r.all('/attributes', methodNotAllowed('GET'));

  r.get('/attributes/:attrId', async (req, res) => {
    checkParams(req.query as Query, NONE);
    const type = negotiate(req.headers.accept, false);
    const scope = await scopeFromLink(req, deps.contexts);
    sendLd(res, 200, attribute(await deps.discovery.attribute(scope, param(req, 'attrId')), scope.context), type, scope.context);
  });
  r.all('/attributes/:attrId', methodNotAllowed('GET'));

  return r;
}
