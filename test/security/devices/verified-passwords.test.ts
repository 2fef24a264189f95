import { strict as assert } from 'node:assert';
import { authenticateDevice, recentlyVerified, toDeviceCredentials, VerifiedPasswords } from '../../../src/security/devices';
import { expectation, rejectsWith } from './helpers';

describe('security/devices: passwords that verified recently', () => {
  describe('VerifiedPasswords', () => {
    let now = 1_000_000;
    const clock = () => now;

    /** A check that counts its runs and says yes to `good` only. */
    const counting = (good: string) => {
      const runs: string[] = [];
      const check = async (password: string): Promise<boolean> => {
        runs.push(password);
        await new Promise((r) => setTimeout(r, 5));
        return password === good;
      };
      return { runs, check };
    };

    it('runs the check once for a pair that verified, then answers from memory; only that exact pair', async () => {
      const v = new VerifiedPasswords({ now: clock });
      const { runs, check } = counting('pw');
      assert.equal(await v.verify('pw', 'scrypt$hash-a', check), true);
      assert.equal(await v.verify('pw', 'scrypt$hash-a', check), true);
      assert.deepEqual(runs, ['pw']);
      assert.equal(v.has('pw', 'scrypt$hash-b'), false, 'another stored hash (the password was changed)');
      assert.equal(v.has('', 'scrypt$hash-apw'), false, 'no ambiguity between where the hash ends and the password starts');
    });

    it('never remembers a refusal', async () => {
      const v = new VerifiedPasswords({ now: clock });
      const { runs, check } = counting('pw');
      assert.equal(await v.verify('guess', 'h', check), false);
      assert.equal(await v.verify('guess', 'h', check), false);
      assert.deepEqual(runs, ['guess', 'guess']);
    });

    it('shares one check between concurrent ones of the same pair', async () => {
      const v = new VerifiedPasswords({ now: clock });
      const { runs, check } = counting('pw');
      const answers = await Promise.all([1, 2, 3].map(() => v.verify('pw', 'h', check)).concat(v.verify('other', 'h', check)));
      assert.deepEqual(answers, [true, true, true, false]);
      assert.deepEqual(runs, ['pw', 'other']);
    });

    it('forgets after ttlMs', async () => {
      const v = new VerifiedPasswords({ now: clock, ttlMs: 1000 });
      const { runs, check } = counting('pw');
      await v.verify('pw', 'h', check);
      now += 999;
      assert.equal(v.has('pw', 'h'), true);
      now += 1;
      assert.equal(v.has('pw', 'h'), false);
      await v.verify('pw', 'h', check);
      assert.equal(runs.length, 2);
    });

    it('keeps at most `max` pairs, dropping the oldest', async () => {
      const v = new VerifiedPasswords({ now: clock, max: 2 });
      const yes = async (): Promise<boolean> => true;
      for (const p of ['a', 'b']) await v.verify(p, 'h', yes);
      await v.verify('c', 'h', yes);
      assert.deepEqual(['a', 'b', 'c'].map((p) => v.has(p, 'h')), [false, true, true]);
    });

    it('keeps no password: two instances never agree', async () => {
      const a = new VerifiedPasswords();
      await a.verify('pw', 'h', async () => true);
      assert.equal(new VerifiedPasswords().has('pw', 'h'), false);
    });
  });

  describe('authenticateDevice', () => {
    beforeEach(() => recentlyVerified.clear());

    it('remembers a password that verified, for its reconnects; a wrong one is never remembered', async () => {
      const credentials = await toDeviceCredentials({ password: 'reconnecting-pw' }, 'device');
      assert.equal(recentlyVerified.has('reconnecting-pw', credentials.passwordHash!), false);
      await authenticateDevice(credentials, 'reconnecting-pw', expectation());
      assert.equal(recentlyVerified.has('reconnecting-pw', credentials.passwordHash!), true);
      await authenticateDevice(credentials, 'reconnecting-pw', expectation());
      for (let i = 0; i < 2; i++) await rejectsWith(authenticateDevice(credentials, 'Reconnecting-pw', expectation()), 'bad_password');
      assert.equal(recentlyVerified.has('Reconnecting-pw', credentials.passwordHash!), false);
    });

    it('does not let the old password in once the device has a new one', async () => {
      const before = await toDeviceCredentials({ password: 'old-pw' }, 'device');
      await authenticateDevice(before, 'old-pw', expectation());
      const after = await toDeviceCredentials({ password: 'new-pw' }, 'device');
      await rejectsWith(authenticateDevice(after, 'old-pw', expectation()), 'bad_password');
      await authenticateDevice(after, 'new-pw', expectation());
    });
  });
});
