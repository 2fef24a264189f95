/**
 * The SQL form of a filter before it becomes a statement: a tree of atoms, each a condition
 * on the rows of one index table that belong to an entity. query-plan.ts renders an atom
 * either as a probe (EXISTS ... for the entity at hand) or as a driver (the set of entity
 * rowids it selects), so the same translation serves every access path.
 */

/** Where an atom's condition applies; for 'entities' it is on `e` itself. */
export type AtomTable = 'entities' | 'entity_types' | 'attrs' | 'scopes';

export interface Atom {
  kind: 'atom';
  table: AtomTable;
  /** Condition on one row of `table` (column names unqualified; `e.` for entities). */
  sql: string;
  params: unknown[];
  /** A cheaper way to list the entity rowids (`SELECT entity_rowid FROM <from>`), when the table's own index is not it. */
  driver?: { from: string; params: unknown[] };
  /** False when listing the rows needs a full scan (e.g. a regular expression). */
  drivable: boolean;
}

export type Cond =
  | Atom
  | { kind: 'and'; items: Cond[] }
  | { kind: 'or'; items: Cond[] }
  | { kind: 'not'; item: Cond }
  | { kind: 'const'; value: boolean };

/** A translation: the condition, and whether it selects exactly what the matcher would. */
export interface Translated {
  cond: Cond;
  exact: boolean;
}

export const TRUE: Cond = { kind: 'const', value: true };
export const FALSE: Cond = { kind: 'const', value: false };

export function atom(table: AtomTable, sql: string, params: unknown[], drivable = true): Atom {
  return { kind: 'atom', table, sql, params, drivable };
}

export function and(items: Cond[]): Cond {
  const kept: Cond[] = [];
  for (const item of items) {
    if (item.kind === 'const') {
      if (!item.value) return FALSE;
      continue;
    }
    if (item.kind === 'and') kept.push(...item.items);
    else kept.push(item);
  }
  if (kept.length === 0) return TRUE;
  return kept.length === 1 ? kept[0] : { kind: 'and', items: kept };
}

export function or(items: Cond[]): Cond {
  const kept: Cond[] = [];
  for (const item of items) {
    if (item.kind === 'const') {
      if (item.value) return TRUE;
      continue;
    }
    if (item.kind === 'or') kept.push(...item.items);
    else kept.push(item);
  }
  if (kept.length === 0) return FALSE;
  return kept.length === 1 ? kept[0] : { kind: 'or', items: kept };
}

export function not(item: Cond): Cond {
  if (item.kind === 'const') return item.value ? FALSE : TRUE;
  return { kind: 'not', item };
}

export const exact = (cond: Cond): Translated => ({ cond, exact: true });
export const approximate = (cond: Cond): Translated => ({ cond, exact: false });

/** AND / OR of translations; exact only if every part is. */
export function allOf(parts: Translated[]): Translated {
  return { cond: and(parts.map((p) => p.cond)), exact: parts.every((p) => p.exact) };
}

export function anyOf(parts: Translated[]): Translated {
  return { cond: or(parts.map((p) => p.cond)), exact: parts.every((p) => p.exact) };
}
