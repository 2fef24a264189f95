/**
 * Parser of the NGSI-LD Query Language (the `q` parameter, ETSI GS CIM 009 v1.8.1 clause 4.9)
 * into the one query AST (./ast). Recursive descent over this grammar (a tolerant superset
 * of the clause's ABNF, which is ambiguous about precedence and whitespace):
 *
 *   query     = orExpr
 *   orExpr    = andExpr *( "|" andExpr )
 *   andExpr   = term *( ";" term )
 *   term      = "(" orExpr ")"
 *             / attrPath [ op value ]                 ; no op: the target exists
 *   attrPath  = name *( "." name ) *( "[" key *( "." key ) "]" )
 *   name      = [ prefix ":" ] letter *( letter / digit / "_" )   ; term or compact IRI
 *   key       = 1*( any char but "." "[" "]" )       ; compound-value member, or a language
 *   op        = "==" / "!=" / ">=" / ">" / "<=" / "<" / "~=" / "!~="
 *   value     = regex                                 ; after ~= and !~=
 *             / scalar ".." scalar                    ; range, == and != only
 *             / scalar 1*( "," scalar )               ; list, == and != only
 *             / scalar
 *   scalar    = quotedStr / number / "true" / "false" / dateTime / date / time / uri / word
 *   regex     = quotedStr / 1*regexChar               ; unquoted: ends at ";" "|" or ")" outside
 *                                                     ; the regex's own ( ) and [ ]
 *
 * - Precedence: ";" (AND) binds tighter than "|" (OR), as clause 4.9 mandates ("the logical
 *   AND operator shall take precedence over the logical OR operator"). Orion-LD's legacy
 *   parser rejects ; and | mixed at one level instead; Stellio follows the clause, as we do.
 * - quotedStr is a JSON string (escapes included); number is a JSON number.
 * - An unquoted word that is neither a number, boolean, date/time nor URI is taken as a
 *   string, as Orion-LD and Stellio do, but one that starts like a number must be a number.
 * - Dotted path members observedAt, unitCode, datasetId, createdAt, modifiedAt stay literal;
 *   other names are expanded with the caller's `expand` (the request's @context).
 * - `a[b.c]` (the clause's syntax) and `a[b][c]` both address value member c of member b.
 * - Spaces around terms, operators and values are ignored. URL-decoding is the caller's job.
 * Errors: NgsiError BadRequestData "Invalid q: ... at position N" (N counts from 0), the
 * problem type Orion-LD and Stellio answer for an invalid q; nesting deeper than
 * MAX_NESTING gives TooComplexQuery.
 */
import type { Iri } from '../entity';
import { NgsiError } from '../errors';
import type { AttrPath, CompareOp, QNode, QValue } from './ast';
import { ABSOLUTE_URI_RE, TERM_RE } from './names';
import { compileUserRegex } from './regex';
import { DATE_RE, DATE_TIME_RE, instantMs, TIME_RE, timeOfDayMs } from './temporal';

export type Expand = (term: string) => Iri;

/** Members of an attribute that a dotted path addresses literally (not sub-attributes). */
export const PATH_MEMBERS: ReadonlySet<string> = new Set(['observedAt', 'unitCode', 'datasetId', 'createdAt', 'modifiedAt']);

/** Parenthesis nesting beyond this is refused: it only serves to exhaust the stack. */
export const MAX_NESTING = 32;

const NUMBER_RE = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const STARTS_LIKE_NUMBER_RE = /^[-+.\d]/;
const SUSPICIOUS_WORD_RE = /[=<>~!"(\[\]]/;
/** Characters of a name token; validated against TERM_RE afterwards for a precise error. */
const NAME_CHAR_RE = /[\p{L}\p{N}_:-]/u;

const OPERATORS: readonly (CompareOp | '~=' | '!~=')[] = ['==', '!=', '!~=', '~=', '>=', '>', '<=', '<'];
const OPERATOR_START = '=!<>~';

export function parseQ(text: string, expand: Expand): QNode {
  return new QParser(text, expand).parse();
}

class QParser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly text: string, private readonly expand: Expand) {}

  parse(): QNode {
    this.skipSpaces();
    if (this.pos >= this.text.length) throw this.error('empty query');
    const node = this.parseOr();
    this.skipSpaces();
    if (this.pos < this.text.length) {
      const c = this.text[this.pos];
      throw this.error(c === ')' ? "unbalanced ')'" : `unexpected '${c}'`);
    }
    return node;
  }

  private parseOr(): QNode {
    const items = [this.parseAnd()];
    while (this.peekAfterSpaces() === '|') {
      this.pos++;
      items.push(this.parseAnd());
    }
    return items.length === 1 ? items[0] : { kind: 'or', items };
  }

  private parseAnd(): QNode {
    const items = [this.parseTerm()];
    while (this.peekAfterSpaces() === ';') {
      this.pos++;
      items.push(this.parseTerm());
    }
    return items.length === 1 ? items[0] : { kind: 'and', items };
  }

  private parseTerm(): QNode {
    this.skipSpaces();
    const c = this.text[this.pos];
    if (c === '(') return this.parseGroup();
    if (c === undefined || c === ';' || c === '|' || c === ')') throw this.error('expected an attribute name');
    const path = this.parsePath();
    this.skipSpaces();
    const next = this.text[this.pos];
    if (next === undefined || next === ';' || next === '|' || next === ')') return { kind: 'exists', path };
    const op = this.parseOperator();
    this.skipSpaces();
    if (op === '~=' || op === '!~=') return { kind: 'pattern', path, regex: this.parseRegex(), negate: op === '!~=' };
    return { kind: 'compare', path, op, value: this.parseValue(op) };
  }

  private parseGroup(): QNode {
    const open = this.pos;
    if (++this.depth > MAX_NESTING) {
      throw new NgsiError('TooComplexQuery', `Invalid q: parentheses nested deeper than ${MAX_NESTING} at position ${open}`);
    }
    this.pos++;
    const node = this.parseOr();
    if (this.peekAfterSpaces() !== ')') throw this.error("missing ')'", this.pos, `to close the '(' at position ${open}`);
    this.pos++;
    this.depth--;
    return node;
  }

  // --- attribute paths -------------------------------------------------------------------

  private parsePath(): AttrPath {
    const attr = this.expand(this.parseName());
    const sub: string[] = [];
    while (this.text[this.pos] === '.') {
      this.pos++;
      const name = this.parseName();
      sub.push(PATH_MEMBERS.has(name) ? name : this.expand(name));
    }
    const keys: string[] = [];
    while (this.text[this.pos] === '[') this.parseBracket(keys);
    if (this.text[this.pos] === '.') throw this.error("a path cannot continue with '.' after ']'");
    return { attr, sub, keys };
  }

  private parseName(): string {
    const start = this.pos;
    while (this.pos < this.text.length && NAME_CHAR_RE.test(this.text[this.pos])) this.pos++;
    const name = this.text.slice(start, this.pos);
    if (name === '') {
      const c = this.text[this.pos];
      throw this.error(c === undefined ? 'expected an attribute name' : `expected an attribute name, found '${c}'`);
    }
    if (!TERM_RE.test(name)) throw this.error(`invalid attribute name '${name}'`, start);
    return name;
  }

  private parseBracket(keys: string[]): void {
    const open = this.pos;
    this.pos++;
    for (;;) {
      const start = this.pos;
      while (this.pos < this.text.length && !'.[]'.includes(this.text[this.pos])) this.pos++;
      if (this.pos === start) {
        if (this.pos >= this.text.length) throw this.error("missing ']'", this.pos, `to close the '[' at position ${open}`);
        throw this.error('empty key in brackets');
      }
      keys.push(this.text.slice(start, this.pos));
      const c = this.text[this.pos];
      if (c === ']') { this.pos++; return; }
      if (c === '.') { this.pos++; continue; }
      if (c === undefined) throw this.error("missing ']'", this.pos, `to close the '[' at position ${open}`);
      throw this.error(`unexpected '${c}' in brackets`);
    }
  }

  // --- operators and values --------------------------------------------------------------

  private parseOperator(): CompareOp | '~=' | '!~=' {
    for (const op of OPERATORS) {
      if (this.text.startsWith(op, this.pos)) {
        this.pos += op.length;
        return op;
      }
    }
    const c = this.text[this.pos];
    if (OPERATOR_START.includes(c)) throw this.error(`unknown operator '${this.text.slice(this.pos, this.pos + 3)}'`);
    throw this.error(`unexpected '${c}' after the attribute path`);
  }

  private parseValue(op: CompareOp): QValue {
    const start = this.pos;
    const first = this.parseScalar(op);
    if (this.text.startsWith('..', this.pos)) {
      if (op !== '==' && op !== '!=') throw this.error(`a range is only allowed with == or !=, not ${op}`, start);
      this.pos += 2;
      const toPos = this.pos;
      const to = this.parseScalar(op);
      if (!sameComparableKind(first, to)) throw this.error('a range needs two numbers, strings, date-times, dates or times of the same kind', toPos);
      return { kind: 'range', from: first, to };
    }
    if (this.text[this.pos] === ',') {
      if (op !== '==' && op !== '!=') throw this.error(`a value list is only allowed with == or !=, not ${op}`, start);
      const items = [first];
      while (this.text[this.pos] === ',') {
        this.pos++;
        items.push(this.parseScalar(op));
      }
      return { kind: 'list', items };
    }
    if (op !== '==' && op !== '!=' && first.kind !== 'number' && first.kind !== 'string' && first.kind !== 'dateTime') {
      throw this.error(`operator ${op} needs a number, a string, a date-time, a date or a time, not a ${first.kind}`, start);
    }
    return first;
  }

  private parseScalar(op: CompareOp): QValue {
    const start = this.pos;
    if (this.text[this.pos] === '"') {
      const value = this.parseQuoted();
      return withExpansion({ kind: 'string', value }, this.expand);
    }
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c === ',' || c === ';' || c === '|' || c === ')' || c === ' ') break;
      if (c === '.' && this.text[this.pos + 1] === '.') break;
      this.pos++;
    }
    const raw = this.text.slice(start, this.pos);
    if (raw === '') throw this.error(`missing value after ${op}`);
    return this.classify(raw, start);
  }

  private classify(raw: string, at: number): QValue {
    if (raw === 'true' || raw === 'false') return { kind: 'boolean', value: raw === 'true' };
    if (NUMBER_RE.test(raw)) return { kind: 'number', value: Number(raw) };
    if (DATE_TIME_RE.test(raw) || DATE_RE.test(raw)) {
      const epochMs = instantMs(raw);
      if (Number.isNaN(epochMs)) throw this.error(`invalid date-time '${raw}'`, at);
      return { kind: 'dateTime', value: raw, epochMs };
    }
    if (TIME_RE.test(raw)) {
      const epochMs = timeOfDayMs(raw);
      if (Number.isNaN(epochMs)) throw this.error(`invalid time '${raw}'`, at);
      return { kind: 'dateTime', value: raw, epochMs };
    }
    if (STARTS_LIKE_NUMBER_RE.test(raw)) throw this.error(`invalid number '${raw}'`, at);
    if (ABSOLUTE_URI_RE.test(raw)) return withExpansion({ kind: 'uri', value: raw }, this.expand);
    // A word holding operator characters or quotes is a typo (`a>>2`, `a==>2`), not a string.
    if (SUSPICIOUS_WORD_RE.test(raw)) throw this.error(`invalid value '${raw}'`, at, 'quote a string holding = < > ~ ! " ( [');
    return withExpansion({ kind: 'string', value: raw }, this.expand);
  }

  /** A JSON string starting at the current '"'; returns its decoded content. */
  private parseQuoted(): string {
    const start = this.pos;
    let i = start + 1;
    while (i < this.text.length && this.text[i] !== '"') i += this.text[i] === '\\' ? 2 : 1;
    if (i >= this.text.length) throw this.error('unterminated string', start);
    this.pos = i + 1;
    try {
      return JSON.parse(this.text.slice(start, i + 1)) as string;
    } catch {
      throw this.error('invalid escape or control character in string', start);
    }
  }

  /** A pattern after ~= or !~=: quoted (JSON string) or raw up to a logical operator outside its own groups. */
  private parseRegex(): string {
    const start = this.pos;
    let source: string;
    if (this.text[this.pos] === '"') {
      source = this.parseQuoted();
    } else {
      let parens = 0;
      let inClass = false;
      while (this.pos < this.text.length) {
        const c = this.text[this.pos];
        if (c === '\\') { this.pos += 2; continue; }
        if (inClass) { if (c === ']') inClass = false; }
        else if (c === '[') inClass = true;
        else if (c === '(') parens++;
        else if (c === ')') { if (parens === 0) break; parens--; }
        else if ((c === ';' || c === '|') && parens === 0) break;
        this.pos++;
      }
      if (this.pos > this.text.length) this.pos = this.text.length;
      source = this.text.slice(start, this.pos).trimEnd();
    }
    if (source === '') throw this.error('missing regular expression', start);
    try {
      compileUserRegex(source);
    } catch (err) {
      throw this.error(`invalid regular expression '${source}' (${(err as Error).message})`, start);
    }
    return source;
  }

  // --- helpers ---------------------------------------------------------------------------

  private skipSpaces(): void {
    while (this.text[this.pos] === ' ') this.pos++;
  }

  private peekAfterSpaces(): string | undefined {
    this.skipSpaces();
    return this.text[this.pos];
  }

  private error(what: string, at: number = this.pos, note?: string): NgsiError {
    return new NgsiError('BadRequestData', `Invalid q: ${what} at position ${at}${note === undefined ? '' : ` (${note})`}`);
  }
}

function sameComparableKind(a: QValue, b: QValue): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'number' || a.kind === 'string') return true;
  // A date-time/date bound with a time bound has no temporal order between them.
  if (a.kind === 'dateTime' && b.kind === 'dateTime') return TIME_RE.test(a.value) === TIME_RE.test(b.value);
  return false;
}

/** Adds `expanded` when the value reads as a term or compact IRI and expansion changes it. */
function withExpansion<V extends { kind: 'string' | 'uri'; value: string; expanded?: Iri }>(v: V, expand: Expand): V {
  if (TERM_RE.test(v.value)) {
    const expanded = expand(v.value);
    if (expanded !== v.value) v.expanded = expanded;
  }
  return v;
}
