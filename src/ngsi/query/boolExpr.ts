/**
 * The small boolean language shared by the Entity Type Selection Language (clause 4.17) and
 * the Scope Query Language (clause 4.19): atoms combined with `|` or `,` (OR) and `;` (AND),
 * grouped by parentheses.
 *
 *   expr    = andExpr *( ( "|" / "," ) andExpr )
 *   andExpr = primary *( ";" primary )
 *   primary = "(" expr ")" / atom
 *
 * The clauses' ABNF only allows `;` inside parentheses ("For logical and grouping
 * parenthesis are needed") and no nesting; we accept this superset, with AND binding tighter
 * than OR as in the q language (clause 4.9) the two clauses refer to.
 */
import { NgsiError } from '../errors';

export type BoolExpr<Atom> =
  | Atom
  | { kind: 'and'; items: BoolExpr<Atom>[] }
  | { kind: 'or'; items: BoolExpr<Atom>[] };

/** Reads one atom starting at `start` (never empty there); returns it and where it ends. */
export type AtomReader<Atom> = (text: string, start: number, fail: (what: string, at: number) => never) => { atom: Atom; end: number };

/** Parenthesis nesting beyond this is refused: it only serves to exhaust the stack. */
const MAX_NESTING = 32;

/** Characters that end an atom. */
export const BOOL_DELIMITERS = '|,;()';

export function parseBoolExpr<Atom>(text: string, parameter: string, readAtom: AtomReader<Atom>): BoolExpr<Atom> {
  let pos = 0;
  let depth = 0;
  const fail = (what: string, at: number, note?: string): never => {
    throw new NgsiError('BadRequestData', `Invalid ${parameter}: ${what} at position ${at}${note === undefined ? '' : ` (${note})`}`);
  };

  const parseOr = (): BoolExpr<Atom> => {
    const items = [parseAnd()];
    while (text[pos] === '|' || text[pos] === ',') {
      pos++;
      items.push(parseAnd());
    }
    return items.length === 1 ? items[0] : { kind: 'or', items };
  };
  const parseAnd = (): BoolExpr<Atom> => {
    const items = [parsePrimary()];
    while (text[pos] === ';') {
      pos++;
      items.push(parsePrimary());
    }
    return items.length === 1 ? items[0] : { kind: 'and', items };
  };
  const parsePrimary = (): BoolExpr<Atom> => {
    const c = text[pos];
    if (c === '(') {
      const open = pos;
      if (++depth > MAX_NESTING) {
        throw new NgsiError('TooComplexQuery', `Invalid ${parameter}: parentheses nested deeper than ${MAX_NESTING} at position ${open}`);
      }
      pos++;
      const inner = parseOr();
      if (text[pos] !== ')') fail("missing ')'", pos, `to close the '(' at position ${open}`);
      pos++;
      depth--;
      return inner;
    }
    if (c === undefined || BOOL_DELIMITERS.includes(c)) {
      fail(c === undefined ? 'unexpected end, expected a name' : `expected a name, found '${c}'`, pos);
    }
    const { atom, end } = readAtom(text, pos, fail);
    pos = end;
    return atom;
  };

  if (text.length === 0) fail('empty expression', 0);
  const expr = parseOr();
  if (pos < text.length) fail(text[pos] === ')' ? "unbalanced ')'" : `unexpected '${text[pos]}'`, pos);
  return expr;
}

/** The end of an atom: the first delimiter at or after `start`, or the end of the text. */
export function atomEnd(text: string, start: number): number {
  let end = start;
  while (end < text.length && !BOOL_DELIMITERS.includes(text[end])) end++;
  return end;
}
