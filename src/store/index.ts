/** Picks the store adapter from configuration; server.ts is its only caller. */
import type { EntityStore } from './port';
import { createSqliteStore } from './sqlite';

export type { EntityStore } from './port';

export type StoreConfig = { kind: 'sqlite'; dataDir: string } | { kind: 'memory' };

export function createStore(config: StoreConfig): EntityStore {
  switch (config.kind) {
    case 'sqlite':
      return createSqliteStore({ dataDir: config.dataDir });
    case 'memory':
      return createSqliteStore({ memory: true });
    default: {
      const unknownKind: never = config;
      throw new Error(`Unknown store kind: ${JSON.stringify(unknownKind)}`);
    }
  }
}
