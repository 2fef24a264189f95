import { strict as assert } from 'node:assert';
import { startTestServer, type TestServer } from '../helpers/server';
import { BASE, ROOMS, assertProblem, enc, ids, idsOf, seed } from './query-fixtures';

/** Values of the other attribute kinds (clause 4.5): language maps, arrays, datasets, lists, vocab. */
const THING = {
  id: 'urn:ngsi-ld:Thing:1',
  type: 'Thing',
  label: { type: 'LanguageProperty', languageMap: { en: 'Hello', es: 'Hola' } },
  tags: { type: 'Property', value: ['a', 'b'] },
  level: [{ type: 'Property', value: 1 }, { type: 'Property', value: 5, datasetId: 'urn:ngsi-ld:Dataset:2' }],
  contains: { type: 'ListRelationship', objectList: [{ object: 'urn:ngsi-ld:Room:1' }, { object: 'urn:ngsi-ld:Room:2' }] },
  category: { type: 'VocabProperty', vocab: 'Kitchen' },
};
const THING_ID = [THING.id];

describe('e2e: GET /entities query (clause 6.4.3.2)', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await seed(t, [...ROOMS, THING]);
  });
  after(async () => {
    await t.stop();
  });

  const q = (expr: string) => idsOf(t, `q=${enc(expr)}`);

  describe('entity selection', () => {
    it('selects by an id list', async () => {
      assert.deepEqual(await idsOf(t, 'id=urn:ngsi-ld:Room:1,urn:ngsi-ld:Office:2,urn:ngsi-ld:Room:99'), ids('R1', 'O2'));
    });

    it('selects by idPattern', async () => {
      assert.deepEqual(await idsOf(t, `idPattern=${enc('^urn:ngsi-ld:Office:.*')}`), ids('O1', 'O2'));
      assert.deepEqual(await idsOf(t, `idPattern=${enc('Room:[23]$')}&type=Room`), ids('R2', 'R3'));
    });

    it('rejects an invalid id or idPattern with 400', async () => {
      assertProblem(await t.http.get(`${BASE}/entities?id=not%20a%20uri`), 400, 'BadRequestData');
      assertProblem(await t.http.get(`${BASE}/entities?idPattern=${enc('([a-')}`), 400, 'BadRequestData');
    });

    it('selects by type, including entities with several types', async () => {
      assert.deepEqual(await idsOf(t, 'type=Room'), ids('R1', 'R2', 'R3', 'O1'));
      assert.deepEqual(await idsOf(t, 'type=Office'), ids('O1', 'O2'));
      assert.deepEqual(await idsOf(t, 'type=Nothing'), []);
    });

    it('combines types with , and | (or), ; (and) and parentheses (clause 4.17)', async () => {
      assert.deepEqual(await idsOf(t, `type=${enc('Office,Nothing')}`), ids('O1', 'O2'));
      assert.deepEqual(await idsOf(t, `type=${enc('Office|Room')}`), ids('R1', 'R2', 'R3', 'O1', 'O2'));
      assert.deepEqual(await idsOf(t, `type=${enc('Room;Office')}`), ids('O1'));
      assert.deepEqual(await idsOf(t, `type=${enc('(Room;Office)|Nothing')}`), ids('O1'));
      assert.deepEqual(await idsOf(t, `type=${enc('Office;(Nothing|Room)')}`), ids('O1'));
    });

    it('rejects a malformed type expression with 400', async () => {
      assertProblem(await t.http.get(`${BASE}/entities?type=${enc('(Room')}`), 400, 'BadRequestData');
      assertProblem(await t.http.get(`${BASE}/entities?type=${enc('Room;;Office')}`), 400, 'BadRequestData');
      assertProblem(await t.http.get(`${BASE}/entities?type=`), 400, 'BadRequestData');
    });

    it('uses attrs as a filter: entities with at least one of them', async () => {
      assert.deepEqual(await idsOf(t, 'attrs=humidity'), ids('R2'));
      assert.deepEqual(await idsOf(t, 'attrs=humidity,entrance'), ids('R2', 'O1'));
      assert.deepEqual(await idsOf(t, 'type=Room&attrs=owner'), ids('R1', 'R2'));
    });

    it('projects the response to the attrs asked for', async () => {
      const res = await t.http.get(`${BASE}/entities?id=urn:ngsi-ld:Room:2&attrs=humidity,name`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, [
        { id: 'urn:ngsi-ld:Room:2', type: 'Room', scope: '/Paris', humidity: { type: 'Property', value: 40 }, name: { type: 'Property', value: 'Living room' } },
      ]);
    });

    it('refuses a query without any filter (too broad)', async () => {
      assertProblem(await t.http.get(`${BASE}/entities`), 400, 'BadRequestData');
      assertProblem(await t.http.get(`${BASE}/entities?limit=5&options=keyValues`), 400, 'BadRequestData');
    });

    it('rejects unknown parameters and repeated ones', async () => {
      assertProblem(await t.http.get(`${BASE}/entities?type=Room&colour=red`), 400, 'BadRequestData');
      assertProblem(await t.http.get(`${BASE}/entities?type=Room&type=Office`), 400, 'BadRequestData');
    });
  });

  describe('q (clause 4.9)', () => {
    it('compares numbers with == != > >= < <=', async () => {
      assert.deepEqual(await q('temperature==25'), ids('R2'));
      assert.deepEqual(await q('temperature!=25'), ids('R1', 'R3', 'O1', 'O2'));
      assert.deepEqual(await q('temperature>22'), ids('R2', 'R3'));
      assert.deepEqual(await q('temperature>=22'), ids('R2', 'R3', 'O2'));
      assert.deepEqual(await q('temperature<21'), ids('O1'));
      assert.deepEqual(await q('temperature<=21'), ids('R1', 'O1'));
      assert.deepEqual(await q('temperature==21.0'), ids('R1'));
    });

    it('!= only matches entities that have the attribute', async () => {
      assert.deepEqual(await q('humidity!=10'), ids('R2'));
    });

    it('matches ranges and lists', async () => {
      assert.deepEqual(await q('temperature==20..25'), ids('R1', 'R2', 'O2'));
      assert.deepEqual(await q('temperature!=20..25'), ids('R3', 'O1'));
      assert.deepEqual(await q('temperature==18,30,99'), ids('R3', 'O1'));
      assert.deepEqual(await q('temperature!=18,30'), ids('R1', 'R2', 'O2'));
      assert.deepEqual(await q('name=="A".."C"'), ids('R3', 'O1'));
    });

    it('compares strings, quoted and with escapes', async () => {
      assert.deepEqual(await q('name=="Kitchen"'), ids('R1'));
      assert.deepEqual(await q('name=="Living room"'), ids('R2'));
      assert.deepEqual(await q(`name=="O'Brien's office"`), ids('O2'));
      assert.deepEqual(await q('name=="Kitchen","Bathroom"'), ids('R1', 'R3'));
      assert.deepEqual(await q('name>"L"'), ids('R2', 'O2'));
      assert.deepEqual(await q('name=="kitchen"'), []);
    });

    it('compares booleans', async () => {
      assert.deepEqual(await q('open==true'), ids('R1'));
      assert.deepEqual(await q('open==false'), ids('R2'));
      assert.deepEqual(await q('open!=true'), ids('R2'));
    });

    it('compares observedAt through a dotted path', async () => {
      assert.deepEqual(await q('temperature.observedAt>=2024-01-02T00:00:00Z'), ids('R2', 'R3'));
      assert.deepEqual(await q('temperature.observedAt<2024-01-02T00:00:00Z'), ids('R1'));
      assert.deepEqual(await q('temperature.observedAt==2024-01-01T10:00:00Z'), ids('R1'));
      assert.deepEqual(await q('temperature.observedAt==2024-01-01T00:00:00Z..2024-01-02T23:59:59Z'), ids('R1', 'R2'));
    });

    it('compares date-time valued properties', async () => {
      assert.deepEqual(await q('installedAt>2022-01-01T00:00:00Z'), ids('R1'));
      assert.deepEqual(await q('installedAt<=2021-01-01T00:00:00Z'), ids('R2'));
      assert.deepEqual(await q('installedAt==2021-01-01T00:00:00Z'), ids('R2'));
    });

    it('matches patterns with ~= and !~=', async () => {
      assert.deepEqual(await q('name~=room'), ids('R2', 'R3', 'O1'));
      assert.deepEqual(await q('name~=(?i)^k'), ids('R1'));
      assert.deepEqual(await q('name~="^B.*m$"'), ids('R3', 'O1'));
      assert.deepEqual(await q('name!~=room'), ids('R1', 'O2'));
      // Non-string values never match a pattern.
      assert.deepEqual(await q('temperature~=2'), []);
    });

    it('compares relationship objects, quoted and unquoted', async () => {
      assert.deepEqual(await q('owner=="urn:ngsi-ld:Person:ana"'), ids('R1'));
      assert.deepEqual(await q('owner==urn:ngsi-ld:Person:ana'), ids('R1'));
      assert.deepEqual(await q('owner==urn:ngsi-ld:Person:ana,urn:ngsi-ld:Person:bob'), ids('R1', 'R2'));
      assert.deepEqual(await q('owner!=urn:ngsi-ld:Person:ana'), ids('R2'));
      // Clause 4.9: only == and != are valid for Relationships; a pattern never matches one.
      assert.deepEqual(await q('owner~=bob$'), []);
    });

    it('addresses sub-attributes and metadata with a dotted path', async () => {
      assert.deepEqual(await q('temperature.accuracy'), ids('R3'));
      assert.deepEqual(await q('temperature.accuracy<1'), ids('R3'));
      assert.deepEqual(await q('temperature.unitCode=="CEL"'), ids('R1', 'R2'));
    });

    it('addresses compound values with brackets', async () => {
      assert.deepEqual(await q('address[city]=="Madrid"'), ids('R1'));
      assert.deepEqual(await q('address[zip]~=^75'), ids('R2'));
      assert.deepEqual(await q('address[street]'), []);
      assert.deepEqual(await q('address[city]'), ids('R1', 'R2'));
    });

    it('combines with ; and | where ; binds tighter, and groups with parentheses', async () => {
      assert.deepEqual(await q('temperature>20;temperature<25'), ids('R1', 'O2'));
      assert.deepEqual(await q('temperature==18|temperature==30'), ids('R3', 'O1'));
      // a|b;c is a|(b;c)
      assert.deepEqual(await q('temperature==18|temperature>20;open==true'), ids('R1', 'O1'));
      assert.deepEqual(await q('(temperature==18|temperature>20);open==true'), ids('R1'));
      assert.deepEqual(await q('(name~=room|name~=Kit);(humidity|open==true)'), ids('R1', 'R2'));
    });

    it('tests bare attribute existence', async () => {
      assert.deepEqual(await q('humidity'), ids('R2'));
      assert.deepEqual(await q('owner;open==false'), ids('R2'));
      assert.deepEqual(await q('nothing'), []);
    });

    it('addresses language maps, array values, dataset instances, ListRelationships and vocab values', async () => {
      assert.deepEqual(await q('label[es]=="Hola"'), THING_ID);
      assert.deepEqual(await q('label[es]=="Hello"'), []);
      assert.deepEqual(await q('label=="Hello"'), THING_ID);
      assert.deepEqual(await q('tags=="a"'), THING_ID);
      // Clause 4.9: != is false when the value is included in the target array.
      assert.deepEqual(await q('tags!="a"'), []);
      assert.deepEqual(await q('tags!="c"'), THING_ID);
      assert.deepEqual(await q('level==5'), THING_ID);
      assert.deepEqual(await q('level.datasetId=="urn:ngsi-ld:Dataset:2"'), THING_ID);
      assert.deepEqual(await q('contains==urn:ngsi-ld:Room:2'), THING_ID);
      assert.deepEqual(await q('category=="Kitchen"'), THING_ID);
    });

    it('ignores spaces around operators and accepts unquoted strings', async () => {
      assert.deepEqual(await q('temperature == 21'), ids('R1'));
      assert.deepEqual(await q('name==Kitchen'), ids('R1'));
      assert.deepEqual(await q('temperature.observedAt>=2024-01-02'), ids('R2', 'R3'));
    });

    it('pages and counts exactly with sub-attribute and compound-value filters', async () => {
      for (const expr of ['temperature.accuracy<1|temperature==18', 'address[city]=="Madrid"|address[zip]~=^75']) {
        const res = await t.http.get(`${BASE}/entities?q=${enc(expr)}&count=true&limit=1`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.headers['ngsild-results-count'], '2', expr);
        assert.equal(res.body.length, 1, expr);
        const second = await t.http.get(`${BASE}/entities?q=${enc(expr)}&limit=1&offset=1`);
        assert.equal(second.body.length, 1, expr);
        assert.notEqual(second.body[0].id, res.body[0].id, expr);
      }
    });

    it('combines q with type', async () => {
      assert.deepEqual(await idsOf(t, `type=Office&q=${enc('temperature>20')}`), ids('O2'));
    });

    it('answers 400 BadRequestData for an invalid q and leaves the data unchanged', async () => {
      for (const bad of ['temperature==', 'temperature=!2', '(temperature==1', 'temperature==1)', ';temperature==1', 'temperature==1;', 'temp erature==1', 'name~="(unclosed"', 'temperature==1..', 'temperature>1,2', '']) {
        const res = await t.http.get(`${BASE}/entities?type=Room&q=${enc(bad)}`);
        assert.equal(res.status, 400, `q=${bad}`);
        assertProblem(res, 400, 'BadRequestData');
      }
      const after = await t.http.get(`${BASE}/entities?type=Room,Office&limit=100`);
      assert.equal(after.body.length, ROOMS.length);
    });

    // Regression: q.ts once read the value of 'temperature>>2' as the unquoted string '>2'
    // and answered 200 []. Clause 4.9's ABNF has no unquoted strings; this is a typo.
    it('answers 400 for a doubled operator such as temperature>>2', async () => {
      for (const bad of ['temperature>>2', 'temperature==>2', 'temperature<<=2']) {
        const res = await t.http.get(`${BASE}/entities?type=Room&q=${enc(bad)}`);
        assert.equal(res.status, 400, `q=${bad}`);
        assertProblem(res, 400, 'BadRequestData');
      }
    });
  });

  describe('scopeQ (clause 4.19)', () => {
    const scopeQ = (expr: string) => idsOf(t, `scopeQ=${enc(expr)}`);

    it('matches an exact scope', async () => {
      assert.deepEqual(await scopeQ('/Madrid/Centro'), ids('R1'));
      assert.deepEqual(await scopeQ('/Madrid'), []);
      assert.deepEqual(await scopeQ('/Company'), ids('O1'));
    });

    it('matches a scope and its descendants with /#', async () => {
      assert.deepEqual(await scopeQ('/Madrid/#'), ids('R1', 'R3', 'O1'));
      assert.deepEqual(await scopeQ('/Madrid/Centro/#'), ids('R1', 'O1'));
    });

    it('matches one level with +', async () => {
      assert.deepEqual(await scopeQ('/Madrid/+/Chamartin'), ids('R3'));
      assert.deepEqual(await scopeQ('/Madrid/+'), ids('R1'));
      assert.deepEqual(await scopeQ('/+/Centro/Sol'), ids('O1'));
    });

    it('matches every scoped entity with /#', async () => {
      assert.deepEqual(await scopeQ('/#'), ids('R1', 'R2', 'R3', 'O1'));
    });

    it('combines scopes with ; , and |', async () => {
      assert.deepEqual(await scopeQ('/Paris,/Company'), ids('R2', 'O1'));
      assert.deepEqual(await scopeQ('/Paris|/Madrid/Centro'), ids('R1', 'R2'));
      assert.deepEqual(await scopeQ('/Company;/Madrid/#'), ids('O1'));
    });

    it('answers 400 for an invalid scopeQ', async () => {
      for (const bad of ['Madrid', '/Madrid/#/x', '/Madrid//x', '/', '(/Paris']) {
        assertProblem(await t.http.get(`${BASE}/entities?scopeQ=${enc(bad)}`), 400, 'BadRequestData');
      }
    });
  });
});
