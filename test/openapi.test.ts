/**
 * The HTTP contract (openapi.yaml) and the project's outside (docker-compose.yml, README)
 * stay well-formed and complete: every NGSI-LD v1.8.1 endpoint Weft serves is declared with
 * its methods, every operation is named and answers something, every $ref resolves, every
 * error is a ProblemDetails, and the README documents every configuration option.
 */
import assert from 'node:assert/strict';
import { FILTER_PARAMS, PAGE_PARAMS, VIEW_PARAMS } from '../src/http/params/entityQuery';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { OPTIONS } from '../src/config';
import { ProblemType } from '../src/ngsi/errors';

const root = join(__dirname, '..');
const read = (name: string): string => readFileSync(join(root, name), 'utf8');

type Json = Record<string, any>;

/**
 * Paths and the methods Weft serves on each: under /ngsi-ld/v1 (GS CIM 009 v1.8.1, clause 6),
 * then Weft's own admin API under /weft/v1 (ADMIN_PATHS).
 */
const REQUIRED: Record<string, string[]> = {
  '/entities': ['get', 'post', 'delete'],
  '/entities/{entityId}': ['get', 'put', 'patch', 'delete'],
  '/entities/{entityId}/attrs': ['post', 'patch'],
  '/entities/{entityId}/attrs/{attrId}': ['patch', 'put', 'delete'],
  '/entityOperations/create': ['post'],
  '/entityOperations/upsert': ['post'],
  '/entityOperations/update': ['post'],
  '/entityOperations/delete': ['post'],
  '/entityOperations/merge': ['post'],
  '/entityOperations/query': ['post'],
  '/types': ['get'],
  '/types/{type}': ['get'],
  '/attributes': ['get'],
  '/attributes/{attrId}': ['get'],
  '/jsonldContexts': ['post', 'get'],
  '/jsonldContexts/{contextId}': ['get', 'delete'],
  '/subscriptions': ['get', 'post'],
  '/subscriptions/{subscriptionId}': ['get', 'patch', 'delete'],
  '/temporal/entities': ['get', 'post'],
  '/temporal/entities/{entityId}': ['get', 'delete'],
  '/temporal/entities/{entityId}/attrs': ['post'],
  '/temporal/entities/{entityId}/attrs/{attrId}': ['delete'],
  '/temporal/entities/{entityId}/attrs/{attrId}/{instanceId}': ['patch', 'delete'],
  '/temporal/entityOperations/query': ['post'],
  // /weft/v1: the audit log (issue 4) and device provisioning (issue 5)
  '/audit': ['get'],
  '/iot/services': ['post', 'get'],
  '/iot/services/{apikey}': ['get', 'put', 'delete'],
  '/iot/devices': ['post', 'get'],
  '/iot/devices/{deviceId}': ['get', 'put', 'delete'],
};

/** The paths of REQUIRED served under /weft/v1 rather than /ngsi-ld/v1. */
const ADMIN_PATHS = ['/audit', '/iot/services', '/iot/services/{apikey}', '/iot/devices', '/iot/devices/{deviceId}'];

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

const REQUIRED_SCHEMAS = [
  'Entity', 'EntityConcise', 'EntityKeyValues', 'Property', 'Relationship', 'GeoProperty',
  'LanguageProperty', 'VocabProperty', 'JsonProperty', 'ListProperty', 'ListRelationship',
  'ProblemDetails', 'BatchOperationResult', 'UpdateResult', 'EntityTypeList', 'EntityType',
  'EntityTypeInfo', 'AttributeList', 'Attribute', 'Query', 'Feature', 'FeatureCollection',
  'TemporalEntity', 'Subscription', 'SubscriptionFragment', 'NotificationParams', 'Endpoint', 'Notification',
];

/** Resolves a local JSON pointer ("#/components/schemas/Entity") in doc, or undefined. */
function resolvePointer(doc: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: any = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(key in node)) return undefined;
    node = node[key];
  }
  return node;
}

/** Every $ref in doc, with where it was found. */
function collectRefs(node: unknown, at: string, out: Array<{ ref: string; at: string }>): void {
  if (Array.isArray(node)) node.forEach((v, i) => collectRefs(v, `${at}/${i}`, out));
  else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push({ ref: v, at });
      else collectRefs(v, `${at}/${k}`, out);
    }
  }
}

/** Follows $ref chains to the object they name. */
function deref(doc: Json, node: any): any {
  let n = node;
  for (let i = 0; i < 20 && n && typeof n === 'object' && typeof n.$ref === 'string'; i++) n = resolvePointer(doc, n.$ref);
  return n;
}

function operations(doc: Json): Array<{ path: string; method: string; op: Json }> {
  const ops: Array<{ path: string; method: string; op: Json }> = [];
  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    for (const method of METHODS) if (item[method]) ops.push({ path, method, op: item[method] });
  }
  return ops;
}

describe('openapi.yaml', () => {
  // Parsed in a hook (not at load) so a broken file fails these tests, not the whole mocha run.
  let doc: Json = {};
  before(() => {
    doc = parse(read('openapi.yaml'));
  });

  it('is an OpenAPI 3.x document with info and a /ngsi-ld/v1 server', () => {
    assert.match(String(doc.openapi), /^3\.(0|1)\.\d+$/);
    assert.ok(doc.info?.title && doc.info?.version, 'info.title and info.version');
    assert.ok(doc.servers?.some((s: Json) => String(s.url).endsWith('/ngsi-ld/v1')), 'a server ending in /ngsi-ld/v1');
  });

  for (const [path, methods] of Object.entries(REQUIRED)) {
    it(`declares ${methods.map((m) => m.toUpperCase()).join(', ')} ${path}`, () => {
      const item = doc.paths?.[path];
      assert.ok(item, `path ${path} missing`);
      for (const m of methods) assert.ok(item[m], `${m.toUpperCase()} ${path} missing`);
    });
  }

  it('serves the admin paths from a /weft/v1 server', () => {
    for (const path of ADMIN_PATHS) {
      const servers: Json[] = doc.paths?.[path]?.servers ?? [];
      assert.ok(servers.length > 0 && servers.every((s) => String(s.url).endsWith('/weft/v1')), `${path}: servers must end in /weft/v1`);
    }
  });

  it('documents the list parameters of GET /iot/devices and the twin parameter of DELETE /iot/devices/{deviceId}', () => {
    const names = (op: Json): string[] => (op.parameters as Json[]).map((p) => deref(doc, p)).filter((p) => p?.in === 'query').map((p) => p.name);
    assert.deepEqual(new Set(names(doc.paths['/iot/devices'].get)), new Set([...PAGE_PARAMS, 'apikey']));
    assert.deepEqual(new Set(names(doc.paths['/iot/services'].get)), new Set(PAGE_PARAMS));
    const twin = (doc.paths['/iot/devices/{deviceId}'].delete.parameters as Json[]).map((p) => deref(doc, p)).find((p) => p?.name === 'twin');
    assert.deepEqual(twin?.schema?.enum, ['keep', 'delete']);
  });

  it('gives every operation a unique operationId and at least one response', () => {
    const seen = new Set<string>();
    for (const { path, method, op } of operations(doc)) {
      const where = `${method.toUpperCase()} ${path}`;
      assert.equal(typeof op.operationId, 'string', `${where}: operationId`);
      assert.ok(!seen.has(op.operationId), `${where}: duplicate operationId ${op.operationId}`);
      seen.add(op.operationId);
      assert.ok(op.responses && Object.keys(op.responses).length > 0, `${where}: responses`);
      assert.ok(Object.keys(op.responses).some((c) => /^2\d\d$/.test(c)), `${where}: a 2xx response`);
    }
  });

  it('resolves every $ref', () => {
    const refs: Array<{ ref: string; at: string }> = [];
    collectRefs(doc, '#', refs);
    assert.ok(refs.length > 50, 'expected the document to use $refs');
    const broken = refs.filter((r) => resolvePointer(doc, r.ref) === undefined);
    assert.deepEqual(broken, [], 'unresolved $refs');
  });

  it('declares every path parameter of every templated path', () => {
    for (const [path, item] of Object.entries<Json>(doc.paths)) {
      const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const method of METHODS) {
        if (!item[method]) continue;
        const params = [...(item.parameters ?? []), ...(item[method].parameters ?? [])].map((p) => deref(doc, p));
        for (const n of names) {
          const p = params.find((x) => x?.in === 'path' && x?.name === n);
          assert.ok(p, `${method.toUpperCase()} ${path}: path parameter ${n}`);
          assert.equal(p.required, true, `${method.toUpperCase()} ${path}: ${n} must be required`);
        }
      }
    }
  });

  it('answers every 4xx/5xx with a ProblemDetails body', () => {
    for (const { path, method, op } of operations(doc)) {
      for (const [code, resp] of Object.entries<Json>(op.responses)) {
        if (!/^[45]\d\d$/.test(code)) continue;
        const r = deref(doc, resp);
        const schema = r?.content?.['application/json']?.schema;
        assert.equal(schema?.$ref, '#/components/schemas/ProblemDetails', `${method.toUpperCase()} ${path} ${code}`);
      }
    }
  });

  it('lists exactly the problem types of the error catalogue (src/ngsi/errors.ts)', () => {
    const declared = new Set<string>(doc.components.schemas.ProblemDetails.properties.type.enum);
    assert.deepEqual(declared, new Set(Object.values(ProblemType)));
  });

  it('has the NGSI-LD payload schemas', () => {
    for (const s of REQUIRED_SCHEMAS) assert.ok(doc.components?.schemas?.[s], `schema ${s}`);
    const batch = doc.components.schemas.BatchOperationResult;
    assert.deepEqual(batch.required, ['success', 'errors']);
    const upd = doc.components.schemas.UpdateResult;
    assert.deepEqual(upd.required, ['updated', 'notUpdated']);
  });

  it('documents exactly the URL parameters GET /entities accepts', () => {
    const inQuery = (doc.paths['/entities'].get.parameters as Json[]).map((p) => deref(doc, p)).filter((p) => p?.in === 'query').map((p) => p.name);
    const accepted = new Set([...FILTER_PARAMS, ...VIEW_PARAMS, ...PAGE_PARAMS]);
    assert.deepEqual(new Set(inQuery), accepted);
    const names = (doc.paths['/entities'].get.parameters as Json[]).map((p) => deref(doc, p)?.name);
    for (const h of ['NGSILD-Tenant', 'Link']) assert.ok(names.includes(h), `GET /entities: header ${h}`);
    const options = deref(doc, { $ref: '#/components/parameters/optionsRepresentation' });
    for (const o of ['keyValues', 'concise', 'normalized', 'sysAttrs']) assert.ok(options.schema.items.enum.includes(o), o);
  });

  it('lets PATCH operations take application/merge-patch+json', () => {
    for (const { path, method, op } of operations(doc)) {
      if (method !== 'patch') continue;
      const body = deref(doc, op.requestBody);
      assert.ok(body?.content?.['application/merge-patch+json'], `PATCH ${path}`);
    }
  });
});

describe('docker-compose.yml', () => {
  it('parses and declares weft, mongo and mosquitto', () => {
    const compose: Json = parse(read('docker-compose.yml'));
    for (const s of ['weft', 'mongo', 'mosquitto']) assert.ok(compose.services?.[s], `service ${s}`);
    assert.ok(String(compose.services.weft.ports).includes('1026'), 'weft publishes 1026');
  });
});

describe('README.md', () => {
  let readme = '';
  before(() => {
    readme = read('README.md');
  });

  it('documents every configuration option (flag and env var) of src/config.ts', () => {
    for (const o of OPTIONS) {
      assert.ok(readme.includes(`\`${o.flag}\``), `README lacks ${o.flag}`);
      assert.ok(readme.includes(`\`${o.env}\``), `README lacks ${o.env}`);
    }
  });

  it('gives the two set-up commands', () => {
    assert.ok(readme.includes('npm install && npm start'));
    assert.ok(readme.includes('npm test'));
  });
});
