import { strict as assert } from 'node:assert';
import { scryptSync } from 'node:crypto';
import { hashPassword, PASSWORD_HASH_PARAMS, verifyPassword } from '../../../src/security/devices/password';

describe('security/devices: passwords', () => {
  let stored: string;
  before(async () => {
    stored = await hashPassword('correct horse battery staple');
  });

  it('hashes into scrypt$N$r$p$salt$hash with a 16-byte salt and a 32-byte key', () => {
    const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
    assert.ok(m, stored);
    assert.deepEqual(m.slice(1, 4).map(Number), [PASSWORD_HASH_PARAMS.N, PASSWORD_HASH_PARAMS.r, PASSWORD_HASH_PARAMS.p]);
    assert.equal(Buffer.from(m[4], 'base64url').length, 16);
    assert.equal(Buffer.from(m[5], 'base64url').length, 32);
    assert.ok(!stored.includes('horse'));
  });

  it('round-trips, and salts every hash afresh', async () => {
    assert.equal(await verifyPassword('correct horse battery staple', stored), true);
    const again = await hashPassword('correct horse battery staple');
    assert.notEqual(again, stored);
    assert.equal(await verifyPassword('correct horse battery staple', again), true);
  });

  it('refuses a wrong password, a prefix, a different case and the empty password', async () => {
    for (const wrong of ['correct horse battery stapl', 'correct horse battery staple ', 'Correct horse battery staple', '']) {
      assert.equal(await verifyPassword(wrong, stored), false, wrong);
    }
  });

  it('refuses to hash an empty or non-string password', async () => {
    await assert.rejects(hashPassword(''), TypeError);
    await assert.rejects(hashPassword(undefined as unknown as string), TypeError);
  });

  it('reads N, r and p from the stored string (a row written with other parameters still verifies)', async () => {
    const salt = Buffer.alloc(16, 7);
    const key = scryptSync('pw-1', salt, 32, { N: 2 ** 12, r: 4, p: 2 });
    const row = `scrypt$4096$4$2$${salt.toString('base64url')}$${key.toString('base64url')}`;
    assert.equal(await verifyPassword('pw-1', row), true);
    assert.equal(await verifyPassword('pw-2', row), false);
  });

  describe('a malformed or tampered stored hash is false, never an exception', () => {
    const valid = (): string[] => stored.split('$');
    const withPart = (i: number, v: string): string => valid().map((p, j) => (j === i ? v : p)).join('$');
    const flip = (s: string): string => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 32 bytes take 43 characters whose last two bits are zero; setting one decodes to the same bytes.
    const nonCanonical = (s: string): string => s.slice(0, -1) + ALPHABET[(ALPHABET.indexOf(s[s.length - 1]) & ~3) | 1];
    const cases: Array<[string, () => unknown]> = [
      ['empty', () => ''],
      ['not a string', () => undefined],
      ['a plain-text password', () => 'correct horse battery staple'],
      ['another scheme', () => withPart(0, 'bcrypt')],
      ['a part missing', () => valid().slice(0, 5).join('$')],
      ['a part too many', () => `${stored}$x`],
      ['N not a number', () => withPart(1, 'abc')],
      ['N with a sign', () => withPart(1, '+8192')],
      ['N not a power of two', () => withPart(1, '8191')],
      ['N = 0', () => withPart(1, '0')],
      ['r = 0', () => withPart(2, '0')],
      ['salt not base64url', () => withPart(4, 'a+b/c=')],
      ['salt too short', () => withPart(4, 'AAAA')],
      ['hash too short', () => withPart(5, 'AAAA')],
      ['hash not canonical base64url', () => withPart(5, nonCanonical(valid()[5]))],
      ['hash one byte longer than written', () => withPart(5, `${valid()[5]}A`)],
      ['hash bytes changed', () => withPart(5, flip(valid()[5]))],
      ['salt bytes changed', () => withPart(4, flip(valid()[4]))],
      ['N changed', () => withPart(1, '4096')],
    ];
    for (const [name, make] of cases) {
      it(name, async () => {
        assert.equal(await verifyPassword('correct horse battery staple', make() as string), false);
      });
    }
  });

  it('refuses absurd cost parameters without running them (a tampered row cannot cost minutes)', async () => {
    const [, , , , salt, hash] = stored.split('$');
    for (const [N, r, p] of [
      [2 ** 30, 8, 1],
      [2 ** 20, 8, 1],
      [2 ** 17, 8, 1], // above MAX_N
      [2 ** 16, 64, 1], // r above bound
      [2 ** 16, 8, 1000], // p above bound
      [2 ** 16, 16, 4], // each within bounds, work and memory not
      [2 ** 16, 8, 2], // work above bound
      [4294967296, 1, 1],
      [1e10, 8, 1],
    ]) {
      const started = process.hrtime.bigint();
      assert.equal(await verifyPassword('correct horse battery staple', `scrypt$${N}$${r}$${p}$${salt}$${hash}`), false, `${N} ${r} ${p}`);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      assert.ok(ms < 5, `N=${N} r=${r} p=${p} took ${ms.toFixed(1)} ms`);
    }
  });

  it('an overlong stored value is refused before parsing', async () => {
    assert.equal(await verifyPassword('x', `scrypt$8192$8$1$${'A'.repeat(600)}$${'A'.repeat(43)}`), false);
  });
});
