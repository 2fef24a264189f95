/**
 * Database layout and connection settings. Every tenant database has the same schema; the
 * default database also holds the @context registry and the device registry (both shared
 * by all tenants; their tables stay empty in the other databases).
 *
 * The entity JSON is stored once (`entities.doc`); the other tables are derived index rows,
 * rebuilt from the document on every write (index-rows.ts), that let queries be answered
 * in SQL without parsing documents.
 */
import Database from 'better-sqlite3';

/** Bump with a new entry in MIGRATIONS; a database is migrated step by step on open. */
export const SCHEMA_VERSION = 5;

const VERSION_1 = `
-- Attribute names and entity types, interned: index rows carry small integers instead of
-- long IRIs (smaller indexes, cheaper comparisons). Ids are never reused or changed.
CREATE TABLE terms (
  id INTEGER PRIMARY KEY,
  iri TEXT NOT NULL UNIQUE
);

CREATE TABLE entities (
  rowid INTEGER PRIMARY KEY,            -- creation order: queries page in rowid order
  id TEXT NOT NULL UNIQUE,
  doc TEXT NOT NULL,                    -- JSON of the expanded Entity, the only copy
  geo_count INTEGER NOT NULL DEFAULT 0  -- its geo_bbox rows are rowid * 65536 + 0 .. geo_count - 1
);

CREATE TABLE entity_types (
  type_id INTEGER NOT NULL,
  entity_rowid INTEGER NOT NULL,
  PRIMARY KEY (type_id, entity_rowid)   -- a type's entities in creation order
) WITHOUT ROWID;
CREATE INDEX entity_types_by_entity ON entity_types (entity_rowid);

-- One row per target value of each attribute instance, as a top-level q term sees it
-- (index-rows.ts): an array value gives one row per element. An instance with nothing
-- comparable still gets one row of NULLs, for existence filters and discovery.
-- tk: how q compares the value (0 plain value, 1 Relationship object, 2 VocabProperty IRI;
-- NULL: no target value at all). num/str/bool hold the value by JSON type; ts repeats a
-- date or date-time (string or typed literal) as epoch milliseconds; min/max lon/lat are
-- the bounding box of a geometry value (geoQ probes; geo_bbox drives).
-- Clustered by entity so that checking one entity's attributes reads a page or two.
CREATE TABLE attrs (
  entity_rowid INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  name_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  dataset_id TEXT,
  tk INTEGER,
  num REAL,
  str TEXT,
  bool INTEGER,
  ts REAL,
  min_lon REAL, max_lon REAL, min_lat REAL, max_lat REAL,
  PRIMARY KEY (entity_rowid, seq)
) WITHOUT ROWID;
-- Secondary indexes of a WITHOUT ROWID table hold its key (entity_rowid, seq): each one
-- answers "which entities" without touching the table.
CREATE INDEX attrs_by_name ON attrs (name_id, tk);
CREATE INDEX attrs_by_num ON attrs (name_id, num) WHERE num IS NOT NULL;
CREATE INDEX attrs_by_str ON attrs (name_id, str, tk) WHERE str IS NOT NULL;
CREATE INDEX attrs_by_ts ON attrs (name_id, ts) WHERE ts IS NOT NULL;

-- Scopes normalised with a leading '/' (index-rows.ts scopeRowsOf).
CREATE TABLE scopes (
  scope TEXT NOT NULL,
  entity_rowid INTEGER NOT NULL,
  PRIMARY KEY (scope, entity_rowid)
) WITHOUT ROWID;
CREATE INDEX scopes_by_entity ON scopes (entity_rowid);

-- Bounding boxes of geometry values: finds the entities near a place without a scan. The
-- exact relation is the matcher's (geoQ is never exact in SQL).
CREATE VIRTUAL TABLE geo_bbox USING rtree (
  id, min_lon, max_lon, min_lat, max_lat,
  +entity_rowid INTEGER,
  +name_id INTEGER
);

CREATE TABLE contexts (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  kind TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_usage TEXT,
  hits INTEGER NOT NULL DEFAULT 0
);
`;

/**
 * The temporal API (TRoE, clause 5.6.11-5.6.16): every recorded attribute instance. A
 * history outlives its entity (DELETE /entities keeps it) and POST /temporal/entities
 * writes histories of entities that do not exist currently, so instances hang off
 * temporal_entities, not off entities. Existing entities of a v1 database start without
 * history: their next change is the first recorded.
 *
 * Write cost is what shaped this (bench/store.ts "update" must stay above 20k entities/s):
 * instances are keyed by the small integer temporal_entities.rowid, not the id text, and
 * there is a single index. Every temporal read goes entity by entity, so (entity, name_id,
 * ts) also serves the time ranges; a global (ts) index would only add a B-tree per insert.
 */
const VERSION_2 = `
-- Entities with a history: their types and scopes, for the type / scopeQ of temporal queries.
CREATE TABLE temporal_entities (
  rowid INTEGER PRIMARY KEY AUTOINCREMENT, -- first recording order (never reused: cached keys stay right)
  id TEXT NOT NULL UNIQUE,
  types TEXT NOT NULL,                  -- JSON array of type IRIs
  scope TEXT                            -- JSON array of scopes, or NULL
);

-- One row per attribute instance in time. ts: epoch ms of observedAt, else of modifiedAt.
CREATE TABLE temporal (
  seq INTEGER PRIMARY KEY,
  entity INTEGER NOT NULL,              -- temporal_entities.rowid
  name_id INTEGER NOT NULL,             -- terms.id of the attribute name
  dataset_id TEXT,
  instance_id TEXT NOT NULL,            -- urn:ngsi-ld:attribute:instance:<uuid drawn at open>-<counter>
  ts REAL NOT NULL,
  observed_at TEXT,
  modified_at TEXT NOT NULL,
  created_at TEXT NOT NULL,
  doc TEXT NOT NULL,                    -- JSON of the expanded Attribute instance
  deleted_at TEXT                       -- reserved for deletion markers (not recorded yet)
);
CREATE INDEX temporal_by_entity ON temporal (entity, name_id, ts);
`;

/**
 * Subscriptions (clause 5.8) and the transactional outbox. A subscription is one JSON
 * document; its delivery counters live in their own column because notify/ rewrites them
 * in batches and must not rewrite (or race with) the rest.
 *
 * The outbox gets one row per entity write, in the write's transaction, but only while the
 * tenant has a subscription (tenant-db.ts): a change committed just before a crash is still
 * notified after the restart. Rows are deleted once notified (ackOutbox), so the table
 * stays small. AUTOINCREMENT: a seq is never handed out twice, even after the outbox was
 * emptied, so an acknowledgement can never cover a newer change.
 */
const VERSION_3 = `
CREATE TABLE subscriptions (
  rowid INTEGER PRIMARY KEY,            -- creation order (a replacement keeps its place)
  id TEXT NOT NULL UNIQUE,
  doc TEXT NOT NULL,                    -- JSON of the Subscription without its delivery member
  delivery TEXT NOT NULL                -- JSON of its DeliveryStatus
);

CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,                   -- create | update | delete
  entity_id TEXT NOT NULL,
  entity TEXT,                          -- JSON of the new version; NULL for a delete
  previous TEXT                         -- JSON of the version the write replaced; NULL for a create
);
`;

/**
 * aggregatedValues in SQL (store/sqlite/temporal-aggregate.ts): `num` holds the value of a
 * numeric Property instance (NULL for every other instance, deletion markers included),
 * written with every instance and back-filled here from the documents.
 *
 * temporal_by_entity becomes a covering index for aggregation: (entity, name_id, ts, seq)
 * keeps the order every temporal read wants (seq, the rowid, spelled out so that num and
 * dataset_id can follow it), and num and dataset_id let an aggregation read only the index.
 * Reading num from the table instead costs a row lookup per instance: over 1M instances an
 * hourly avg took 422 ms instead of 133 ms, while the wider index entries cost entity writes
 * nothing measurable and the file ~2% (BENCHMARKS.md, "Temporal API").
 */
const VERSION_4 = `
ALTER TABLE temporal ADD COLUMN num REAL;
UPDATE temporal SET num = json_extract(doc, '$.value')
 WHERE json_extract(doc, '$.type') = 'Property' AND json_type(doc, '$.value') IN ('integer', 'real');
DROP INDEX temporal_by_entity;
CREATE INDEX temporal_by_entity ON temporal (entity, name_id, ts, seq, num, dataset_id);
`;

/**
 * The device registry (issue 5, store/sqlite/device-registry-table.ts), used in the default
 * database only: one registry for every tenant, so that the apikey an MQTT topic names finds
 * its tenant, group and device with unique-key lookups (an apikey belongs to one tenant).
 * Bodies are the JSON of the devices/model objects; the columns repeat the keys they are
 * looked up, listed and ordered by. Rows stay in their creation order (seq, the rowid) when
 * replaced: upserts are ON CONFLICT DO UPDATE. An index ends, implicitly, with seq: a
 * tenant's groups or devices, a group's devices and a device's commands are each one index
 * range already in creation order (no sort), and their counts read the index alone.
 */
const VERSION_5 = `
CREATE TABLE service_groups (
  seq INTEGER PRIMARY KEY,
  apikey TEXT NOT NULL UNIQUE,          -- unique across tenants
  tenant TEXT NOT NULL,
  body TEXT NOT NULL                    -- JSON of the ServiceGroup
);
CREATE INDEX service_groups_by_tenant ON service_groups (tenant);

CREATE TABLE devices (
  seq INTEGER PRIMARY KEY,
  tenant TEXT NOT NULL,
  device_id TEXT NOT NULL,
  apikey TEXT NOT NULL,
  body TEXT NOT NULL,                   -- JSON of the Device
  UNIQUE (tenant, device_id)
);
CREATE INDEX devices_by_tenant ON devices (tenant);
CREATE INDEX devices_by_apikey ON devices (apikey, tenant);  -- a group's devices (of the tenant holding it)

CREATE TABLE device_commands (
  seq INTEGER PRIMARY KEY,
  tenant TEXT NOT NULL,
  id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  body TEXT NOT NULL,                   -- JSON of the PendingCommand
  UNIQUE (tenant, id)
);
CREATE INDEX device_commands_by_device ON device_commands (tenant, device_id);
`;

/** MIGRATIONS[n] takes a database from version n to n + 1. */
export const MIGRATIONS: readonly string[] = [VERSION_1, VERSION_2, VERSION_3, VERSION_4, VERSION_5];

export interface OpenOptions {
  /** File path, or ':memory:'. */
  location: string;
  /** Open only if the file exists (reads of an unknown tenant must not create it). */
  mustExist: boolean;
}

export function openDatabase(opts: OpenOptions): Database.Database {
  const db = new Database(opts.location, { fileMustExist: opts.mustExist });
  try {
    // WAL lets readers run alongside a writer; NORMAL sync is durable across process crashes
    // (a power cut may lose the last transactions, never corrupt the file).
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('temp_store = MEMORY');
    db.pragma('cache_size = -64000');
    // Checkpoints (copying the WAL into the database, with an fsync) every ~40 MB of WAL
    // instead of the default ~4 MB: single-entity writes got ~40% faster (FACTS-style
    // measurement in BENCHMARKS.md); the WAL file may grow to that size between checkpoints.
    // A worker thread does most of the copying meanwhile (checkpointer.ts).
    db.pragma('wal_autocheckpoint = 10000');

    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  let version = row?.version ?? 0;
  if (version > SCHEMA_VERSION) {
    throw new Error(`Database schema version ${version} is newer than this Weft (${SCHEMA_VERSION})`);
  }
  while (version < SCHEMA_VERSION) {
    const step = MIGRATIONS[version];
    db.transaction(() => {
      db.exec(step);
      db.prepare('DELETE FROM schema_version').run();
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(version + 1);
    })();
    version++;
  }
}
