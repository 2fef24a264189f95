/**
 * Device passwords that verified recently, so that a device reconnecting with the same
 * password (a flaky link, a broker restart: a reconnect storm) is not scrypt-hashed again
 * each time: ~27 ms of CPU per CONNECT otherwise (password.ts), ~13 s for 1,000 devices.
 *
 * What is kept is an HMAC-SHA256, under a key that exists only in this process, of the
 * stored hash and the password: not the password, and useless outside the process. A pair
 * enters only after scrypt said yes; a changed password changes the stored hash, so its old
 * entry never matches again. Entries expire after `ttlMs` and the oldest go past `max`.
 */
import { createHmac, randomBytes } from 'node:crypto';

export interface VerifiedPasswordsOptions {
  /** How long a verification is reused (default 10 minutes). */
  ttlMs?: number;
  /** Most pairs kept (default 100,000: ~10 MB). */
  max?: number;
  now?: () => number;
}

export class VerifiedPasswords {
  private readonly key = randomBytes(32);
  /** mac -> expiry (epoch ms), oldest first. */
  private readonly pairs = new Map<string, number>();
  /** Checks under way, by mac. */
  private readonly running = new Map<string, Promise<boolean>>();
  private readonly ttlMs: number;
  private readonly max: number;
  private readonly now: () => number;

  constructor(opts: VerifiedPasswordsOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 10 * 60_000;
    this.max = opts.max ?? 100_000;
    this.now = opts.now ?? Date.now;
  }

  /**
   * `check(password, stored)` (the scrypt verification), or its answer from memory when the
   * pair verified within ttlMs. Concurrent checks of one pair share one run: a fleet whose
   * devices share their group's password, all reconnecting at once, costs one scrypt.
   */
  verify(password: string, stored: string, check: (password: string, stored: string) => Promise<boolean>): Promise<boolean> {
    const mac = this.mac(password, stored);
    const until = this.pairs.get(mac);
    if (until !== undefined) {
      if (this.now() < until) return Promise.resolve(true);
      this.pairs.delete(mac);
    }
    let running = this.running.get(mac);
    if (running === undefined) {
      running = check(password, stored).then((ok) => {
        if (ok) this.remember(mac);
        return ok;
      });
      const settled = (): void => {
        this.running.delete(mac);
      };
      running.then(settled, settled);
      this.running.set(mac, running);
    }
    return running;
  }

  /** Whether this password verified against this stored hash within the last ttlMs. */
  has(password: string, stored: string): boolean {
    const until = this.pairs.get(this.mac(password, stored));
    return until !== undefined && this.now() < until;
  }

  clear(): void {
    this.pairs.clear();
  }

  private remember(mac: string): void {
    this.pairs.delete(mac); // re-inserted last: the newest
    this.pairs.set(mac, this.now() + this.ttlMs);
    if (this.pairs.size > this.max) this.pairs.delete(this.pairs.keys().next().value!);
  }

  private mac(password: string, stored: string): string {
    // The stored hash (ASCII, no NUL) first, then the password: unambiguous.
    return createHmac('sha256', this.key).update(stored).update('\0').update(password).digest('base64url');
  }
}
