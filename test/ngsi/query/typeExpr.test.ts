import assert from 'node:assert/strict';
import { parseTypeExpr, typeExprIris } from '../../../src/ngsi/query/typeExpr';
import { assertNgsiError, expand, iri } from './helpers';

const t = (name: string) => ({ kind: 'type', iri: iri(name) });

describe('parseTypeExpr (clause 4.17)', () => {
  it('expands a single type', () => assert.deepEqual(parseTypeExpr('Building', expand), t('Building')));

  it('reads | and , as OR (spec example 1)', () => {
    assert.deepEqual(parseTypeExpr('Building|House', expand), { kind: 'or', items: [t('Building'), t('House')] });
    assert.deepEqual(parseTypeExpr('Building,House', expand), { kind: 'or', items: [t('Building'), t('House')] });
  });

  it('reads ; as AND inside parentheses (spec examples 2 and 3)', () => {
    assert.deepEqual(parseTypeExpr('(Home;Vehicle)', expand), { kind: 'and', items: [t('Home'), t('Vehicle')] });
    assert.deepEqual(parseTypeExpr('(Home;Vehicle)|Motorhome', expand),
      { kind: 'or', items: [{ kind: 'and', items: [t('Home'), t('Vehicle')] }, t('Motorhome')] });
    assert.deepEqual(parseTypeExpr('(Home;Vehicle),Motorhome', expand), parseTypeExpr('(Home;Vehicle)|Motorhome', expand));
  });

  it('binds ; tighter than | without parentheses', () => {
    assert.deepEqual(parseTypeExpr('A|B;C', expand), { kind: 'or', items: [t('A'), { kind: 'and', items: [t('B'), t('C')] }] });
  });

  it('accepts compact IRIs and absolute URIs', () => {
    assert.deepEqual(parseTypeExpr('ex:Car', expand), t('Car'));
    assert.deepEqual(parseTypeExpr('https://schema.org/Car|urn:x:T', expand),
      { kind: 'or', items: [{ kind: 'type', iri: 'https://schema.org/Car' }, { kind: 'type', iri: 'urn:x:T' }] });
  });

  it('lists the IRIs it mentions once', () => {
    assert.deepEqual(typeExprIris(parseTypeExpr('(A;B)|A', expand)), [iri('A'), iri('B')]);
  });

  describe('errors', () => {
    const bad = (text: string, detail: RegExp) => assertNgsiError(() => parseTypeExpr(text, expand), 'BadRequestData', detail);
    it('refuses an empty expression', () => bad('', /Invalid type: empty expression at position 0/));
    it('refuses empty items', () => {
      bad('A,,B', /expected a name, found ',' at position 2/);
      bad('A|', /unexpected end, expected a name at position 2/);
    });
    it('refuses invalid names', () => {
      bad('Bad Name', /invalid entity type name 'Bad Name' at position 0/);
      bad('A|1B', /invalid entity type name '1B' at position 2/);
    });
    it('refuses unbalanced parentheses', () => {
      bad('(A;B', /missing '\)' at position 4 \(to close the '\(' at position 0\)$/);
      bad('A)', /unbalanced '\)' at position 1/);
    });
    it('refuses deep nesting as too complex', () => {
      assertNgsiError(() => parseTypeExpr(`${'('.repeat(40)}A${')'.repeat(40)}`, expand), 'TooComplexQuery', /nested deeper/);
    });
  });
});
