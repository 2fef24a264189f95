import assert from 'node:assert/strict';
import { parseAttrList } from '../../../src/ngsi/query/attrList';
import { LOCATION_IRI } from '../../../src/ngsi/entity';
import { assertNgsiError, expand, iri } from './helpers';

describe('parseAttrList (attrs, pick, omit)', () => {
  it('expands every attribute name, keeping order and dropping duplicates', () => {
    assert.deepEqual(parseAttrList('speed,location,ex:brand,speed', expand), [iri('speed'), LOCATION_IRI, iri('brand')]);
  });

  it('accepts absolute URIs and ignores spaces around names', () => {
    assert.deepEqual(parseAttrList(' https://schema.org/name , speed', expand), ['https://schema.org/name', iri('speed')]);
  });

  it('keeps entity members literal for pick and omit', () => {
    assert.deepEqual(parseAttrList('id,type,scope,createdAt,modifiedAt,speed', expand, 'pick'),
      ['id', 'type', 'scope', 'createdAt', 'modifiedAt', iri('speed')]);
    assert.deepEqual(parseAttrList('type,location', expand, 'omit'), ['type', LOCATION_IRI]);
  });

  describe('errors', () => {
    it('refuses an empty name with its position', () => {
      assertNgsiError(() => parseAttrList('a,,b', expand), 'BadRequestData', /Invalid attrs: empty name at position 2/);
      assertNgsiError(() => parseAttrList('', expand, 'pick'), 'BadRequestData', /Invalid pick: empty name at position 0/);
      assertNgsiError(() => parseAttrList('a,', expand, 'omit'), 'BadRequestData', /Invalid omit: empty name at position 2/);
    });
    it('refuses invalid names', () => {
      assertNgsiError(() => parseAttrList('speed,bad name', expand), 'BadRequestData', /invalid name 'bad name' at position 6/);
      assertNgsiError(() => parseAttrList('9lives', expand), 'BadRequestData', /invalid name '9lives'/);
    });
    it('refuses id and type in attrs, which lists attributes only', () => {
      assertNgsiError(() => parseAttrList('speed,type', expand), 'BadRequestData', /'type' is an entity member, not an attribute at position 6/);
      assertNgsiError(() => parseAttrList('id', expand), 'BadRequestData', /'id' is an entity member/);
    });
  });
});
