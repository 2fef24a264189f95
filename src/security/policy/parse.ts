/**
 * Validates a parsed policy document (model.ts describes the format) into a compiled Policy.
 * Pure: the caller reads the file and compiles the document's @context (loader.ts); here
 * terms are only looked up. Every problem is reported, each with the path of the member at
 * fault (`roles.operator[1].actions: unknown action 'wirte'`), so one edit-reload cycle fixes
 * them all. Patterns are compiled here, once (STYLE.md 12).
 */
import { ENTITY_MEMBERS, type Iri } from '../../ngsi/entity';
import type { CompiledContext } from '../../ngsi/jsonld/context';
import { compileIdGlob, compileTenants, tenantGlobProblem } from './glob';
import { maskOf } from './mask';
import {
  ACTIONS,
  ADMIN_RESOURCES,
  PolicyError,
  type Action,
  type IdGlob,
  type Permission,
  type Policy,
  type TenantMatcher,
} from './model';

/** What parse needs of a compiled @context: the document's own, layered over the core. */
export type TermExpander = Pick<CompiledContext, 'expandTerm'>;

const TOP_MEMBERS = new Set(['@context', 'description', 'roles', 'bindings']);
const PERMISSION_MEMBERS = new Set(['description', 'actions', 'tenants', 'types', 'ids', 'resources', 'attributes']);
const ATTRIBUTE_MEMBERS = new Set(['allow', 'deny']);
const ACTION_SET: ReadonlySet<string> = new Set(ACTIONS);
const RESOURCE_SET: ReadonlySet<string> = new Set(ADMIN_RESOURCES);
const ANY = '*';

/** `.name` for identifier-like keys, `['weft:admin']` otherwise. */
function member(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key).replace(/^"|"$/g, "'")}]`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

class Checker {
  readonly problems: string[] = [];

  constructor(private readonly context: TermExpander) {}

  fail(path: string, message: string): undefined {
    this.problems.push(`${path}: ${message}`);
    return undefined;
  }

  unknownMembers(path: string, obj: Record<string, unknown>, known: ReadonlySet<string>): void {
    for (const key of Object.keys(obj)) {
      if (!known.has(key)) this.fail(path, `unknown member '${key}' (expected ${[...known].join(', ')})`);
    }
  }

  /**
   * '*' (or a list holding '*') -> ANY; a list of strings -> the strings; a lone string that
   * is not '*' is taken as a one-item list. Undefined when the value is not usable.
   */
  stringsOrAny(path: string, value: unknown): typeof ANY | string[] | undefined {
    if (value === ANY) return ANY;
    if (typeof value === 'string') return [value];
    if (!Array.isArray(value)) return this.fail(path, `expected '*' or a list of strings, got ${describe(value)}`);
    const out: string[] = [];
    let ok = true;
    value.forEach((item, i) => {
      if (typeof item !== 'string') {
        ok = false;
        this.fail(`${path}[${i}]`, `expected a string, got ${describe(item)}`);
      } else {
        out.push(item);
      }
    });
    if (!ok) return undefined;
    return out.includes(ANY) ? ANY : out;
  }

  /** A type or attribute name, as a term or IRI, expanded. */
  name(path: string, value: string, what: 'type' | 'attribute'): Iri | undefined {
    if (value === '' || /\s/.test(value)) return this.fail(path, `invalid ${what} name '${value}'`);
    if (value.startsWith('@')) return this.fail(path, `'${value}' is a JSON-LD keyword, not ${what === 'type' ? 'a type' : 'an attribute'}`);
    if (what === 'attribute' && ENTITY_MEMBERS.has(value)) {
      return this.fail(path, `'${value}' is not an attribute (id, type, scope and the timestamps are always visible with the entity)`);
    }
    return this.context.expandTerm(value);
  }

  names(path: string, value: unknown, what: 'type' | 'attribute'): typeof ANY | Iri[] | undefined {
    const list = this.stringsOrAny(path, value);
    if (list === undefined || list === ANY) return list;
    const out: Iri[] = [];
    for (const item of list) {
      const iri = this.name(path, item, what);
      if (iri !== undefined) out.push(iri);
    }
    return out.length === list.length ? out : undefined;
  }

  actions(path: string, value: unknown): ReadonlySet<Action> | undefined {
    if (value === undefined) return this.fail(path, `missing (a list of ${ACTIONS.join(', ')}, or '*')`);
    const list = this.stringsOrAny(path, value);
    if (list === undefined) return undefined;
    if (list === ANY) return new Set(ACTIONS);
    let ok = true;
    for (const a of list) {
      if (!ACTION_SET.has(a)) {
        ok = false;
        this.fail(path, `unknown action '${a}' (expected ${ACTIONS.join(', ')} or '*')`);
      }
    }
    if (list.length === 0) return this.fail(path, `empty: a permission must grant at least one action`);
    return ok ? new Set(list as Action[]) : undefined;
  }

  tenants(path: string, value: unknown): TenantMatcher | undefined | false {
    if (value === undefined) return undefined;
    const list = this.stringsOrAny(path, value);
    if (list === undefined) return false;
    if (list === ANY) return undefined;
    let ok = true;
    for (const t of list) {
      const problem = tenantGlobProblem(t);
      if (problem !== undefined) {
        ok = false;
        this.fail(path, problem);
      }
    }
    return ok ? compileTenants(list) : false;
  }

  ids(path: string, value: unknown): readonly IdGlob[] | undefined | false {
    if (value === undefined) return undefined;
    const list = this.stringsOrAny(path, value);
    if (list === undefined) return false;
    if (list === ANY) return undefined;
    const globs: IdGlob[] = [];
    for (const source of list) {
      const glob = compileIdGlob(source);
      if (typeof glob === 'string') this.fail(path, glob);
      else globs.push(glob);
    }
    return globs.length === list.length ? globs : false;
  }

  resources(path: string, value: unknown): '*' | ReadonlySet<string> | undefined | false {
    if (value === undefined) return undefined;
    const list = this.stringsOrAny(path, value);
    if (list === undefined) return false;
    if (list === ANY) return ANY;
    let ok = true;
    for (const r of list) {
      if (!RESOURCE_SET.has(r)) {
        ok = false;
        this.fail(path, `unknown resource '${r}' (expected ${ADMIN_RESOURCES.join(', ')} or '*')`);
      }
    }
    return ok ? new Set(list) : false;
  }

  permission(role: string, path: string, value: unknown): Permission | undefined {
    if (!isRecord(value)) return this.fail(path, `expected a permission object, got ${describe(value)}`);
    const before = this.problems.length;
    this.unknownMembers(path, value, PERMISSION_MEMBERS);
    if (value.description !== undefined && typeof value.description !== 'string') {
      this.fail(`${path}.description`, `expected a string, got ${describe(value.description)}`);
    }
    const actions = this.actions(`${path}.actions`, value.actions);
    const tenants = this.tenants(`${path}.tenants`, value.tenants);
    const types = value.types === undefined ? ANY : this.names(`${path}.types`, value.types, 'type');
    const ids = this.ids(`${path}.ids`, value.ids);
    const resources = this.resources(`${path}.resources`, value.resources);
    if (value.resources !== undefined) {
      for (const m of ['types', 'ids', 'attributes'] as const) {
        if (value[m] !== undefined) this.fail(`${path}.${m}`, `not allowed with 'resources' (a resource permission grants no entity access; write a separate permission)`);
      }
    }
    let allow: typeof ANY | Iri[] | undefined = ANY;
    let deny: Iri[] | undefined = [];
    const attrs = value.attributes;
    if (attrs !== undefined) {
      const at = `${path}.attributes`;
      if (!isRecord(attrs)) {
        this.fail(at, `expected { allow?: [...], deny?: [...] }, got ${describe(attrs)}`);
      } else {
        this.unknownMembers(at, attrs, ATTRIBUTE_MEMBERS);
        if (attrs.allow !== undefined) allow = this.names(`${at}.allow`, attrs.allow, 'attribute');
        if (attrs.deny !== undefined) {
          const d = this.names(`${at}.deny`, attrs.deny, 'attribute');
          if (d === ANY) this.fail(`${at}.deny`, `'*' is not allowed here: write 'allow: []' to hide every attribute`);
          else deny = d;
        }
      }
    }
    if (this.problems.length > before || actions === undefined || types === undefined || allow === undefined || deny === undefined) {
      return undefined;
    }
    if (tenants === false || ids === false || resources === false) return undefined;
    return {
      at: path,
      role,
      actions,
      tenants,
      types: types === ANY ? undefined : new Set(types),
      ids,
      entities: resources === undefined,
      // Without `resources`: every resource when unrestricted by type and id, none otherwise.
      resources: resources !== undefined ? resources : types === ANY && ids === undefined ? ANY : new Set<string>(),
      attributes: maskOf(allow, deny),
    };
  }
}

/**
 * Validates and compiles a policy document. `context` expands the document's terms: the
 * document's own @context over the NGSI-LD core (loader.ts builds it); `source` names the
 * file in error messages. Throws PolicyError listing every problem.
 */
export function parsePolicy(doc: unknown, context: TermExpander, source?: string): Policy {
  const check = new Checker(context);
  if (!isRecord(doc)) throw new PolicyError([`(document): expected an object with 'roles', got ${describe(doc)}`], source);
  check.unknownMembers('(document)', doc, TOP_MEMBERS);
  if (doc.description !== undefined && typeof doc.description !== 'string') {
    check.fail('description', `expected a string, got ${describe(doc.description)}`);
  }

  const roles = new Map<string, Permission[]>();
  if (doc.roles === undefined) check.fail('roles', 'missing (an object mapping role names to lists of permissions)');
  else if (!isRecord(doc.roles)) check.fail('roles', `expected an object mapping role names to lists of permissions, got ${describe(doc.roles)}`);
  else {
    for (const [name, list] of Object.entries(doc.roles)) {
      const path = member('roles', name);
      if (name === '') {
        check.fail(path, 'empty role name');
        continue;
      }
      if (!Array.isArray(list)) {
        check.fail(path, `expected a list of permissions, got ${describe(list)}`);
        continue;
      }
      const permissions: Permission[] = [];
      list.forEach((p, i) => {
        const permission = check.permission(name, `${path}[${i}]`, p);
        if (permission !== undefined) permissions.push(permission);
      });
      roles.set(name, permissions);
    }
  }

  const bindings = new Map<string, string[]>();
  if (doc.bindings !== undefined) {
    if (!isRecord(doc.bindings)) check.fail('bindings', `expected an object mapping token roles to lists of role names, got ${describe(doc.bindings)}`);
    else {
      for (const [tokenRole, target] of Object.entries(doc.bindings)) {
        const path = member('bindings', tokenRole);
        const list = typeof target === 'string' ? [target] : target;
        if (!Array.isArray(list) || list.some((r) => typeof r !== 'string')) {
          check.fail(path, `expected a list of role names, got ${describe(target)}`);
          continue;
        }
        for (const r of list as string[]) {
          if (isRecord(doc.roles) && !roles.has(r) && !Object.prototype.hasOwnProperty.call(doc.roles, r)) {
            check.fail(path, `unknown role '${r}' (roles: ${[...roles.keys()].join(', ') || 'none'})`);
          }
        }
        bindings.set(tokenRole, [...new Set(list as string[])]);
      }
    }
  }

  if (check.problems.length > 0) throw new PolicyError(check.problems, source);
  return { roles, bindings };
}
