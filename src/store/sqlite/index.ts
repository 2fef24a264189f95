/** The embedded default store: NGSI-LD entities in SQLite, one database file per tenant. */
import type { EntityStore } from '../port';
import { SqliteStore, type SqliteStoreOptions } from './store';

export type { SqliteStoreOptions } from './store';

export function createSqliteStore(opts: SqliteStoreOptions): EntityStore {
  const recordHistory = opts.recordHistory ?? true;
  if (opts.memory) return new SqliteStore({ memory: true }, recordHistory);
  if (!opts.dataDir) throw new Error('createSqliteStore needs a dataDir unless memory is true');
  return new SqliteStore({ dataDir: opts.dataDir, memory: false }, recordHistory);
}
