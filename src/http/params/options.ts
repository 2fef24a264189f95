/**
 * `options` and `format` (clause 6.3.7, 4.5): representation and flags.
 */
import { NgsiError } from '../../ngsi/errors';
import type { Format } from '../../ngsi/render';
import { str, type Query } from './allowed';

export interface Options {
  format: Format;
  sysAttrs: boolean;
  noOverwrite: boolean;
  upsertMode: 'update' | 'replace';
}

const FORMATS: Record<string, Format> = { keyValues: 'keyValues', simplified: 'keyValues', concise: 'concise', normalized: 'normalized' };
const FLAGS = new Set(['sysAttrs', 'noOverwrite', 'update', 'replace']);

/** What each kind of operation accepts in `options` (clause 6.4.3.2, 6.15.3.1, 6.16.3.1, 6.6.3.1). */
export const VIEW_OPTIONS: ReadonlySet<string> = new Set([...Object.keys(FORMATS), 'sysAttrs']);
export const UPSERT_OPTIONS: ReadonlySet<string> = new Set(['update', 'replace']);
export const UPDATE_OPTIONS: ReadonlySet<string> = new Set(['noOverwrite']);

/**
 * `allowed`: the option values the operation defines. Another known value (e.g. noOverwrite
 * on a query, keyValues on a batch upsert) is refused rather than silently ignored.
 */
export function parseOptions(query: Query, allowed?: ReadonlySet<string>): Options {
  const out: Options = { format: 'normalized', sysAttrs: false, noOverwrite: false, upsertMode: 'replace' };
  const formats = new Set<Format>();
  const options = str(query, 'options');
  if (options !== undefined) {
    for (const raw of options.split(',')) {
      const o = raw.trim();
      if (allowed !== undefined && (FORMATS[o] || FLAGS.has(o)) && !allowed.has(o)) {
        throw new NgsiError('BadRequestData', `Option '${o}' does not apply to this operation`);
      }
      if (FORMATS[o]) formats.add(FORMATS[o]);
      else if (!FLAGS.has(o)) throw new NgsiError('BadRequestData', `Unknown option '${o}'`);
      else if (o === 'sysAttrs') out.sysAttrs = true;
      else if (o === 'noOverwrite') out.noOverwrite = true;
      else out.upsertMode = o as 'update' | 'replace';
    }
    if (options.includes('update') && options.includes('replace')) {
      throw new NgsiError('BadRequestData', "options 'update' and 'replace' exclude each other");
    }
  }
  const format = str(query, 'format');
  if (format !== undefined) {
    if (!FORMATS[format]) throw new NgsiError('BadRequestData', `Unknown format '${format}'`);
    formats.add(FORMATS[format]);
  }
  if (formats.size > 1) throw new NgsiError('BadRequestData', `Conflicting representations requested: ${[...formats].join(', ')}`);
  if (formats.size === 1) out.format = [...formats][0];
  return out;
}

export function parseBoolean(query: Query, name: string): boolean {
  const v = str(query, name);
  if (v === undefined || v === 'false') return false;
  if (v === 'true') return true;
  throw new NgsiError('BadRequestData', `URL parameter '${name}' must be true or false`);
}

export function parseNonNegativeInt(query: Query, name: string, fallback: number): number {
  const v = str(query, name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v)) throw new NgsiError('BadRequestData', `URL parameter '${name}' must be a non-negative integer`);
  const n = Number(v);
  // Beyond 2^53 the number is not exact, and the store cannot bind it (offset=1e20 was a 500).
  if (!Number.isSafeInteger(n)) throw new NgsiError('BadRequestData', `URL parameter '${name}' is too large`);
  return n;
}
