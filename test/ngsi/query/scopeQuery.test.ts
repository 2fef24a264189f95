import assert from 'node:assert/strict';
import { parseScopeQ, scopeMatches, scopePatternMatches } from '../../../src/ngsi/query/scopeQuery';
import { assertNgsiError } from './helpers';

const matches = (scopeQ: string, scopes: string[] | undefined) => scopeMatches(parseScopeQ(scopeQ), scopes);

describe('parseScopeQ (clause 4.19)', () => {
  it('splits a scope into levels, keeping + and a final #', () => {
    assert.deepEqual(parseScopeQ('/Madrid/Gardens'), { kind: 'scope', segments: ['Madrid', 'Gardens'] });
    assert.deepEqual(parseScopeQ('/Madrid/+/ParqueNorte'), { kind: 'scope', segments: ['Madrid', '+', 'ParqueNorte'] });
    assert.deepEqual(parseScopeQ('/Madrid/#'), { kind: 'scope', segments: ['Madrid', '#'] });
    assert.deepEqual(parseScopeQ('/#'), { kind: 'scope', segments: ['#'] });
  });

  it('reads , and | as OR, ; as AND, with parentheses (spec examples 4 and 5)', () => {
    const a = { kind: 'scope', segments: ['Madrid', 'Districts'] };
    const b = { kind: 'scope', segments: ['CompanyA'] };
    const c = { kind: 'scope', segments: ['CompanyB'] };
    assert.deepEqual(parseScopeQ('(/Madrid/Districts;/CompanyA)'), { kind: 'and', items: [a, b] });
    assert.deepEqual(parseScopeQ('(/Madrid/Districts;/CompanyA)|/CompanyB'), { kind: 'or', items: [{ kind: 'and', items: [a, b] }, c] });
    assert.deepEqual(parseScopeQ('(/Madrid/Districts;/CompanyA),/CompanyB'), parseScopeQ('(/Madrid/Districts;/CompanyA)|/CompanyB'));
  });

  describe('errors', () => {
    const bad = (text: string, detail: RegExp) => assertNgsiError(() => parseScopeQ(text), 'BadRequestData', detail);
    it('refuses an empty expression', () => bad('', /Invalid scopeQ: empty expression at position 0/));
    it('refuses a scope without leading /', () => bad('Madrid', /a scope starts with '\/', found 'Madrid' at position 0/));
    it('refuses # before the end', () => bad('/Madrid/#/Gardens', /'#' may only end a scope at position 8/));
    it('refuses empty and invalid levels', () => {
      bad('/Madrid//Gardens', /empty scope level at position 8/);
      bad('/Madrid/', /empty scope level/);
      bad('/Ma-drid', /invalid scope level 'Ma-drid'/);
      bad('/1abc', /invalid scope level '1abc'/);
    });
    it('refuses unbalanced parentheses and dangling operators', () => {
      bad('(/a;/b', /missing '\)'/);
      bad('/a)', /unbalanced '\)'/);
      bad('/a|', /unexpected end, expected a name/);
      bad('/a;;/b', /expected a name, found ';'/);
    });
  });
});

describe('scopeMatches (clause 4.19)', () => {
  it('matches an exact scope and nothing above or below it', () => {
    assert.equal(matches('/Madrid', ['/Madrid']), true);
    assert.equal(matches('/Madrid', ['/Madrid/Gardens']), false);
    assert.equal(matches('/Madrid/Gardens', ['/Madrid']), false);
    assert.equal(matches('/Madrid', ['/Madridx']), false);
  });

  it('matches a scope and its whole tree with # (spec example 2)', () => {
    for (const scope of ['/Madrid/Gardens', '/Madrid/Gardens/ParqueNorte', '/Madrid/Gardens/ParqueNorte/Parterre1', '/Madrid/Gardens/ParqueSur']) {
      assert.equal(matches('/Madrid/Gardens/#', [scope]), true, scope);
    }
    assert.equal(matches('/Madrid/Gardens/#', ['/Madrid']), false);
    assert.equal(matches('/Madrid/Gardens/#', ['/Madrid/GardensX']), false);
  });

  it('matches one level with + (spec example 3)', () => {
    assert.equal(matches('/Madrid/+/ParqueNorte', ['/Madrid/Gardens/ParqueNorte']), true);
    assert.equal(matches('/Madrid/+/ParqueNorte', ['/Madrid/Sights/ParqueNorte']), true);
    assert.equal(matches('/Madrid/+/ParqueNorte', ['/Madrid/ParqueNorte']), false);
    assert.equal(matches('/Madrid/+/ParqueNorte', ['/Madrid/a/b/ParqueNorte']), false);
    assert.equal(matches('/+', ['/Madrid']), true);
    assert.equal(matches('/+/#', ['/Madrid/x/y']), true);
  });

  it('matches /# on any entity with a scope, never on one without', () => {
    assert.equal(matches('/#', ['/anything/here']), true);
    assert.equal(matches('/#', []), false);
    assert.equal(matches('/#', undefined), false);
  });

  it('ANDs across the entity scopes and ORs alternatives', () => {
    const scopes = ['/Madrid/Districts', '/CompanyA'];
    assert.equal(matches('(/Madrid/Districts;/CompanyA)', scopes), true);
    assert.equal(matches('(/Madrid/Districts;/CompanyB)', scopes), false);
    assert.equal(matches('(/Madrid/Districts;/CompanyB)|/CompanyA', scopes), true);
    assert.equal(matches('/Paris,/CompanyA', scopes), true);
  });

  it('accepts a stored scope without leading slash', () => {
    assert.equal(scopePatternMatches(['Madrid', 'Gardens'], 'Madrid/Gardens'), true);
    assert.equal(scopePatternMatches(['Madrid'], ''), false);
  });
});
