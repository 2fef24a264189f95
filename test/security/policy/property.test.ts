/**
 * Property test: random policies, principals, requests and entities (seeded, so a failure
 * names the seed to replay). decide(), narrow() + the real matcher and restrictQuery() are
 * each compared with a small, independent oracle written straight from the documented rules
 * (model.ts), and with each other.
 */
import assert from 'node:assert/strict';
import type { Entity } from '../../../src/ngsi/entity';
import type { EntityFilter, EntitySelector } from '../../../src/ngsi/query/ast';
import { compileFilter, compileQ } from '../../../src/ngsi/query/matcher';
import { parseQ } from '../../../src/ngsi/query/q';
import { decide, narrow } from '../../../src/security/policy/evaluate';
import { ACTIONS, type Action, type PolicyPrincipal } from '../../../src/security/policy/model';
import { parsePolicy } from '../../../src/security/policy/parse';
import { restrictQuery } from '../../../src/security/policy/restrict';
import { EXPANDER, entity, expand, iri, rng, type Rng } from './helpers';

const TYPES = ['A', 'B', 'C'];
const ATTRS = ['p', 'q', 'r', 's'];
const TENANTS = ['', 'a', 'ab', 'b'];
const TENANT_PATTERNS = ['', 'a', 'a*', '*b', 'b'];
const IDS = ['urn:e:A:1', 'urn:e:A:2', 'urn:e:B:1', 'urn:e:B:x.y', 'urn:e:dev1', 'dev1', 'urn:e:x*'];
const ID_GLOBS = ['urn:e:A:*', 'urn:e:*:1', 'urn:e:B:x.y', '${sub}', 'urn:e:${sub}*', 'urn:e:*', '*:1', 'urn:e:x*'];
const SUBJECTS = ['dev1', 'urn:e:A:1', '', 'x*', 'urn:e:x*'];
const ROLE_NAMES = ['r1', 'r2', 'r3'];

interface SpecPermission {
  actions: Action[] | '*';
  tenants?: string[] | '*';
  types?: string[] | '*';
  ids?: string[] | '*';
  attributes?: { allow?: string[] | '*'; deny?: string[] };
}
type Spec = Record<string, SpecPermission[]>;

function listOr<T>(r: Rng, items: readonly T[], p: number): T[] | '*' | undefined {
  const roll = r.next();
  if (roll < 0.35) return undefined;
  if (roll < 0.45) return '*';
  const list = r.subset(items, p);
  return list.length === 0 ? [r.pick(items)] : list;
}

function randomSpec(r: Rng): Spec {
  const spec: Spec = {};
  for (const name of ROLE_NAMES) {
    spec[name] = Array.from({ length: 1 + r.int(3) }, () => {
      const actions = r.chance(0.15) ? '*' : r.subset(ACTIONS, 0.4);
      const perm: SpecPermission = { actions: actions.length === 0 ? ['read'] : actions };
      const tenants = listOr(r, TENANT_PATTERNS, 0.3);
      if (tenants !== undefined) perm.tenants = tenants;
      const types = listOr(r, TYPES, 0.4);
      if (types !== undefined) perm.types = types;
      const ids = r.chance(0.5) ? undefined : listOr(r, ID_GLOBS, 0.25);
      if (ids !== undefined) perm.ids = ids;
      if (r.chance(0.6)) {
        perm.attributes = {};
        const allow = listOr(r, ATTRS, 0.5);
        if (allow !== undefined) perm.attributes.allow = r.chance(0.1) ? [] : allow;
        if (r.chance(0.5)) perm.attributes.deny = r.subset(ATTRS, 0.3);
      }
      return perm;
    });
  }
  return spec;
}

/** The oracle's glob match: `*` any run, `${sub}` the subject literally (nothing if empty). */
function globMatches(glob: string, value: string, subject: string): boolean {
  const tokens: Array<string | null> = []; // null = '*'
  for (let rest = glob; rest.length > 0; ) {
    if (rest.startsWith('${sub}')) {
      if (subject === '') return false;
      tokens.push(subject);
      rest = rest.slice(6);
    } else if (rest[0] === '*') {
      tokens.push(null);
      rest = rest.slice(1);
    } else {
      tokens.push(rest[0]);
      rest = rest.slice(1);
    }
  }
  const memo = new Map<string, boolean>();
  const match = (t: number, i: number): boolean => {
    const key = `${t}:${i}`;
    if (memo.has(key)) return memo.get(key)!;
    let ok: boolean;
    if (t === tokens.length) ok = i === value.length;
    else if (tokens[t] === null) ok = match(t + 1, i) || (i < value.length && match(t, i + 1));
    else ok = value.startsWith(tokens[t]!, i) && match(t + 1, i + tokens[t]!.length);
    memo.set(key, ok);
    return ok;
  };
  return match(0, 0);
}

const within = (list: string[] | '*' | undefined, test: (item: string) => boolean): boolean => list === undefined || list === '*' || list.some(test);

interface Oracle {
  /** Some permission granting the action in the tenant matches the entity (any of its types). */
  matched: boolean;
  /** matched, and for create every type granted. */
  allowed: boolean;
  /** For a matched entity: the union of what the matching permissions show. */
  visible: (attrTerm: string) => boolean;
}

function oracle(spec: Spec, principal: PolicyPrincipal, action: Action, tenant: string, e: { id: string; types: string[] } /* terms */): Oracle {
  const denied: Oracle = { matched: false, allowed: false, visible: () => false };
  if (principal.tenants !== undefined && !principal.tenants.includes(tenant)) return denied;
  const perms = principal.roles.flatMap((role) => spec[role] ?? []);
  const grants = perms.filter((p) => (p.actions === '*' || p.actions.includes(action)) && within(p.tenants, (t) => globMatches(t, tenant, '')));
  const matchesId = (p: SpecPermission) => within(p.ids, (g) => globMatches(g, e.id, principal.subject));
  const applicable = grants.filter((p) => within(p.types, (t) => e.types.includes(t)) && matchesId(p));
  if (applicable.length === 0) return denied;
  const everyType = e.types.every((t) => grants.some((p) => within(p.types, (x) => x === t) && matchesId(p)));
  return {
    matched: true,
    allowed: action !== 'create' || everyType,
    visible: (a) => applicable.some((p) => within(p.attributes?.allow, (x) => x === a) && !(p.attributes?.deny ?? []).includes(a)),
  };
}

function randomEntity(r: Rng): Entity {
  const types = r.subset([...TYPES, 'D'], 0.4);
  const attrs: Record<string, number> = {};
  for (const a of ATTRS) if (r.chance(0.6)) attrs[a] = r.int(4);
  return entity(r.pick(IDS), types.length === 0 ? [r.pick(TYPES)] : types, attrs);
}

function randomQ(r: Rng, depth = 0): string {
  if (depth >= 2 || r.chance(0.4)) {
    const a = r.pick(ATTRS);
    return r.pick([a, `${a}==${r.int(4)}`, `${a}!=${r.int(4)}`, `${a}>${r.int(4)}`, `${a}<=${r.int(4)}`]);
  }
  const items = Array.from({ length: 2 + r.int(2) }, () => randomQ(r, depth + 1));
  return `(${items.join(r.chance(0.5) ? ';' : '|')})`;
}

function randomSelectors(r: Rng): EntitySelector[] | undefined {
  if (r.chance(0.6)) return undefined;
  return Array.from({ length: 1 + r.int(2) }, (): EntitySelector => {
    switch (r.int(3)) {
      case 0: return { type: { kind: 'type', iri: iri(r.pick(TYPES)) } };
      case 1: return { ids: r.subset(IDS, 0.4) };
      default: return { idPattern: r.pick(['A', '^urn:e:B', '1$', 'x\\.y']) };
    }
  });
}

const termOf = (attrIri: string) => attrIri.slice(iri('').length);

describe('security/policy property: decide, narrow and restrictQuery agree with an oracle', () => {
  const CASES = 400;
  const ENTITIES = 8;
  let checked = 0;

  after(() => {
    assert.ok(checked > CASES * ENTITIES * 0.9, `only ${checked} entity checks ran`);
  });

  for (let seed = 1; seed <= CASES; seed++) {
    it(`seed ${seed}`, () => {
      const r = rng(seed);
      const spec = randomSpec(r);
      const policy = parsePolicy({ roles: spec }, EXPANDER);
      const roles = r.subset([...ROLE_NAMES, 'unknown'], 0.6);
      const principal: PolicyPrincipal = { subject: r.pick(SUBJECTS), roles, tenants: r.chance(0.2) ? r.subset(TENANTS, 0.6) : undefined };
      const action = r.pick(ACTIONS);
      const tenant = r.pick(TENANTS);
      const n = narrow(policy, principal, action, tenant);
      const qText = randomQ(r);
      const attrsFilter = r.chance(0.3) ? r.subset(ATTRS, 0.5).map(iri) : undefined;
      const selectors = randomSelectors(r);
      const filter: EntityFilter = { q: parseQ(qText, expand), ...(attrsFilter && { attrs: attrsFilter }), ...(selectors && { selectors }) };
      const restricted = restrictQuery(filter, n);
      const storeMatch = restricted === undefined ? undefined : compileFilter(restricted.filter);
      const callerSelect = compileFilter(selectors === undefined ? {} : { selectors });
      const plainQ = compileQ(filter.q!);
      const plainAttrs = attrsFilter === undefined ? () => true : compileFilter({ attrs: attrsFilter });
      const ctx = () => `seed ${seed}: ${JSON.stringify({ spec, principal, action, tenant, q: qText, attrsFilter, selectors })}`;

      for (let i = 0; i < ENTITIES; i++) {
        const e = randomEntity(r);
        const ref = { id: e.id, types: e.type };
        const expected = oracle(spec, principal, action, tenant, { id: e.id, types: e.type.map(termOf) });
        const d = decide(policy, principal, { action, tenant, entity: ref });
        assert.equal(d.allowed, expected.allowed, `decide on ${e.id} [${e.type}] — ${ctx()}`);
        if (d.allowed) for (const a of ATTRS) assert.equal(d.attributes.visible(iri(a)), expected.visible(a), `decide mask ${a} on ${e.id} — ${ctx()}`);

        // narrow() + the matcher select the entities some permission matches: the ones decide()
        // allows, except that create is stricter (every type) by design.
        const viaNarrow = n.kind === 'all' || (n.kind === 'filter' && compileFilter({ selectors: n.selectors })(e));
        assert.equal(viaNarrow, expected.matched, `narrow on ${e.id} [${e.type}] — ${ctx()}`);
        if (n.kind !== 'deny' && viaNarrow) {
          const mask = n.attributes.maskFor(e.id, e.type);
          for (const a of ATTRS) assert.equal(mask.visible(iri(a)), expected.visible(a), `maskFor ${a} on ${e.id} — ${ctx()}`);
        }

        // The restricted query finds exactly the permitted entities the caller's filter would
        // find if hidden attributes did not exist.
        let want = false;
        if (expected.matched && callerSelect(e)) {
          const masked: Entity = { ...e, attrs: Object.fromEntries(Object.entries(e.attrs).filter(([a]) => expected.visible(termOf(a)))) };
          want = plainQ(masked) && plainAttrs(masked);
        }
        const got = storeMatch !== undefined && storeMatch(e) && (restricted!.residual === undefined || restricted!.residual(e));
        assert.equal(got, want, `restrictQuery on ${JSON.stringify(e)} — ${ctx()}`);
        checked++;
      }
    });
  }
});
