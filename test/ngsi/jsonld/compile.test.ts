import assert from 'node:assert/strict';
import { NgsiError } from '../../../src/ngsi/errors';
import { compileContext, contextKey, contextParts, effectiveParts } from '../../../src/ngsi/jsonld/compile';
import { CORE_CONTEXT_UNVERSIONED, CORE_CONTEXT_V1_8, CORE_CONTEXT_V1_9 } from '../../../src/ngsi/jsonld/core';

const docs: Record<string, { '@context': unknown }> = {
  'http://ctx.test/a': { '@context': ['http://ctx.test/b', { a: 'http://example.org/a' }] },
  'http://ctx.test/b': { '@context': ['http://ctx.test/a', { b: 'http://example.org/b' }] },
};
const memory = async (url: string) => {
  const doc = docs[url];
  if (doc === undefined) throw new Error(`unexpected load of ${url}`);
  return doc;
};

describe('ngsi/jsonld compile', () => {
  it('splits a source into parts and rejects non-context shapes', () => {
    assert.deepEqual(contextParts('http://x.test/c'), ['http://x.test/c']);
    assert.deepEqual(contextParts([{ a: 'http://x.test/a' }, 'http://x.test/c']), [{ a: 'http://x.test/a' }, 'http://x.test/c']);
    assert.throws(() => contextParts(42 as unknown as string), (e: unknown) => e instanceof NgsiError && /got number/.test(e.detail));
    assert.throws(() => contextParts([['nested'] as unknown as string]), (e: unknown) => e instanceof NgsiError && /got an array/.test(e.detail));
  });

  it('moves the core last, using the version the client named (v1.8 when none or unversioned)', () => {
    const user = { a: 'http://x.test/a' };
    assert.deepEqual(effectiveParts([user]), [user, CORE_CONTEXT_V1_8]);
    assert.deepEqual(effectiveParts([CORE_CONTEXT_V1_9, user]), [user, CORE_CONTEXT_V1_9]);
    assert.deepEqual(effectiveParts([CORE_CONTEXT_UNVERSIONED]), [CORE_CONTEXT_V1_8]);
  });

  it('keys URLs as they are and inline objects by content', () => {
    assert.equal(contextKey(['http://x.test/c']), 'http://x.test/c');
    const a = contextKey([{ a: 'http://x.test/a' }]);
    assert.equal(contextKey([{ a: 'http://x.test/a' }]), a);
    assert.notEqual(contextKey([{ a: 'http://x.test/other' }]), a);
    assert.match(a, /^sha256:[A-Za-z0-9_-]{43}$/);
  });

  it('offers a Link URL only for a single URL', async () => {
    const noLoad = async (): Promise<never> => {
      throw new Error('no load expected');
    };
    assert.equal((await compileContext(undefined, noLoad)).linkUrl, CORE_CONTEXT_V1_8);
    assert.equal((await compileContext([CORE_CONTEXT_V1_9], noLoad)).linkUrl, CORE_CONTEXT_V1_9);
    assert.equal((await compileContext([CORE_CONTEXT_V1_9, { a: 'http://x.test/a' }], noLoad)).linkUrl, undefined);
    assert.equal((await compileContext({ a: 'http://x.test/a' }, noLoad)).linkUrl, undefined);
  });

  it('reports cyclic context imports as BadRequestData', async () => {
    await assert.rejects(compileContext('http://ctx.test/a', memory), (e: unknown) => e instanceof NgsiError && e.problem === 'BadRequestData' && /context overflow/.test(e.detail));
  });

  it('lets an unexpected loader failure through unchanged (an internal error, not the client\'s)', async () => {
    const broken = new Error('disk on fire');
    await assert.rejects(compileContext('http://ctx.test/x', async () => { throw broken; }), (e: unknown) => e === broken);
  });

  it('records every non-core URL it loaded, nested ones included', async () => {
    const loaded = { 'http://ctx.test/outer': { '@context': [CORE_CONTEXT_V1_8, 'http://ctx.test/inner'] }, 'http://ctx.test/inner': { '@context': { i: 'http://x.test/i' } } };
    const ctx = await compileContext('http://ctx.test/outer', async (url) => loaded[url as keyof typeof loaded]);
    assert.deepEqual([...ctx.dependencies].sort(), ['http://ctx.test/inner', 'http://ctx.test/outer']);
  });
});
