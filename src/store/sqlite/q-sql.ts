/**
 * q (clause 4.9) as conditions on attrs rows, mirroring ngsi/query/matcher.ts term by term:
 * a term holds when some row of the attribute (some value of some instance) passes. What
 * SQL cannot say exactly (sub-attribute and compound paths, times of day, string bounds
 * beyond U+D7FF) becomes "the attribute exists", left to the matcher (exact: false).
 */
import type { AttrPath, CompareOp, QNode, QValue } from '../../ngsi/query/ast';
import { NgsiError } from '../../ngsi/errors';
import { compileUserRegex } from '../../ngsi/query/regex';
import { TIME_RE } from '../../ngsi/query/temporal';
import { allOf, and, anyOf, approximate, atom, exact, FALSE, not, type Atom, type Translated } from './cond';
import { TARGET_OBJECT, TARGET_VALUE, TARGET_VOCAB } from './index-rows';

export type TermId = (iri: string) => number;

/** A condition on one attrs row, without the attribute name; '0' when no row can pass. */
interface Row {
  sql: string;
  params: unknown[];
}

const NO_ROW: Row = { sql: '0', params: [] };

/** The attribute exists (the `attrs` parameter; also a valid prefilter for any q term on it). */
export const attrExists = (nameId: number): Atom => atom('attrs', 'name_id = ?', [nameId]);

export function translateQ(node: QNode, termId: TermId): Translated {
  switch (node.kind) {
    case 'and':
      return allOf(node.items.map((i) => translateQ(i, termId)));
    case 'or':
      return anyOf(node.items.map((i) => translateQ(i, termId)));
    case 'exists':
      if (!isTopLevel(node.path)) return nonTopLevel(node.path, termId);
      return exact(atom('attrs', 'name_id = ? AND tk IS NOT NULL', [termId(node.path.attr)]));
    case 'compare':
      return compare(node.path, node.op, node.value, termId);
    case 'pattern':
      return pattern(node.path, node.regex, node.negate, termId);
    default: {
      const unknownNode: never = node;
      throw new Error(`Unhandled q node ${JSON.stringify(unknownNode)}`);
    }
  }
}

function isTopLevel(path: AttrPath): boolean {
  return path.sub.length === 0 && path.keys.length === 0;
}

/** Sub-attribute and compound paths are the matcher's: SQL only asks for the attribute. */
function nonTopLevel(path: AttrPath, termId: TermId): Translated {
  return approximate(attrExists(termId(path.attr)));
}

function rowAtom(nameId: number, row: Row): Atom {
  return atom('attrs', `name_id = ? AND ${row.sql}`, [nameId, ...row.params]);
}

function compare(path: AttrPath, op: CompareOp, value: QValue, termId: TermId): Translated {
  if (!isTopLevel(path)) return nonTopLevel(path, termId);
  const nameId = termId(path.attr);
  const hasTarget = atom('attrs', 'name_id = ? AND tk IS NOT NULL', [nameId]);
  if (op === '!=') {
    // The target exists and no target value equals (matcher: scan === FOUND).
    const equal = rowEquals(value);
    if (equal === undefined) return approximate(hasTarget);
    return exact(equal === NO_ROW ? hasTarget : and([hasTarget, not(rowAtom(nameId, equal))]));
  }
  const row = op === '==' ? rowEquals(value) : rowOrder(op, value);
  if (row === undefined) return approximate(attrExists(nameId));
  return exact(row === NO_ROW ? FALSE : rowAtom(nameId, row));
}

/** The `==` test on one attrs row (valueTests.compileEquals); undefined when SQL cannot say it exactly. */
function rowEquals(value: QValue): Row | undefined {
  switch (value.kind) {
    case 'number':
      return { sql: 'num = ?', params: [value.value] };
    case 'boolean':
      return { sql: 'bool = ?', params: [value.value ? 1 : 0] };
    case 'string':
    case 'uri': {
      // Any target equal to the text; a VocabProperty IRI also equal to its expansion.
      const expanded = value.expanded;
      if (expanded === undefined || expanded === value.value) return { sql: 'str = ?', params: [value.value] };
      return { sql: `str IN (?, ?) AND (str = ? OR tk = ${TARGET_VOCAB})`, params: [value.value, expanded, value.value] };
    }
    case 'dateTime':
      return isInstant(value) ? { sql: 'ts = ?', params: [value.epochMs] } : undefined;
    case 'range': {
      const from = rowOrder('>=', value.from);
      const to = rowOrder('<=', value.to);
      if (from === undefined || to === undefined) return undefined;
      if (from === NO_ROW || to === NO_ROW) return NO_ROW;
      return { sql: `${from.sql} AND ${to.sql}`, params: [...from.params, ...to.params] };
    }
    case 'list':
      return anyRow(value.items, rowEquals, true);
    default: {
      const unknownValue: never = value;
      throw new Error(`Unhandled q value ${JSON.stringify(unknownValue)}`);
    }
  }
}

/** The > >= < <= test on one attrs row (valueTests.compileOrder). */
function rowOrder(op: Exclude<CompareOp, '==' | '!='>, value: QValue): Row | undefined {
  switch (value.kind) {
    case 'number':
      return { sql: `num ${op} ?`, params: [value.value] };
    case 'string':
      // SQLite orders text by UTF-8 bytes (code points), JavaScript by UTF-16 code units;
      // the two agree whenever the bound has no character from U+D800 up.
      if (!BELOW_SURROGATES.test(value.value)) return undefined;
      return { sql: `str ${op} ? AND tk = ${TARGET_VALUE}`, params: [value.value] };
    case 'dateTime':
      return isInstant(value) ? { sql: `ts ${op} ?`, params: [value.epochMs] } : undefined;
    case 'list':
      return anyRow(value.items, (item) => rowOrder(op, item), false);
    case 'boolean':
    case 'uri':
    case 'range':
      // The matcher never orders these (valueTests: NEVER).
      return NO_ROW;
    default: {
      const unknownValue: never = value;
      throw new Error(`Unhandled q value ${JSON.stringify(unknownValue)}`);
    }
  }
}

const BELOW_SURROGATES = /^[\u0000-\ud7ff]*$/;

/** A date or date-time compares by instant, which `ts` holds; a time of day is not indexed. */
function isInstant(value: Extract<QValue, { kind: 'dateTime' }>): boolean {
  return Number.isFinite(value.epochMs) && !TIME_RE.test(value.value);
}

/** A list passes if any item does; plain numbers and strings go into one IN each. */
function anyRow(items: QValue[], test: (v: QValue) => Row | undefined, groupScalars: boolean): Row | undefined {
  const numbers: number[] = [];
  const strings: string[] = [];
  const alternatives: Row[] = [];
  for (const item of items) {
    if (groupScalars && item.kind === 'number') numbers.push(item.value);
    else if (groupScalars && (item.kind === 'string' || item.kind === 'uri') && (item.expanded ?? item.value) === item.value) {
      strings.push(item.value);
    } else {
      const row = test(item);
      if (row === undefined) return undefined;
      if (row !== NO_ROW) alternatives.push(row);
    }
  }
  // One JSON parameter per group keeps the statement shape independent of the list length.
  if (numbers.length > 0) alternatives.unshift({ sql: 'num IN (SELECT value FROM json_each(?))', params: [JSON.stringify(numbers)] });
  if (strings.length > 0) alternatives.unshift({ sql: 'str IN (SELECT value FROM json_each(?))', params: [JSON.stringify(strings)] });
  if (alternatives.length === 0) return NO_ROW;
  if (alternatives.length === 1) return alternatives[0];
  return { sql: `(${alternatives.map((r) => `(${r.sql})`).join(' OR ')})`, params: alternatives.flatMap((r) => r.params) };
}

function pattern(path: AttrPath, regex: string, negate: boolean, termId: TermId): Translated {
  assertRegex(regex);
  if (!isTopLevel(path)) return nonTopLevel(path, termId);
  const nameId = termId(path.attr);
  // Patterns test string targets other than Relationship objects (valueTests.compilePattern).
  // REGEXP alone cannot use an index: the name prefix of attrs_by_str narrows first.
  const matching = atom('attrs', `name_id = ? AND str REGEXP ? AND tk <> ${TARGET_OBJECT}`, [nameId, regex]);
  if (!negate) return exact(matching);
  // `!~=`: some string target exists and none matches.
  const hasString = atom('attrs', `name_id = ? AND str IS NOT NULL AND tk <> ${TARGET_OBJECT}`, [nameId]);
  return exact(and([hasString, not(matching)]));
}

/** An invalid pattern is the client's error, found before SQLite would trip over it. */
export function assertRegex(source: string): void {
  try {
    compileUserRegex(source);
  } catch {
    throw new NgsiError('BadRequestData', `Invalid regular expression: ${source}`);
  }
}
