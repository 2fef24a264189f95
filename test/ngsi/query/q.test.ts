import assert from 'node:assert/strict';
import { parseQ } from '../../../src/ngsi/query/q';
import type { QNode } from '../../../src/ngsi/query/ast';
import { assertNgsiError, expand, iri } from './helpers';

const q = (text: string): QNode => parseQ(text, expand);
const path = (attr: string, sub: string[] = [], keys: string[] = []) => ({ attr: iri(attr), sub, keys });
const cmp = (text: string) => {
  const node = q(text);
  assert.equal(node.kind, 'compare');
  return node as Extract<QNode, { kind: 'compare' }>;
};

describe('parseQ (clause 4.9)', () => {
  describe('terms', () => {
    it('reads a bare attribute as an existence test, expanded', () => {
      assert.deepEqual(q('temperature'), { kind: 'exists', path: path('temperature') });
    });

    it('reads every comparison operator', () => {
      for (const op of ['==', '!=', '>', '>=', '<', '<='] as const) {
        assert.deepEqual(q(`speed${op}50`), { kind: 'compare', path: path('speed'), op, value: { kind: 'number', value: 50 } });
      }
    });

    it('reads ~= and !~= with the pattern source kept as written', () => {
      assert.deepEqual(q('name~=^Sm.th$'), { kind: 'pattern', path: path('name'), regex: '^Sm.th$', negate: false });
      assert.deepEqual(q('name!~=(?i)smith'), { kind: 'pattern', path: path('name'), regex: '(?i)smith', negate: true });
    });

    it('lets an unquoted pattern use | and ; inside its own parentheses, and ends it at a top-level ;', () => {
      const node = q('name~=(a|b;c)x;speed>1');
      assert.equal(node.kind, 'and');
      const [pattern] = (node as Extract<QNode, { kind: 'and' }>).items;
      assert.deepEqual(pattern, { kind: 'pattern', path: path('name'), regex: '(a|b;c)x', negate: false });
    });

    it('accepts a quoted pattern with escapes', () => {
      assert.deepEqual(q('name~="a\\\\d+|b"'), { kind: 'pattern', path: path('name'), regex: 'a\\d+|b', negate: false });
    });

    it('keeps compact IRIs as names and expands them', () => {
      assert.deepEqual(q('ex:speed>1').kind, 'compare');
      assert.equal(cmp('ex:speed>1').path.attr, iri('speed'));
    });

    it('accepts the core context prefix ngsi-ld: in names', () => {
      assert.equal(cmp('ngsi-ld:speed>1').path.attr, 'ngsi-ld:speed');
    });

    it('ignores spaces around operators and logical operators', () => {
      assert.deepEqual(q(' a == 1 ; b '), { kind: 'and', items: [
        { kind: 'compare', path: path('a'), op: '==', value: { kind: 'number', value: 1 } },
        { kind: 'exists', path: path('b') },
      ] });
    });
  });

  describe('values', () => {
    it('reads numbers: negative, decimal, exponent', () => {
      assert.deepEqual(cmp('a==-3').value, { kind: 'number', value: -3 });
      assert.deepEqual(cmp('a==2.75').value, { kind: 'number', value: 2.75 });
      assert.deepEqual(cmp('a==1.5e3').value, { kind: 'number', value: 1500 });
      assert.deepEqual(cmp('a>=-0.5E-2').value, { kind: 'number', value: -0.005 });
    });

    it('reads booleans', () => {
      assert.deepEqual(cmp('a==true').value, { kind: 'boolean', value: true });
      assert.deepEqual(cmp('a!=false').value, { kind: 'boolean', value: false });
    });

    it('reads quoted strings with JSON escapes, and keeps logical operators inside them', () => {
      assert.deepEqual(cmp('a=="Mercedes"').value, { kind: 'string', value: 'Mercedes', expanded: iri('Mercedes') });
      assert.deepEqual(cmp('a=="say \\"hi\\"; x|y"').value, { kind: 'string', value: 'say "hi"; x|y' });
      assert.deepEqual(cmp('a=="caf\\u00e9\\n"').value, { kind: 'string', value: 'café\n' });
    });

    it('reads unquoted date-times, dates and times with their instant', () => {
      assert.deepEqual(cmp('a.observedAt>=2017-12-24T12:00:00Z').value,
        { kind: 'dateTime', value: '2017-12-24T12:00:00Z', epochMs: Date.UTC(2017, 11, 24, 12) });
      assert.deepEqual(cmp('a>2017-12-24T13:00:00.500+01:00').value,
        { kind: 'dateTime', value: '2017-12-24T13:00:00.500+01:00', epochMs: Date.UTC(2017, 11, 24, 12, 0, 0, 500) });
      assert.deepEqual(cmp('a<2017-12-24').value, { kind: 'dateTime', value: '2017-12-24', epochMs: Date.UTC(2017, 11, 24) });
      assert.deepEqual(cmp('a<12:30:00Z').value, { kind: 'dateTime', value: '12:30:00Z', epochMs: (12 * 60 + 30) * 60_000 });
    });

    it('reads a date-time without zone as UTC', () => {
      assert.equal((cmp('a<2020-01-01T00:00:00').value as { epochMs: number }).epochMs, Date.UTC(2020, 0, 1));
    });

    it('reads unquoted URIs (relationship objects)', () => {
      assert.deepEqual(cmp('isParked==urn:ngsi-ld:OffStreetParking:Downtown1').value,
        { kind: 'uri', value: 'urn:ngsi-ld:OffStreetParking:Downtown1' });
      assert.deepEqual(cmp('a==https://example.com/x?y=1').value, { kind: 'uri', value: 'https://example.com/x?y=1' });
    });

    it('takes an unquoted word as a string and records its expansion (VocabProperty values)', () => {
      assert.deepEqual(cmp('gender==Male').value, { kind: 'string', value: 'Male', expanded: iri('Male') });
      assert.deepEqual(cmp('gender==ex:Male').value, { kind: 'uri', value: 'ex:Male', expanded: iri('Male') });
    });

    it('reads ranges of numbers, strings and date-times', () => {
      assert.deepEqual(cmp('t==10..20').value,
        { kind: 'range', from: { kind: 'number', value: 10 }, to: { kind: 'number', value: 20 } });
      assert.deepEqual(cmp('t!=1.5..2.5').value,
        { kind: 'range', from: { kind: 'number', value: 1.5 }, to: { kind: 'number', value: 2.5 } });
      const dates = cmp('t==2020-01-01T00:00:00Z..2020-12-31T23:59:59.999Z').value;
      assert.equal(dates.kind, 'range');
      assert.deepEqual(cmp('t=="a".."m"').value.kind, 'range');
    });

    it('reads value lists of numbers, strings and URIs', () => {
      assert.deepEqual(cmp('a==1,2,3').value, { kind: 'list', items: [1, 2, 3].map((value) => ({ kind: 'number', value })) });
      assert.deepEqual(cmp('color!="black","red"').value, { kind: 'list', items: [
        { kind: 'string', value: 'black', expanded: iri('black') }, { kind: 'string', value: 'red', expanded: iri('red') },
      ] });
      assert.deepEqual(cmp('r==urn:a:1,urn:a:2').value.kind, 'list');
    });
  });

  describe('paths', () => {
    it('expands sub-attribute names and keeps members literal', () => {
      assert.deepEqual(cmp('temperature.accuracy<1').path, path('temperature', [iri('accuracy')]));
      for (const member of ['observedAt', 'unitCode', 'datasetId', 'createdAt', 'modifiedAt']) {
        assert.deepEqual(q(`temperature.${member}`), { kind: 'exists', path: path('temperature', [member]) });
      }
      assert.deepEqual(q('a.b.c'), { kind: 'exists', path: path('a', [iri('b'), iri('c')]) });
    });

    it('reads bracket paths into compound values, both [a.b] and [a][b], literally', () => {
      assert.deepEqual(cmp('address[city]=="Berlin"').path, path('address', [], ['city']));
      assert.deepEqual(cmp('sensor.rawdata[airquality.particulate]==40').path,
        path('sensor', [iri('rawdata')], ['airquality', 'particulate']));
      assert.deepEqual(cmp('a[b][c]==1').path, path('a', [], ['b', 'c']));
      assert.deepEqual(cmp('name[*]=="x"').path, path('name', [], ['*']));
    });
  });

  describe('logical operators', () => {
    const e = (name: string): QNode => ({ kind: 'exists', path: path(name) });

    it('makes ; an AND and | an OR, flattening chains', () => {
      assert.deepEqual(q('a;b;c'), { kind: 'and', items: [e('a'), e('b'), e('c')] });
      assert.deepEqual(q('a|b|c'), { kind: 'or', items: [e('a'), e('b'), e('c')] });
    });

    it('gives AND precedence over OR (clause 4.9)', () => {
      assert.deepEqual(q('a|b;c'), { kind: 'or', items: [e('a'), { kind: 'and', items: [e('b'), e('c')] }] });
      assert.deepEqual(q('a;b|c'), { kind: 'or', items: [{ kind: 'and', items: [e('a'), e('b')] }, e('c')] });
    });

    it('lets parentheses override precedence, nested', () => {
      assert.deepEqual(q('((a|b);c)|d'), { kind: 'or', items: [
        { kind: 'and', items: [{ kind: 'or', items: [e('a'), e('b')] }, e('c')] }, e('d'),
      ] });
    });

    it('parses the spec examples 6 and 7', () => {
      assert.equal(q('((speed>50|rpm>3000);brandName=="Mercedes")').kind, 'and');
      assert.equal(q('(temperature>=20;temperature<=25)|capacity<=10').kind, 'or');
    });
  });

  describe('errors', () => {
    const bad = (text: string, detail: RegExp) => assertNgsiError(() => q(text), 'BadRequestData', detail);

    it('refuses an empty query', () => bad('', /^Invalid q: empty query at position 0$/));
    it('refuses unbalanced parentheses', () => {
      bad('(a;b', /missing '\)' at position 4 \(to close the '\(' at position 0\)$/);
      bad('a;b)', /unbalanced '\)' at position 3/);
      bad('()', /expected an attribute name at position 1/);
    });
    it('refuses an unknown operator', () => {
      bad('a=1', /unknown operator '=1' at position 1/);
      bad('a=>1', /unknown operator/);
      bad('a~1', /unknown operator/);
    });
    it('refuses an empty term', () => {
      bad('a;;b', /expected an attribute name at position 2/);
      bad('a|', /expected an attribute name at position 2/);
      bad(';a', /expected an attribute name at position 0/);
    });
    it('refuses a missing value', () => {
      bad('a==', /missing value after == at position 3/);
      bad('a==;b', /missing value/);
      bad('a==1,', /missing value/);
      bad('a==1..', /missing value/);
    });
    it('refuses an unterminated string', () => bad('a=="abc', /unterminated string at position 3/));
    it('refuses an invalid string escape', () => bad('a=="a\\qb"', /invalid escape/));
    it('refuses bad numbers', () => {
      bad('a==1.2.3', /invalid number '1.2.3' at position 3/);
      bad('a>01', /invalid number/);
      bad('a==1e', /invalid number/);
      bad('a==-', /missing value|invalid number/);
    });
    it('refuses impossible dates and times', () => {
      bad('a>2020-13-01', /invalid date-time/);
      bad('a>25:00:00Z', /invalid time/);
    });
    it('refuses a bad regular expression', () => bad('a~=(x', /invalid regular expression '\(x'/));
    it('refuses a missing regular expression', () => bad('a~=;b', /missing regular expression at position 3/));
    it('refuses ranges and lists with ordering operators', () => {
      bad('a>1..5', /range is only allowed with == or !=/);
      bad('a<1,2', /value list is only allowed with == or !=/);
    });
    it('refuses booleans and URIs with ordering operators', () => {
      bad('a>true', /operator > needs a number.*not a boolean/);
      bad('a<=urn:x:1', /not a uri/);
    });
    it('refuses ranges mixing kinds', () => {
      bad('a==1.."z"', /range needs two .* of the same kind/);
      bad('a==2020-01-01..12:00:00', /same kind/);
    });
    it('refuses invalid attribute names and malformed paths', () => {
      bad('1abc==1', /invalid attribute name '1abc' at position 0/);
      bad('a.==1', /expected an attribute name, found '='/);
      bad('a[]==1', /empty key in brackets/);
      bad('a[b==1', /missing '\]'/);
      bad('a[b].c==1', /cannot continue with '\.' after '\]'/);
    });
    it('refuses a negated existence (!attr is not part of the 1.8.1 grammar)', () => {
      bad('!temperature', /expected an attribute name, found '!' at position 0/);
    });
    it('refuses doubled or misplaced operators in an unquoted value', () => {
      bad('temperature>>2', /invalid value '>2' at position 12/);
      bad('temperature==>2', /invalid value '>2'/);
      bad('temperature<<=2', /invalid value '<=2'/);
      bad('a==b=c', /invalid value 'b=c'/);
      bad('a==ab"c', /invalid value/);
    });
    it('refuses trailing garbage after a value', () => bad('a==1 2', /unexpected '2' at position 5/));
    it('refuses deep nesting as too complex', () => {
      assertNgsiError(() => q(`${'('.repeat(40)}a${')'.repeat(40)}`), 'TooComplexQuery', /nested deeper than 32/);
    });
  });
});
