import assert from 'node:assert/strict';
import type { Entity } from '../../../src/ngsi/entity';
import { parseGeoQuery } from '../../../src/ngsi/query/geoQuery';
import { compileFilter, compileIdPattern, compileQ, compileTypeExpr } from '../../../src/ngsi/query/matcher';
import { parseQ } from '../../../src/ngsi/query/q';
import { parseScopeQ } from '../../../src/ngsi/query/scopeQuery';
import { parseTypeExpr } from '../../../src/ngsi/query/typeExpr';
import { assertNgsiError, entity, expand, iri, prop, rel } from './helpers';

const matches = (q: string, e: Entity): boolean => compileQ(parseQ(q, expand))(e);
const yes = (q: string, e: Entity) => assert.equal(matches(q, e), true, `${q} should match`);
const no = (q: string, e: Entity) => assert.equal(matches(q, e), false, `${q} should not match`);

describe('matcher compileQ (clause 4.9 semantics)', () => {
  describe('existence', () => {
    const e = entity({ temperature: prop(20, { observedAt: '2024-01-01T00:00:00Z', sub: { [iri('accuracy')]: prop(0.5) } }) });
    it('matches when the attribute exists, whatever its value', () => {
      yes('temperature', e);
      no('humidity', e);
    });
    it('matches when a sub-attribute or member exists', () => {
      yes('temperature.accuracy', e);
      no('temperature.precision', e);
      yes('temperature.observedAt', e);
      no('temperature.unitCode', e);
    });
    it('matches a compound key only when it resolves to a defined value', () => {
      const c = entity({ address: prop({ city: 'Berlin', zip: null }) });
      yes('address[city]', c);
      yes('address[zip]', c);
      no('address[street]', c);
      no('address[city][x]', c);
    });
  });

  describe('numbers', () => {
    const e = entity({ speed: prop(50) });
    it('compares with every operator', () => {
      yes('speed==50', e); no('speed==51', e);
      yes('speed!=51', e); no('speed!=50', e);
      yes('speed>49', e); no('speed>50', e);
      yes('speed>=50', e); no('speed>=50.5', e);
      yes('speed<51', e); no('speed<50', e);
      yes('speed<=50', e); no('speed<=49', e);
    });
    it('treats ranges as inclusive and lists as any-of', () => {
      yes('speed==50..60', e); yes('speed==40..50', e); no('speed==51..60', e);
      yes('speed!=51..60', e); no('speed!=40..60', e);
      yes('speed==1,50,3', e); no('speed==1,2', e);
      yes('speed!=1,2', e); no('speed!=1,50', e);
    });
    it('never matches a value of another type (and counts it as unequal)', () => {
      const s = entity({ speed: prop('50') });
      no('speed==50', s); no('speed>10', s); no('speed<100', s);
      yes('speed!=50', s);
    });
  });

  describe('strings', () => {
    const e = entity({ brandName: prop('Mercedes') });
    it('compares equality and code-unit order', () => {
      yes('brandName=="Mercedes"', e); no('brandName=="mercedes"', e);
      yes('brandName!="BMW"', e); no('brandName!="Mercedes"', e);
      yes('brandName>"Audi"', e); no('brandName<"Audi"', e);
      yes('brandName=="A".."N"', e); no('brandName=="N".."Z"', e);
      yes('brandName=="BMW","Mercedes"', e);
    });
    it('accepts an unquoted word as a string', () => yes('brandName==Mercedes', e));
    it('matches patterns on strings only', () => {
      yes('brandName~=^Merc', e); no('brandName~=^merc', e);
      yes('brandName~=(?i)^merc', e);
      no('brandName!~=^Merc', e); yes('brandName!~=^BMW', e);
      const n = entity({ brandName: prop(5) });
      no('brandName~=5', n);
      no('brandName!~=x', n);
    });
  });

  describe('booleans', () => {
    const e = entity({ active: prop(true) });
    it('compares with == and !=', () => {
      yes('active==true', e); no('active==false', e);
      yes('active!=false', e); no('active!=true', e);
      no('active=="true"', e);
    });
  });

  describe('dates, date-times and times', () => {
    const e = entity({
      seen: prop('2024-03-01T12:00:00Z'),
      typed: prop({ '@type': 'DateTime', '@value': '2024-03-01T13:00:00+01:00' }),
      day: prop({ '@type': 'Date', '@value': '2024-03-01' }),
      opens: prop({ '@type': 'Time', '@value': '08:30:00Z' }),
      temperature: prop(20, { observedAt: '2024-03-01T12:00:00.000Z' }),
    });
    it('compares date-time strings and typed values by instant', () => {
      yes('seen==2024-03-01T12:00:00Z', e);
      yes('seen==2024-03-01T14:00:00+02:00', e);
      yes('typed==2024-03-01T12:00:00Z', e);
      yes('seen>2024-03-01T11:59:59Z', e); no('seen>2024-03-01T12:00:00Z', e);
      yes('typed<2024-03-02', e);
      yes('seen==2024-03-01T00:00:00Z..2024-03-02T00:00:00Z', e);
      no('seen==2024-03-02T00:00:00Z..2024-03-03T00:00:00Z', e);
    });
    it('compares dates and times', () => {
      yes('day==2024-03-01', e); yes('day>2024-02-29', e); no('day>2024-03-01', e);
      yes('opens==08:30:00Z', e); yes('opens<09:00', e); no('opens>09:00:00Z', e);
      yes('opens==09:30:00+01:00', e);
    });
    it('compares members such as observedAt', () => {
      yes('temperature.observedAt>=2024-03-01T12:00:00Z', e);
      no('temperature.observedAt<2024-03-01T12:00:00Z', e);
    });
    it('does not read a number or a random string as a date', () => {
      const n = entity({ seen: prop(5), s: prop('soon') });
      no('seen>2000-01-01', n); no('s>2000-01-01', n);
    });
    it('does not compare a time with a date-time', () => no('seen>08:00:00Z', e));
  });

  describe('arrays', () => {
    const e = entity({ colors: prop(['blue', 'red', 'green']), sizes: prop([1, 5, 9]) });
    it('matches == when an element equals, != when none does', () => {
      yes('colors=="red"', e); no('colors=="black"', e);
      yes('colors!="black"', e); no('colors!="red"', e);
      yes('colors=="black","red"', e); no('colors!="black","red"', e);
      yes('colors!="black","yellow"', e);
    });
    it('matches ordering and ranges on any element', () => {
      yes('sizes>8', e); no('sizes>9', e); yes('sizes==6..10', e); no('sizes==6..8', e);
    });
    it('matches patterns on any string element', () => {
      yes('colors~=^gr', e); no('colors!~=^gr', e);
    });
  });

  describe('compound values', () => {
    const e = entity({
      address: prop({ city: 'Berlin', geo: { floor: 3 } }),
      sensor: prop(40, { sub: { [iri('rawdata')]: prop({ airquality: { particulate: 40, PM20: 85 } }) } }),
    });
    it('compares a member reached by brackets', () => {
      yes('address[city]=="Berlin"', e); no('address[city]=="Paris"', e);
      yes('address[geo.floor]>2', e); yes('address[geo][floor]==3', e);
      no('address[nowhere]!="x"', e);
    });
    it('combines a sub-attribute with a compound path (spec example 10)', () => {
      yes('sensor.rawdata[airquality.particulate]==40', e);
      no('sensor.rawdata[airquality.particulate]==41', e);
    });
    it('never equals a compound value to a scalar', () => no('address=="Berlin"', e));
  });

  describe('multiple instances (datasetId)', () => {
    const e = entity({
      speed: [prop(10), prop(80, { datasetId: 'urn:ngsi-ld:Dataset:gps' })],
    });
    it('matches when any instance matches', () => {
      yes('speed==80', e); yes('speed<20', e); no('speed==50', e);
      yes('speed.datasetId=="urn:ngsi-ld:Dataset:gps"', e);
    });
    it('matches != only when no instance equals', () => {
      no('speed!=80', e); yes('speed!=50', e);
    });
  });

  describe('sub-attributes', () => {
    const e = entity({
      temperature: prop(20, { unitCode: 'CEL', sub: { [iri('accuracy')]: prop(0.5, { sub: { [iri('method')]: prop('calibrated') } }) } }),
    });
    it('compares a sub-attribute value and a nested one', () => {
      yes('temperature.accuracy<1', e); no('temperature.accuracy>1', e);
      yes('temperature.accuracy.method=="calibrated"', e);
    });
    it('compares the unitCode member', () => {
      yes('temperature.unitCode=="CEL"', e); no('temperature.unitCode=="FAH"', e);
    });
  });

  describe('Relationships and ListRelationships', () => {
    const e = entity({
      isParked: rel('urn:ngsi-ld:OffStreetParking:Downtown1', { sub: { [iri('providedBy')]: rel('urn:ngsi-ld:Person:Bob') } }),
      sensors: { type: 'ListRelationship', objectList: ['urn:ngsi-ld:S:1', 'urn:ngsi-ld:S:2'] },
      owners: rel(['urn:ngsi-ld:Person:A', 'urn:ngsi-ld:Person:B']),
    });
    it('compares the object, quoted or not', () => {
      yes('isParked=="urn:ngsi-ld:OffStreetParking:Downtown1"', e);
      yes('isParked==urn:ngsi-ld:OffStreetParking:Downtown1', e);
      no('isParked==urn:ngsi-ld:OffStreetParking:Other', e);
      yes('isParked!=urn:ngsi-ld:OffStreetParking:Other', e);
      yes('isParked.providedBy==urn:ngsi-ld:Person:Bob', e);
    });
    it('compares arrays of objects and object lists element-wise', () => {
      yes('owners==urn:ngsi-ld:Person:B', e); no('owners!=urn:ngsi-ld:Person:B', e);
      yes('sensors==urn:ngsi-ld:S:2', e); yes('sensors==urn:ngsi-ld:S:9,urn:ngsi-ld:S:1', e);
    });
    it('never matches other operators on a Relationship', () => {
      no('isParked>"a"', e); no('isParked~=Downtown', e);
    });
  });

  describe('VocabProperty', () => {
    const e = entity({ gender: { type: 'VocabProperty', vocab: iri('Male') }, tags: { type: 'VocabProperty', vocab: [iri('a'), iri('b')] } });
    it('compares with the expanded value or the full IRI (spec example 12)', () => {
      yes('gender==Male', e); yes('gender=="Male"', e); yes(`gender=="${iri('Male')}"`, e);
      yes('gender==ex:Male', e);
      no('gender==Female', e); yes('gender!=Female', e);
      yes('tags==b', e);
    });
  });

  describe('LanguageProperty', () => {
    const e = entity({ color: { type: 'LanguageProperty', languageMap: { fr: 'rouge', en: 'red', de: ['rot', 'Rot'] } } });
    it('compares a given language, or any language with [*] or no key', () => {
      yes('color[en]=="red"', e); no('color[fr]=="red"', e); yes('color[de]=="Rot"', e);
      yes('color[*]=="rouge"', e); yes('color=="rot"', e);
      no('color[es]=="rojo"', e); no('color[es]', e); yes('color[en]', e);
    });
    it('matches != only when no value of the addressed languages equals', () => {
      yes('color[en]!="black"', e); no('color[en]!="red"', e);
      no('color[*]!="red"', e); yes('color!="black"', e);
    });
    it('matches patterns on language values', () => yes('color[fr]~=^rou', e));
  });

  describe('JsonProperty and ListProperty', () => {
    const e = entity({
      parkingTickets: { type: 'JsonProperty', json: { id: '85a6', value: 'Overstay 60 minutes' } },
      readings: { type: 'ListProperty', valueList: [3, 4, 5] },
    });
    it('walks into a JsonProperty (spec example 11)', () => {
      yes('parkingTickets[value]=="Overstay 60 minutes"', e);
      no('parkingTickets[id]=="x"', e);
    });
    it('compares ListProperty elements', () => {
      yes('readings==4', e); yes('readings>4', e); no('readings>5', e);
    });
  });

  describe('logical combinations', () => {
    const e = entity({ a: prop(1), b: prop(2) });
    it('evaluates AND, OR and groups with AND first', () => {
      yes('a==1;b==2', e); no('a==1;b==3', e);
      yes('a==9|b==2', e); no('a==9|b==9', e);
      yes('a==9|a==1;b==2', e); no('(a==9|a==1);b==3', e);
    });
  });

  describe('paths addressing nothing', () => {
    it('never matches a member in the middle of a path or a key after a member', () => {
      const e = entity({ t: prop(1, { observedAt: '2024-01-01T00:00:00Z' }) });
      no('t.observedAt.x', e);
      no('t.observedAt[x]', e);
      no('t.nope!=1', e);
    });
  });
});

describe('matcher compileTypeExpr (clause 4.17)', () => {
  const e = entity({}, { type: [iri('Home'), iri('Vehicle')] });
  const t = (text: string) => compileTypeExpr(parseTypeExpr(text, expand))(e);
  it('matches any listed type for , and |, every type for ;', () => {
    assert.equal(t('Home'), true);
    assert.equal(t('Building,Vehicle'), true);
    assert.equal(t('Building|House'), false);
    assert.equal(t('(Home;Vehicle)'), true);
    assert.equal(t('(Home;Building)'), false);
    assert.equal(t('(Home;Building)|Vehicle'), true);
  });
});

describe('matcher compileFilter', () => {
  const e = entity({ speed: prop(50), location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [8, 40] } } },
    { id: 'urn:ngsi-ld:Car:7', type: [iri('Car')], scope: ['/Madrid/Gardens'] });

  it('matches everything when empty', () => assert.equal(compileFilter({})(e), true));
  it('matches ids as any-of', () => {
    assert.equal(compileFilter({ ids: ['urn:x', 'urn:ngsi-ld:Car:7'] })(e), true);
    assert.equal(compileFilter({ ids: ['urn:x'] })(e), false);
  });
  it('matches idPattern as a regular expression search', () => {
    assert.equal(compileFilter({ idPattern: 'Car:\\d+$' })(e), true);
    assert.equal(compileFilter({ idPattern: '^urn:ngsi-ld:Bus' })(e), false);
  });
  it('matches attrs when the entity has at least one', () => {
    assert.equal(compileFilter({ attrs: [iri('nope'), iri('speed')] })(e), true);
    assert.equal(compileFilter({ attrs: [iri('nope')] })(e), false);
  });
  it('matches scopeQ', () => {
    assert.equal(compileFilter({ scopeQ: parseScopeQ('/Madrid/#') })(e), true);
    assert.equal(compileFilter({ scopeQ: parseScopeQ('/Paris') })(e), false);
  });
  it('matches geoQ', () => {
    const geoQ = (coordinates: number[]) => parseGeoQuery({ georel: 'near;maxDistance==10', geometry: 'Point', coordinates }, expand);
    assert.equal(compileFilter({ geoQ: geoQ([8, 40]) })(e), true);
    assert.equal(compileFilter({ geoQ: geoQ([8, 41]) })(e), false);
  });
  it('ANDs every member', () => {
    const filter = { type: parseTypeExpr('Car', expand), q: parseQ('speed>40', expand), idPattern: 'Car' };
    assert.equal(compileFilter(filter)(e), true);
    assert.equal(compileFilter({ ...filter, q: parseQ('speed>60', expand) })(e), false);
    assert.equal(compileFilter({ ...filter, type: parseTypeExpr('Bus', expand) })(e), false);
  });
  it('refuses an invalid idPattern with BadRequestData', () => {
    assertNgsiError(() => compileIdPattern('(['), 'BadRequestData', /Invalid idPattern: invalid regular expression '\(\['/);
    assertNgsiError(() => compileFilter({ idPattern: '*' }), 'BadRequestData', /Invalid idPattern/);
  });
});
