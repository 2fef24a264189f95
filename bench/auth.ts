/**
 * `node --import tsx bench/auth.ts`: bearer-token verifications per second with Weft's
 * verifier (src/security/jwt), for ES256 / RS256 / EdDSA, without the cache (every call
 * checks the signature) and with cache hits (a client re-sending its token), next to raw
 * jose jwtVerify as the floor. Feeds the "auth costs < 10% of throughput" target of issue 4.
 * Not part of `npm test`; no network. BENCH_SECONDS (default 2) per row.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey } from 'jose';
import { createAuthenticator } from '../src/security/jwt/authenticator';
import { JwkKeySet } from '../src/security/jwt/jwk-key-set';
import type { PublicJwk } from '../src/security/jwt/key-source';
import { compileClaimMapping } from '../src/security/jwt/principal';
import { createTokenVerifier, type TokenVerifier } from '../src/security/jwt/verifier';
import { env } from './harness';

const SECONDS = env('BENCH_SECONDS', 2);
type Alg = 'ES256' | 'RS256' | 'EdDSA';

interface Fixture {
  alg: Alg;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: PublicJwk;
}

async function fixture(alg: Alg): Promise<Fixture> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = (await exportJWK(publicKey)) as PublicJwk;
  return { alg, privateKey, publicKey, jwk: { ...jwk, kid: await calculateJwkThumbprint(jwk) } };
}

/** A realistic access token: issuer, audience, a few roles and tenants (~400-600 chars). */
function token(f: Fixture, n: number): Promise<string> {
  return new SignJWT({ roles: ['reader', 'writer'], tenants: ['acme', 'globex'], scope: 'openid weft:read weft:write' })
    .setProtectedHeader({ alg: f.alg, kid: f.jwk.kid, typ: 'JWT' })
    .setSubject(`user-${n}`)
    .setIssuer('https://idp.example.com/realms/weft')
    .setAudience('weft')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(f.privateKey);
}

/** Runs `op` over `inflight` concurrent lanes for SECONDS; returns ops/s. */
async function measure(op: (i: number) => Promise<unknown>, inflight = 1): Promise<number> {
  for (let i = 0; i < 200; i++) await op(i); // warm-up: JIT, key import, cache fill
  let ops = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inflight }, async (_, lane) => {
      for (let i = lane; performance.now() < deadline; i += inflight) {
        await op(i);
        ops++;
      }
    }),
  );
  return ops / ((performance.now() - started) / 1000);
}

const verifierFor = (f: Fixture, cacheTtlSec: number): TokenVerifier =>
  createTokenVerifier({ keys: new JwkKeySet([f.jwk]), issuer: 'https://idp.example.com/realms/weft', audience: 'weft', cache: { ttlSec: cacheTtlSec, maxEntries: 10_000 } });

async function main(): Promise<void> {
  const rows: Array<[string, number]> = [];
  const row = (label: string, rate: number): void => {
    rows.push([label, rate]);
    process.stderr.write(`[bench] ${label}: ${Math.round(rate)}/s\n`);
  };

  for (const alg of ['ES256', 'RS256', 'EdDSA'] as const) {
    const f = await fixture(alg);
    const tokens = await Promise.all(Array.from({ length: 10_000 }, (_, n) => token(f, n)));
    const one = tokens[0];
    const joseOpts = { issuer: 'https://idp.example.com/realms/weft', audience: 'weft', algorithms: [alg] };
    row(`${alg} raw jose jwtVerify, 1 in flight`, await measure(() => jwtVerify(one, f.publicKey, joseOpts)));
    const uncached = verifierFor(f, 0);
    row(`${alg} Weft verify, no cache, 1 in flight`, await measure(() => uncached.verify(one)));
    // Distinct tokens: concurrent calls with one token would share one verification.
    row(`${alg} Weft verify, no cache, 16 in flight`, await measure((i) => uncached.verify(tokens[i % 1024]), 16));
    const cached = verifierFor(f, 3600);
    row(`${alg} Weft verify, cache hit (1 token)`, await measure(() => cached.verify(one)));
    for (const t of tokens) await cached.verify(t);
    row(`${alg} Weft verify, cache hit (10,000 tokens, LRU full)`, await measure((i) => cached.verify(tokens[i % tokens.length])));
    if (alg === 'ES256') {
      const authenticate = createAuthenticator(cached, compileClaimMapping({ scopeRolePrefix: 'weft:' }));
      row('ES256 authenticate (verify + principal), cache hit', await measure((i) => authenticate(tokens[i % tokens.length])));
      row('ES256 sign (for reference: LocalIssuer.issue)', await measure((i) => token(f, i)));
    }
  }

  console.log(`\nbench/auth.ts — Node ${process.version}, ${SECONDS} s per row\n`);
  console.log(`| ${'case'.padEnd(52)} | ${'per second'.padStart(12)} | ${'us per op'.padStart(10)} |`);
  console.log(`|${'-'.repeat(54)}|${'-'.repeat(14)}:|${'-'.repeat(11)}:|`);
  for (const [label, rate] of rows) {
    console.log(`| ${label.padEnd(52)} | ${Math.round(rate).toLocaleString('en').padStart(12)} | ${(1e6 / rate).toFixed(1).padStart(10)} |`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
