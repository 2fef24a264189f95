/**
 * Language filter for LanguageProperties (GS CIM 009 v1.8.1 clause 4.15).
 *
 * The `lang` parameter is parsed once per distinct string and cached, because a query
 * renders many entities with the same parameter (STYLE.md 12: do work once). Parsing uses
 * split/trim only, no regex (hot path).
 */

/** Ranges in preference order, lower-cased; null = keep the whole languageMap. */
export type LanguagePrefs = readonly string[] | null;

const MAX_CACHED = 256;
const cache = new Map<string, LanguagePrefs>();

/**
 * Parses `lang` into ranges ordered by weight. Accepts a single tag ("en") or an
 * Accept-Language-like list ("fr-CH, fr;q=0.9, *;q=0.1"); entries with q=0 are dropped.
 * Returns null when no filtering applies: no parameter, or '*' alone (all languages).
 */
export function languagePrefs(lang: string | undefined): LanguagePrefs {
  if (lang === undefined) return null;
  const hit = cache.get(lang);
  if (hit !== undefined) return hit;
  const parsed = parse(lang);
  // A bounded cache: clients cannot grow memory by sending many distinct values.
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(lang, parsed);
  return parsed;
}

function parse(lang: string): LanguagePrefs {
  const weighted: Array<{ tag: string; q: number; i: number }> = [];
  const parts = lang.split(',');
  for (let i = 0; i < parts.length; i++) {
    const segs = parts[i]!.split(';');
    const tag = segs[0]!.trim().toLowerCase();
    if (tag === '') continue;
    let q = 1;
    for (let j = 1; j < segs.length; j++) {
      const s = segs[j]!.trim();
      if (s.startsWith('q=')) {
        const n = Number(s.slice(2));
        if (!Number.isNaN(n)) q = n;
      }
    }
    if (q > 0) weighted.push({ tag, q, i });
  }
  // Higher weight first; equal weights keep the client's order.
  weighted.sort((a, b) => b.q - a.q || a.i - b.i);
  const tags = weighted.map((w) => w.tag);
  if (tags.length === 0 || (tags.length === 1 && tags[0] === '*')) return null;
  return Object.freeze(tags);
}

/**
 * The languageMap key to render for the given preferences, or undefined for an empty map.
 * Per range: exact tag (case-insensitive), then RFC 4647 basic filtering ('en' matches
 * 'en-GB'), '*' matches anything. When nothing matches, clause 4.15 leaves the choice to the
 * broker; like Orion-LD we fall back to '@none', then 'en', then the first entry, and
 * always report the chosen tag in `lang` (Scorpio issue #471 shows clients rely on it).
 */
export function pickLanguage(map: Record<string, unknown>, prefs: readonly string[]): string | undefined {
  for (let p = 0; p < prefs.length; p++) {
    const range = prefs[p]!;
    if (range === '*') {
      for (const k in map) return k;
      return undefined;
    }
    for (const k in map) if (k.length === range.length && k.toLowerCase() === range) return k;
    for (const k in map) {
      if (k.length > range.length && k.charCodeAt(range.length) === 45 /* '-' */ &&
        k.slice(0, range.length).toLowerCase() === range) return k;
    }
  }
  if (map['@none'] !== undefined) return '@none';
  if (map['en'] !== undefined) return 'en';
  for (const k in map) return k;
  return undefined;
}
