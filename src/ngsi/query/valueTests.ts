/**
 * Compiles the value side of a q term into a ScalarTest (./targets) applied to one target
 * value at a time (clause 4.9 semantics):
 *  - values compare only with values of their own data type; a mismatch is "not matching"
 *    (never an exception): numbers with numbers, strings with strings, booleans with booleans;
 *  - a date-time or date compares by instant with a date/date-time target, whether a plain
 *    string or the typed form {"@type": "DateTime", "@value": ...}; a time by time of day;
 *  - a quoted string or unquoted URI equals a Relationship object or a VocabProperty vocab
 *    (the latter also through its @context expansion); Relationships support == and != only;
 *  - a range is inclusive at both ends; a list matches if any item does;
 *  - patterns test string targets only.
 * Everything that can be prepared (regexes, instants, the comparison) is prepared here, once.
 */
import type { CompareOp, QValue } from './ast';
import { compileUserRegex } from './regex';
import { instantOfValue, TIME_RE, timeOfValue } from './temporal';
import { TargetKind, type ScalarTest } from './targets';

type OrderOp = Exclude<CompareOp, '==' | '!='>;

const NEVER: ScalarTest = () => false;

/** The `==` test for a value; `!=` is "the target exists and this test never passes". */
export function compileEquals(q: QValue): ScalarTest {
  switch (q.kind) {
    case 'number':
    case 'boolean': {
      const expected = q.value;
      return (v, kind) => kind === TargetKind.Value && v === expected;
    }
    case 'string':
    case 'uri': {
      const expected = q.value;
      const expanded = q.expanded ?? q.value;
      return (v, kind) => v === expected || (kind === TargetKind.Vocab && v === expanded);
    }
    case 'dateTime': {
      const expected = q.epochMs;
      const read = TIME_RE.test(q.value) ? timeOfValue : instantOfValue;
      return (v, kind) => kind === TargetKind.Value && read(v) === expected;
    }
    case 'range': {
      const atLeast = compileOrder('>=', q.from);
      const atMost = compileOrder('<=', q.to);
      return (v, kind) => atLeast(v, kind) && atMost(v, kind);
    }
    case 'list': {
      const tests = q.items.map(compileEquals);
      return (v, kind) => {
        for (let i = 0; i < tests.length; i++) if (tests[i](v, kind)) return true;
        return false;
      };
    }
  }
}

/** The test for > >= < <=: numbers, strings (code-unit order) and temporal values only. */
export function compileOrder(op: OrderOp, q: QValue): ScalarTest {
  const holds = ORDER[op];
  switch (q.kind) {
    case 'number': {
      const bound = q.value;
      return (v, kind) => kind === TargetKind.Value && typeof v === 'number' && holds(v, bound);
    }
    case 'string': {
      const bound = q.value;
      return (v, kind) => kind === TargetKind.Value && typeof v === 'string' && holds(v, bound);
    }
    case 'dateTime': {
      const bound = q.epochMs;
      const read = TIME_RE.test(q.value) ? timeOfValue : instantOfValue;
      // NaN (not a temporal value) makes every comparison false: a type mismatch.
      return (v, kind) => kind === TargetKind.Value && holds(read(v), bound);
    }
    case 'list': {
      const tests = q.items.map((item) => compileOrder(op, item));
      return (v, kind) => {
        for (let i = 0; i < tests.length; i++) if (tests[i](v, kind)) return true;
        return false;
      };
    }
    // The parser refuses these with an ordering operator; an AST built by hand gets "no match".
    case 'boolean':
    case 'uri':
    case 'range':
      return NEVER;
  }
}

/** `~=`: the target is a string in the language of the pattern (Relationship objects excluded). */
export function compilePattern(pattern: string): ScalarTest {
  const re = compileUserRegex(pattern);
  return (v, kind) => kind !== TargetKind.Object && typeof v === 'string' && re.test(v);
}

/** Any string target (for `!~=`, which needs one to exist). */
export const IS_STRING: ScalarTest = (v, kind) => kind !== TargetKind.Object && typeof v === 'string';

export const ALWAYS: ScalarTest = () => true;

const ORDER: Record<OrderOp, (a: number | string, b: number | string) => boolean> = {
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
};
