/**
 * Temporal retention policy: how old history may get, per tenant. Written as one ISO 8601
 * duration for every tenant, then `tenant=duration` overrides, comma-separated:
 *
 *   retention := '' | entry (',' entry)*
 *   entry     := duration | tenant '=' duration        (at most one entry without a tenant)
 *
 * 'P90D,acme=P7D': 90 days everywhere, 7 days for tenant acme; 'acme=P7D': only acme is
 * pruned; '': history is kept forever. The default tenant ('') takes the unnamed duration.
 *
 * Years and months count as 365 and 30 days: a retention bound needs no calendar precision,
 * and a fixed age keeps the policy a plain number per tenant.
 */
import { NgsiError } from '../errors';
import { parseDuration } from './duration';

/** The maximum age of a tenant's history in milliseconds; undefined: kept forever. */
export type RetentionPolicy = (tenant: string) => number | undefined;

const DAY_MS = 86_400_000;

function maxAgeMs(entry: string, text: string): number {
  let ms: number;
  try {
    const d = parseDuration(text);
    ms = d.years * 365 * DAY_MS + d.months * 30 * DAY_MS + d.ms;
  } catch (err) {
    if (!(err instanceof NgsiError)) throw err;
    throw new Error(`history retention: '${text}' in '${entry}' is not an ISO 8601 duration (e.g. P90D, PT12H)`);
  }
  // A zero age would delete every instance on each run: almost surely a mistake.
  if (ms <= 0) throw new Error(`history retention: '${entry}' gives no time at all; use a positive duration`);
  return ms;
}

/** Parses the historyRetention setting; throws an Error naming the bad entry. */
export function parseRetention(text: string): RetentionPolicy {
  let fallback: number | undefined;
  const byTenant = new Map<string, number>();
  if (text.trim() !== '') {
    for (const raw of text.split(',')) {
      const entry = raw.trim();
      if (entry === '') throw new Error(`history retention: empty entry in '${text}'`);
      const eq = entry.indexOf('=');
      if (eq < 0) {
        if (fallback !== undefined) throw new Error(`history retention: more than one duration without a tenant in '${text}'`);
        fallback = maxAgeMs(entry, entry);
        continue;
      }
      const tenant = entry.slice(0, eq).trim();
      if (tenant === '') throw new Error(`history retention: '${entry}' names no tenant (the default tenant takes the duration without a tenant)`);
      if (byTenant.has(tenant)) throw new Error(`history retention: tenant '${tenant}' is given twice`);
      byTenant.set(tenant, maxAgeMs(entry, entry.slice(eq + 1).trim()));
    }
  }
  return (tenant) => byTenant.get(tenant) ?? fallback;
}
