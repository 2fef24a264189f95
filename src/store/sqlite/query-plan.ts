/**
 * Access paths for a translated filter (cond.ts). SQLite's planner, left alone, would
 * materialise every `rowid IN (...)` list or range-scan a value index once per entity; here
 * the choice is made per query from cheap capped counts:
 *  - selective: the smallest atom that can list its entities (a driver) is materialised and
 *    sorted by rowid; every other condition is probed per candidate;
 *  - dense: entities are walked in rowid order and every condition is probed, so a page of
 *    20 stops after about 20 / density rows and nothing is materialised.
 * A probe reads only the candidate's own index rows (attrs is clustered by entity).
 */
import type Database from 'better-sqlite3';
import { and, type Atom, type Cond } from './cond';
import type { StatementCache } from './statement-cache';

export interface Sql {
  sql: string;
  params: unknown[];
}

interface Driver extends Sql {
  column: string;
  /** FROM and WHERE of the rowid list. */
  from: string;
}

/**
 * How candidates are found: `SELECT e.doc FROM <from> WHERE <sql> ORDER BY <orderBy>`,
 * which reads matches in creation (rowid) order.
 */
export interface AccessPath extends Sql {
  from: string;
  orderBy: string;
  driven: boolean;
}

const ENTITIES = 'entities e';
const BY_ROWID = 'e.rowid';

/** Below this, materialising a driver is cheap whatever the other numbers. */
const MIN_DRIVER_CAP = 1000;

export class QueryPlanner {
  private readonly entityCountEstimate: Database.Statement<[], { n: number | null }>;

  constructor(
    db: Database.Database,
    private readonly cache: StatementCache,
  ) {
    // Rowids grow with creation: the largest is a free upper bound of the entity count.
    this.entityCountEstimate = db.prepare('SELECT MAX(rowid) AS n FROM entities');
  }

  /**
   * The WHERE clause (over `entities e`) to read matches in rowid order, `rowsWanted` being
   * how many the caller will read (offset + limit), or 'all' when it visits every match.
   */
  accessPath(cond: Cond, rowsWanted: number | 'all'): AccessPath {
    const conjuncts = conjunctsOf(cond);
    const candidates = this.driverCandidates(conjuncts);
    if (candidates.length === 0) return this.walk(conjuncts, cond);
    const total = this.entityCountEstimate.get()?.n ?? 0;
    // Materialising c rowids costs about c; walking in rowid order costs about
    // rowsWanted * total / c (at the density c / total). Drive when c^2 < 8 * rowsWanted * total.
    const cap = rowsWanted === 'all' ? total + 1 : Math.ceil(Math.max(MIN_DRIVER_CAP, Math.sqrt(8 * rowsWanted * total)));
    const best = this.smallestDriver(candidates, cap);
    if (best === undefined) return this.walk(conjuncts, cond);
    const driver = this.driverOf(best.atom);
    const rest = this.probe(and(conjuncts.filter((c) => c !== best.atom)));
    return { sql: `e.rowid IN (${driver.sql}) AND ${rest.sql}`, params: [...driver.params, ...rest.params], from: ENTITIES, orderBy: BY_ROWID, driven: true };
  }

  /**
   * The dense path. With a single-type condition the walk follows that type's key
   * (entity_types is keyed by (type_id, entity_rowid), so it is already in creation order):
   * entities of other types are never visited, however many were created first.
   */
  private walk(conjuncts: Cond[], cond: Cond): AccessPath {
    const byType = conjuncts.find((c): c is Atom => c.kind === 'atom' && isSingleType(c));
    if (byType === undefined) return { ...this.probe(cond), from: ENTITIES, orderBy: BY_ROWID, driven: false };
    const rest = this.probe(and(conjuncts.filter((c) => c !== byType)));
    return {
      // CROSS JOIN keeps entity_types as the outer loop, so ORDER BY needs no sort.
      from: 'entity_types t CROSS JOIN entities e ON e.rowid = t.entity_rowid',
      sql: `t.${byType.sql} AND ${rest.sql}`,
      params: [...byType.params, ...rest.params],
      orderBy: 't.entity_rowid',
      driven: false,
    };
  }

  /**
   * A statement counting the matches. It starts from the smallest driver and never touches
   * the documents; a lone type or attribute condition is counted straight from its index.
   */
  countQuery(cond: Cond): Sql {
    const conjuncts = conjunctsOf(cond);
    const candidates = this.driverCandidates(conjuncts);
    const total = this.entityCountEstimate.get()?.n ?? 0;
    const best = candidates.length === 0 ? undefined : this.smallestDriver(candidates, total + 1);
    if (best === undefined) {
      const all = this.probe(cond);
      return { sql: `SELECT COUNT(*) AS n FROM entities e WHERE ${all.sql}`, params: all.params };
    }
    const driver = this.driverOf(best.atom);
    const restCond = and(conjuncts.filter((c) => c !== best.atom));
    const rest = this.probe(restCond);
    // A single type lists each entity once (its key); other drivers may repeat an entity.
    const unique = isSingleType(best.atom);
    const rowids = `SELECT ${unique ? '' : 'DISTINCT '}${driver.column} AS rowid FROM ${driver.from}`;
    // Conditions on the entity row itself (an id inside an OR of selectors) need the row.
    const from = readsEntityRow(restCond) ? `(${rowids}) d CROSS JOIN entities e ON e.rowid = d.rowid` : `(${rowids}) e`;
    return { sql: `SELECT COUNT(*) AS n FROM ${from} WHERE ${rest.sql}`, params: [...driver.params, ...rest.params] };
  }

  private driverCandidates(conjuncts: Cond[]): Atom[] {
    // An id list is the most selective thing there is, and SQLite uses the id index for it.
    if (conjuncts.some((c) => c.kind === 'atom' && c.table === 'entities')) return [];
    return conjuncts.filter((c): c is Atom => c.kind === 'atom' && c.drivable);
  }

  /** The atom listing the fewest rows, if one lists fewer than `cap` (counting stops at cap). */
  private smallestDriver(candidates: Atom[], cap: number): { atom: Atom; rows: number } | undefined {
    let best: { atom: Atom; rows: number } | undefined;
    for (const candidate of candidates) {
      const driver = this.driverOf(candidate);
      const stmt = this.cache.get(`SELECT COUNT(*) AS n FROM (${driver.sql} LIMIT ?)`);
      const { n } = stmt.get(...driver.params, cap) as { n: number };
      if (n < cap && (best === undefined || n < best.rows)) best = { atom: candidate, rows: n };
    }
    return best;
  }

  /** The condition checked for the entity at hand (`e`), through its own index rows only. */
  probe(cond: Cond): Sql {
    switch (cond.kind) {
      case 'const':
        return { sql: cond.value ? '1' : '0', params: [] };
      case 'atom':
        return { sql: probeSql(cond), params: cond.params };
      case 'not': {
        const inner = this.probe(cond.item);
        return { sql: `NOT (${inner.sql})`, params: inner.params };
      }
      case 'and':
      case 'or': {
        const parts = cond.items.map((c) => this.probe(c));
        return {
          sql: `(${parts.map((p) => p.sql).join(cond.kind === 'and' ? ' AND ' : ' OR ')})`,
          params: parts.flatMap((p) => p.params),
        };
      }
      default: {
        const unknownCond: never = cond;
        throw new Error(`Unhandled condition ${JSON.stringify(unknownCond)}`);
      }
    }
  }

  /** The entity rowids an atom selects: `SELECT column FROM from`. */
  private driverOf(a: Atom): Driver {
    const driver = ((): Omit<Driver, 'sql'> => {
      if (a.driver) return { column: 'entity_rowid', from: a.driver.from, params: a.driver.params };
      switch (a.table) {
        case 'entities':
          return { column: 'e.rowid', from: `entities e WHERE ${a.sql}`, params: a.params };
        case 'entity_types':
        case 'attrs':
        case 'scopes':
          return { column: 'entity_rowid', from: `${a.table} WHERE ${a.sql}`, params: a.params };
        default: {
          const unknownTable: never = a.table;
          throw new Error(`Unhandled table ${String(unknownTable)}`);
        }
      }
    })();
    return { ...driver, sql: `SELECT ${driver.column} FROM ${driver.from}` };
  }
}

/**
 * Probes must read the candidate's own rows: left free, SQLite may pick a value index and
 * range-scan it once per candidate. A unary + around the condition hides its terms from
 * the index chooser (the documented way to disqualify a term), leaving entity_rowid.
 */
function probeSql(a: Atom): string {
  switch (a.table) {
    case 'entities':
      return `(${a.sql})`;
    case 'entity_types':
      return `EXISTS (SELECT 1 FROM entity_types WHERE entity_rowid = e.rowid AND +(${a.sql}))`;
    case 'attrs':
      return `EXISTS (SELECT 1 FROM attrs WHERE entity_rowid = e.rowid AND +(${a.sql}))`;
    case 'scopes':
      return `EXISTS (SELECT 1 FROM scopes WHERE entity_rowid = e.rowid AND +(${a.sql}))`;
    default: {
      const unknownTable: never = a.table;
      throw new Error(`Unhandled table ${String(unknownTable)}`);
    }
  }
}

/** Whether a condition has an atom on `entities e` itself (not on an index table). */
function readsEntityRow(cond: Cond): boolean {
  switch (cond.kind) {
    case 'atom':
      return cond.table === 'entities';
    case 'and':
    case 'or':
      return cond.items.some(readsEntityRow);
    case 'not':
      return readsEntityRow(cond.item);
    case 'const':
      return false;
    default: {
      const unknownCond: never = cond;
      throw new Error(`Unhandled condition ${JSON.stringify(unknownCond)}`);
    }
  }
}

/** `type_id = ?` on entity_types' own key: one row per entity, in rowid order. */
function isSingleType(a: Atom): boolean {
  return a.table === 'entity_types' && a.sql === 'type_id = ?' && !a.driver;
}

function conjunctsOf(cond: Cond): Cond[] {
  if (cond.kind === 'and') return cond.items;
  return cond.kind === 'const' && cond.value ? [] : [cond];
}
