import assert from 'node:assert/strict';
import { bindIds, compileIdGlob, compileTenants, escapeRegex } from '../../../src/security/policy/glob';
import { ALL_ATTRIBUTES, NO_ATTRIBUTES, hiddenAttributes, maskFromForm, maskOf, unionMasks } from '../../../src/security/policy/mask';
import type { IdGlob } from '../../../src/security/policy/model';

describe('security/policy masks and globs', () => {
  describe('attribute masks', () => {
    it('normalise allow minus deny, sorted, so equal meanings serialise equally', () => {
      assert.deepEqual(maskOf(['b', 'a', 'c'], ['c']).form, { allow: ['a', 'b'] });
      assert.deepEqual(maskOf('*', ['z', 'y']).form, { allow: '*', deny: ['y', 'z'] });
      assert.equal(maskOf(undefined), ALL_ATTRIBUTES);
      assert.equal(maskOf([]).none, true);
    });

    it('union: any mask showing the attribute shows it', () => {
      assert.equal(unionMasks([]), NO_ATTRIBUTES);
      assert.deepEqual(unionMasks([maskOf(['a']), maskOf(['b'])]).form, { allow: ['a', 'b'] });
      assert.deepEqual(unionMasks([maskOf('*', ['a', 'b']), maskOf('*', ['b', 'c'])]).form, { allow: '*', deny: ['b'] });
      assert.deepEqual(unionMasks([maskOf('*', ['a', 'b']), maskOf(['b'])]).form, { allow: '*', deny: ['a'] });
      assert.equal(unionMasks([maskOf('*', ['a']), maskOf(['a'])]).all, true);
      assert.equal(unionMasks([maskOf(['a']), ALL_ATTRIBUTES]), ALL_ATTRIBUTES);
    });

    it('round-trip through their serialised form', () => {
      for (const m of [maskOf(['a', 'b']), maskOf('*', ['x']), ALL_ATTRIBUTES, NO_ATTRIBUTES]) {
        const back = maskFromForm(JSON.parse(JSON.stringify(m.form)));
        assert.deepEqual(back.form, m.form);
        for (const a of ['a', 'b', 'x', 'y']) assert.equal(back.visible(a), m.visible(a));
      }
    });

    it('list the hidden names of an attrs/pick list', () => {
      assert.deepEqual(hiddenAttributes(['a', 'b', 'x'], maskOf('*', ['x', 'b'])), ['b', 'x']);
      assert.deepEqual(hiddenAttributes(['a'], ALL_ATTRIBUTES), []);
    });
  });

  describe('globs', () => {
    const glob = (s: string): IdGlob => {
      const g = compileIdGlob(s);
      assert.ok(typeof g !== 'string', g as string);
      return g;
    };

    it('escape every regex metacharacter', () => {
      const special = '.*+?^${}()|[]\\/';
      assert.equal(new RegExp(`^${escapeRegex(special)}$`).test(special), true);
    });

    it('compile into literal, any and subject parts, merging runs of *', () => {
      assert.deepEqual(glob('urn:${sub}**:x').parts, [{ kind: 'literal', text: 'urn:' }, { kind: 'subject' }, { kind: 'any' }, { kind: 'literal', text: ':x' }]);
      assert.equal(compileIdGlob('urn:a b'), `id pattern 'urn:a b' contains whitespace`);
      assert.match(compileIdGlob('${sub') as string, /unknown placeholder '\$\{sub'/);
    });

    it('bind to a subject as literal ids plus one anchored pattern', () => {
      const bound = bindIds([glob('urn:x:1'), glob('${sub}'), glob('urn:y:*'), glob('urn:${sub}:*')], 'd(1)');
      assert.deepEqual(bound.literals, ['urn:x:1', 'd(1)']);
      assert.equal(bound.pattern, '^(?:urn:y:.*|urn:d\\(1\\):.*)$');
      assert.equal(bound.test('urn:d(1):t'), true);
      assert.equal(bound.test('urn:d1:t'), false);
    });

    it('bind subject-free lists once', () => {
      const globs = [glob('urn:y:*')];
      assert.equal(bindIds(globs, 'a'), bindIds(globs, 'b'));
    });

    it('match tenants exactly or by anchored glob', () => {
      const t = compileTenants(['', 'a', 'site-*']);
      assert.deepEqual(['', 'a', 'ab', 'site-1', 'xsite-1'].map((x) => t.test(x)), [true, true, false, true, false]);
    });
  });
});
