import { strict as assert } from 'node:assert';
import type { Attribute, Entity } from '../../src/ngsi/entity';
import type { CompiledContext } from '../../src/ngsi/jsonld/context';
import { languagePrefs, pickLanguage, renderEntity, type Format } from '../../src/ngsi/render';

const D = 'https://uri.etsi.org/ngsi-ld/default-context/';

const ctx: CompiledContext = {
  key: 'test',
  source: 'https://example.org/context.jsonld',
  linkUrl: 'https://example.org/context.jsonld',
  expandTerm: (t) => D + t,
  compactIri: (iri) => (iri.startsWith(D) ? iri.slice(D.length) : iri),
};

function entityWith(name: Attribute): Entity {
  return { id: 'urn:ngsi-ld:Place:1', type: [`${D}Place`], createdAt: 'c', modifiedAt: 'm', attrs: { [`${D}name`]: [name] } };
}

const bilingual: Attribute = { type: 'LanguageProperty', languageMap: { fr: 'Grand Place', nl: 'Grote Markt', 'en-GB': 'Great Square' } };
const render = (a: Attribute, format: Format, lang?: string) =>
  renderEntity(entityWith(a), ctx, lang === undefined ? { format, sysAttrs: false } : { format, sysAttrs: false, lang }).name;

describe('ngsi/render LanguageProperty and lang (clause 4.15)', () => {
  it('normalized: the requested language becomes a Property with value and lang', () => {
    assert.deepEqual(render(bilingual, 'normalized', 'nl'), { type: 'Property', value: 'Grote Markt', lang: 'nl' });
  });

  it('concise: the same without type; keyValues: the string alone', () => {
    assert.deepEqual(render(bilingual, 'concise', 'fr'), { value: 'Grand Place', lang: 'fr' });
    assert.equal(render(bilingual, 'keyValues', 'fr'), 'Grand Place');
  });

  it('matches tags case-insensitively and a range to its subtags (en -> en-GB)', () => {
    assert.deepEqual(render(bilingual, 'normalized', 'EN'), { type: 'Property', value: 'Great Square', lang: 'en-GB' });
    assert.deepEqual(render(bilingual, 'concise', 'en-gb'), { value: 'Great Square', lang: 'en-GB' });
  });

  it('an exact "en" key wins over "en-GB"', () => {
    const a: Attribute = { type: 'LanguageProperty', languageMap: { 'en-GB': 'colour', en: 'color' } };
    assert.equal(render(a, 'keyValues', 'en'), 'color');
  });

  it('follows weights of an Accept-Language-like list', () => {
    assert.equal(render(bilingual, 'keyValues', 'de, nl;q=0.5, fr;q=0.8'), 'Grand Place');
    assert.equal(render(bilingual, 'keyValues', 'fr;q=0, nl'), 'Grote Markt');
  });

  it('falls back to @none, then en, then the first entry, always telling the chosen tag', () => {
    const withNone: Attribute = { type: 'LanguageProperty', languageMap: { fr: 'Tour', '@none': 'Tower?', en: 'Tower' } };
    assert.deepEqual(render(withNone, 'normalized', 'ja'), { type: 'Property', value: 'Tower?', lang: '@none' });
    const withEn: Attribute = { type: 'LanguageProperty', languageMap: { fr: 'Tour', en: 'Tower' } };
    assert.deepEqual(render(withEn, 'concise', 'ja'), { value: 'Tower', lang: 'en' });
    assert.deepEqual(render(bilingual, 'normalized', 'ja'), { type: 'Property', value: 'Grand Place', lang: 'fr' });
  });

  it("'*' keeps the languageMap; in a list it matches the first entry", () => {
    assert.deepEqual(render(bilingual, 'normalized', '*'), { type: 'LanguageProperty', languageMap: bilingual.languageMap });
    assert.deepEqual(render(bilingual, 'keyValues', '*'), { languageMap: bilingual.languageMap });
    assert.equal(render(bilingual, 'keyValues', 'ja, *;q=0.1'), 'Grand Place');
  });

  it('without lang a LanguageProperty keeps its languageMap in every format', () => {
    assert.deepEqual(render(bilingual, 'normalized'), { type: 'LanguageProperty', languageMap: bilingual.languageMap });
    assert.deepEqual(render(bilingual, 'concise'), { languageMap: bilingual.languageMap });
    assert.deepEqual(render(bilingual, 'keyValues'), { languageMap: bilingual.languageMap });
  });

  it('keeps array values, metadata and sub-attributes, also for LanguageProperty sub-attributes', () => {
    const a: Attribute = {
      type: 'LanguageProperty', languageMap: { en: ['a', 'b'], fr: ['x'] }, observedAt: 'T',
      sub: { [`${D}label`]: { type: 'LanguageProperty', languageMap: { en: 'L', fr: 'É' } } },
    };
    assert.deepEqual(render(a, 'normalized', 'fr'), {
      type: 'Property', value: ['x'], lang: 'fr', observedAt: 'T', label: { type: 'Property', value: 'É', lang: 'fr' },
    });
  });

  it('an empty languageMap stays a LanguageProperty (nothing to choose)', () => {
    assert.deepEqual(render({ type: 'LanguageProperty', languageMap: {} }, 'normalized', 'en'), { type: 'LanguageProperty', languageMap: {} });
  });

  describe('languagePrefs', () => {
    it('parses once per distinct string (the cached result is returned again)', () => {
      const a = languagePrefs('fr-CH, fr;q=0.9, en;q=0.8');
      assert.deepEqual(a, ['fr-ch', 'fr', 'en']);
      assert.equal(languagePrefs('fr-CH, fr;q=0.9, en;q=0.8'), a);
    });

    it('gives null for no parameter and for "*" alone', () => {
      assert.equal(languagePrefs(undefined), null);
      assert.equal(languagePrefs('*'), null);
      assert.equal(languagePrefs(' , '), null);
    });
  });

  it('pickLanguage returns undefined for an empty map', () => {
    assert.equal(pickLanguage({}, ['en']), undefined);
  });
});
