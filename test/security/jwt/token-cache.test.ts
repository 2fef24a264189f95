import { strict as assert } from 'node:assert';
import { TokenCache } from '../../../src/security/jwt/token-cache';

describe('security/jwt: token cache (pure)', () => {
  const cache = () => new TokenCache<string, string>({ ttlMs: 1_000, maxEntries: 10, negativeTtlMs: 100, negativeMaxEntries: 10 });

  it('keeps a success until the earlier of the token limit and the ttl', () => {
    const c = cache();
    c.remember('k', 'ok', 0, 500);
    assert.deepEqual(c.lookup('k', 499), { ok: 'ok' });
    assert.equal(c.lookup('k', 500), undefined);
    c.remember('k', 'ok', 0, 10_000);
    assert.deepEqual(c.lookup('k', 999), { ok: 'ok' });
    assert.equal(c.lookup('k', 1_000), undefined);
    assert.deepEqual(c.sizes, { ok: 0, failed: 0 }, 'expired entries are dropped on lookup');
  });

  it('does not store a success whose limit has already passed', () => {
    const c = cache();
    c.remember('k', 'ok', 1_000, 1_000);
    assert.equal(c.lookup('k', 1_000), undefined);
    assert.equal(c.sizes.ok, 0);
  });

  it('keeps failures for the negative ttl only, in their own bounded map', () => {
    const c = cache();
    c.rememberFailure('bad', 'nope', 0);
    assert.deepEqual(c.lookup('bad', 99), { failed: 'nope' });
    assert.equal(c.lookup('bad', 100), undefined);
    for (let i = 0; i < 50; i++) c.rememberFailure(`bad${i}`, 'nope', 0);
    c.remember('good', 'ok', 0, 10_000);
    assert.deepEqual(c.sizes, { ok: 1, failed: 10 });
  });

  it('is disabled entirely by a zero ttl', () => {
    const c = new TokenCache<string, string>({ ttlMs: 0, maxEntries: 10, negativeTtlMs: 0, negativeMaxEntries: 10 });
    c.remember('k', 'ok', 0, 10_000);
    c.rememberFailure('f', 'nope', 0);
    assert.equal(c.enabled, false);
    assert.deepEqual([c.lookup('k', 1), c.lookup('f', 1)], [undefined, undefined]);
  });
});
