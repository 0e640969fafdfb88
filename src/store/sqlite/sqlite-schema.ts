import type Database from "better-sqlite3";
import { newReplicaId } from "../../domain/ids.js";
import { refuseNewerSchema } from "../schema-version.js";
import { SILVER_MIGRATION_FUNCTIONS } from "./sqlite-silver-forms.js";

// 9: versioned migrations of the SQLite store, and `migrate`, which applies them (the `meta` table itself is made
// before them; the twin of postgres-schema.ts). Each entry moves the schema one version up; the applied version is
// kept in `meta.schema_version`, and migrations run under the write lock so that several processes opening one new
// file do not race.

/** Migrations, index = version - 1. */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE work_packets (
    wp_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    priority INTEGER NOT NULL,
    type TEXT NOT NULL,
    phase TEXT,
    assignee TEXT,
    created_at TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    open_blockers INTEGER NOT NULL DEFAULT 0,
    blocks_out INTEGER NOT NULL DEFAULT 0,
    doc TEXT NOT NULL
  );
  -- Covering for the ready query's three sorts: the hybrid sort reads created_ms and blocks_out from the index.
  CREATE INDEX wp_by_readiness ON work_packets (deleted, open_blockers, status, priority, created_at, wp_id, created_ms, blocks_out);
  CREATE INDEX wp_by_age ON work_packets (deleted, status, created_at, wp_id);

  CREATE TABLE wp_labels (label TEXT NOT NULL, wp_id TEXT NOT NULL, PRIMARY KEY (label, wp_id)) WITHOUT ROWID;
  CREATE INDEX wp_labels_by_wp ON wp_labels (wp_id);

  CREATE TABLE micro_tasks (
    wp_id TEXT NOT NULL,
    mt_id TEXT NOT NULL,
    status TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (wp_id, mt_id)
  );

  CREATE TABLE dependencies (
    dependency_id TEXT PRIMARY KEY,
    from_wp_id TEXT NOT NULL,
    to_wp_id TEXT NOT NULL,
    type TEXT NOT NULL,
    doc TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX dep_by_edge ON dependencies (from_wp_id, type, to_wp_id);
  CREATE INDEX dep_by_target ON dependencies (to_wp_id, type, from_wp_id);

  -- Rowid tables for large rows (Bronze snapshots, MT docs with iterations): WITHOUT ROWID tables store
  -- big rows in overflow pages at about three times their size.
  CREATE TABLE bronze (
    bronze_id TEXT PRIMARY KEY,
    wp_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    operation TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    previous_bronze_id TEXT,
    created_at TEXT NOT NULL,
    doc TEXT NOT NULL
  );
  CREATE INDEX bronze_by_wp ON bronze (wp_id, version);

  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    event_uuid TEXT NOT NULL UNIQUE,
    event_id TEXT NOT NULL,
    event_name TEXT NOT NULL,
    wp_id TEXT,
    related_wp_id TEXT,
    timestamp TEXT NOT NULL,
    trace_id TEXT NOT NULL,
    job_id TEXT NOT NULL,
    protocol_id TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    replica_id TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    vector_clock TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  );
  CREATE INDEX events_by_wp ON events (wp_id, seq) WHERE wp_id IS NOT NULL;
  CREATE INDEX events_by_related_wp ON events (related_wp_id, seq) WHERE related_wp_id IS NOT NULL;

  CREATE TABLE idempotency (key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, result TEXT NOT NULL) WITHOUT ROWID;
  `,
  // Migration 2 (Task Board sync, section 8): per board file, what the store last wrote for each WP. A
  // manual edit is an entry whose section differs from this status; the token is kept for reference.
  `
  CREATE TABLE board_state (
    board_path TEXT NOT NULL,
    wp_id TEXT NOT NULL,
    board_status TEXT NOT NULL,
    token TEXT NOT NULL,
    PRIMARY KEY (board_path, wp_id)
  ) WITHOUT ROWID;
  -- Covering index for listBoardWps (section 12: a sync at 10K WPs must not parse 10K documents).
  CREATE INDEX wp_board_view ON work_packets (
    created_at, wp_id, status, json_extract(doc, '$.governance.task_board_token')
  );
  `,
  // Migration 3 (search, section 9), see src/store/sqlite/sqlite-search-index.ts. Silver: one row per chunk of the
  // latest searchable text of a WP, embedding NULL until the queue (partial index silver_pending) is drained.
  // Gold: an FTS5 keyword index (rowid = search_docs.doc_id; rank = bm25 weighting wp_id 1, title 4,
  // description 2, packet 1); search_docs.change_seq tells in-memory vector
  // indexes which WPs changed; search_meta holds the embedding model and a rebuild generation.
  `
  CREATE TABLE search_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE search_docs (
    doc_id INTEGER PRIMARY KEY,
    wp_id TEXT NOT NULL UNIQUE,
    bronze_id TEXT,
    keyword_hash TEXT,
    silver_hash TEXT,
    change_seq INTEGER NOT NULL
  );
  CREATE INDEX search_docs_by_change ON search_docs (change_seq);
  CREATE VIRTUAL TABLE search_fts USING fts5(
    wp_id, title, description, packet, tokenize = 'porter unicode61 remove_diacritics 2'
  );
  CREATE TABLE search_silver (
    silver_id TEXT PRIMARY KEY,
    wp_id TEXT NOT NULL,
    bronze_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    contextual_prefix TEXT NOT NULL,
    content TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    model TEXT,
    embedding BLOB
  );
  CREATE INDEX search_silver_by_wp ON search_silver (wp_id, kind, ordinal);
  CREATE INDEX search_silver_pending ON search_silver (wp_id) WHERE embedding IS NULL;
  INSERT INTO search_fts (search_fts, rank) VALUES ('rank', 'bm25(1.0, 4.0, 2.0, 1.0)');
  `,
  // Migration 4 (search, section 9): the titles alone, in their own FTS5 index (rowid = search_docs.doc_id). A
  // query made only of common words is ranked on titles; in search_fts a {title} filter still walks those
  // words' lists over every column (at 100K WPs: ~60 ms for "error user session", ~20 ms here). WP ids come
  // from search_docs; search_meta.titles_seq is the last search_docs.change_seq it holds. It keeps its own
  // copy of the titles: a contentless index cannot take a title's terms back out exactly, and its bm25
  // statistics then drift from those of a rebuilt one.
  `
  CREATE VIRTUAL TABLE search_titles USING fts5(title, tokenize = 'porter unicode61 remove_diacritics 2');
  INSERT INTO search_titles (rowid, title) SELECT rowid, title FROM search_fts;
  INSERT OR REPLACE INTO search_meta (key, value)
    SELECT 'titles_seq', CAST(IFNULL(MAX(change_seq), 0) AS TEXT) FROM search_docs;
  `,
  // Migration 5 (section 3): the events of a job by its job_id, so a job_id the caller gives can be refused when
  // it already names another job (envelope.ts). Generated job_ids are time-ordered uuids: the index grows at
  // its end.
  `
  CREATE INDEX IF NOT EXISTS events_by_job ON events (job_id);
  `,
  // Migration 6 (section 16, retention): the events a purge removed, by seq, with their uuid (a replica that
  // offers one again is told it was seen) and hash (the chain links across them), under the checkpoint event that
  // removed them and commits to their digest.
  `
  CREATE TABLE IF NOT EXISTS purged_events (
    seq INTEGER PRIMARY KEY,
    event_uuid TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL,
    checkpoint_seq INTEGER NOT NULL
  );
  `,
  // Migration 7 (section 17): deferral and lease expiry as epoch ms (NULL: not deferred; no lease in force or one
  // without expiry), decided against the query's time. The readiness index gains them, and the assignee, at its
  // end: query_ready and claim_wp stay index-only scans. No stored WP had either before this migration.
  `
  ALTER TABLE work_packets ADD COLUMN defer_ms INTEGER;
  ALTER TABLE work_packets ADD COLUMN lease_expires_ms INTEGER;
  DROP INDEX wp_by_readiness;
  CREATE INDEX wp_by_readiness ON work_packets (deleted, open_blockers, status, priority, created_at, wp_id, created_ms, blocks_out, defer_ms, assignee, lease_expires_ms);
  `,
  // Migration 8 (issue 20, second part): the payloads of cold events packed in blocks of 128 seqs, by the first
  // seq of each (src/store/event-payload-blocks.ts); a packed events row keeps an empty payload.
  `
  CREATE TABLE IF NOT EXISTS event_payload_blocks (first_seq INTEGER PRIMARY KEY, body BLOB NOT NULL);
  `,
  // Migration 9 (issue 20, third part): cold Bronze rows packed in blocks of 128 rowids, by the first rowid of
  // each (sqlite-bronze-blocks.ts); a packed bronze row keeps an empty doc.
  `
  CREATE TABLE IF NOT EXISTS bronze_blocks (first_rowid INTEGER PRIMARY KEY, body BLOB NOT NULL);
  `,
  // Migration 10 (issue 20, fourth part): the texts a packed events row names by a key of one or two bytes (its
  // event_name and replica_id; sqlite-event-columns.ts). Rows packed before keep their text and read as before.
  `
  CREATE TABLE IF NOT EXISTS event_terms (term_key BLOB PRIMARY KEY, term TEXT NOT NULL UNIQUE) WITHOUT ROWID;
  `,
  // Migration 11 (issue 20, fourth part): cold WP documents are deflated by maintenance (sqlite-wp-docs.ts), so
  // the board's token, which wp_board_view read from the document, gets a column of its own; wp_plain_docs
  // finds the documents still stored as text (the WPs written lately, and those maintenance has not reached).
  `
  ALTER TABLE work_packets ADD COLUMN board_token TEXT;
  UPDATE work_packets SET board_token = json_extract(doc, '$.governance.task_board_token');
  DROP INDEX wp_board_view;
  CREATE INDEX wp_board_view ON work_packets (created_at, wp_id, status, board_token);
  CREATE INDEX wp_plain_docs ON work_packets (wp_id) WHERE typeof(doc) = 'text';
  `,
  // Migration 12 (issue 20, fifth part): a packed events row whose job_id is the row before's stores it empty
  // (sqlite-event-jobs.ts), so the job index holds only the rows that hold a job_id (JOB_HELD, the same term).
  `
  DROP INDEX IF EXISTS events_by_job;
  CREATE INDEX events_by_job ON events (job_id) WHERE job_id <> X'';
  `,
  // Migration 13 (issue 20, SQLite margin): search_silver without its Silver id key (a ULID index ~80 bytes a WP
  // that only the embedding queue looks up: search_silver_queued holds the waiting rows' ids), its WP index on
  // the WP id alone (every read of it asks a WP's chunks, none their order by kind), its packed rows
  // given the short forms of sqlite-silver-forms.ts (SILVER_MIGRATION_FUNCTIONS, registered by migrate). A
  // rerun rebuilds the table again: each short form is its own short form. The old table's pages go back to the
  // file system (a file made with auto_vacuum INCREMENTAL; an older file's later writes reuse them).
  `
  DROP TABLE IF EXISTS search_silver_migrating;
  CREATE TABLE search_silver_migrating (
    silver_id TEXT NOT NULL,
    wp_id TEXT NOT NULL,
    bronze_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    contextual_prefix TEXT NOT NULL,
    content TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    model TEXT,
    embedding BLOB
  );
  INSERT INTO search_silver_migrating SELECT
    CASE WHEN typeof(s.content) = 'blob' THEN locus_short_silver_id(s.silver_id) ELSE s.silver_id END,
    s.wp_id,
    CASE WHEN typeof(s.content) = 'blob' AND s.bronze_id = (SELECT d.bronze_id FROM search_docs d WHERE d.wp_id = s.wp_id)
      THEN X'' ELSE s.bronze_id END,
    CASE WHEN typeof(s.content) = 'blob' THEN
      CASE s.kind WHEN 'title' THEN X'01' WHEN 'description' THEN X'02' WHEN 'task_packet' THEN X'03' ELSE s.kind END
      ELSE s.kind END,
    s.ordinal, s.contextual_prefix, s.content,
    CASE WHEN typeof(s.content) = 'blob' THEN locus_short_silver_hash(s.text_hash, s.content) ELSE s.text_hash END,
    CASE WHEN typeof(s.content) = 'blob' AND s.model = (SELECT m.value FROM search_meta m WHERE m.key = 'model')
      THEN X'' ELSE s.model END,
    s.embedding
  FROM search_silver s ORDER BY s.rowid;
  DROP TABLE search_silver;
  ALTER TABLE search_silver_migrating RENAME TO search_silver;
  CREATE INDEX search_silver_by_wp ON search_silver (wp_id);
  CREATE INDEX search_silver_pending ON search_silver (wp_id) WHERE embedding IS NULL;
  CREATE INDEX search_silver_queued ON search_silver (silver_id) WHERE embedding IS NULL;
  PRAGMA incremental_vacuum;
  `,
];

type Row = Record<string, unknown>;

/**
 * Brings a store's schema up to this Locus' version and returns its replica id (made on a new store). A store
 * written by a newer Locus is refused (schema-version.ts).
 */
export function migrate(db: Database.Database): string {
  // Fast path, no write lock: a store that is up to date is only read, so a command opening it never waits
  // behind another process's write transaction (the usual case: every command but the first).
  const current = readMeta(db);
  if (current?.version === SQLITE_MIGRATIONS.length && current.replica !== undefined) return current.replica;
  db.exec("BEGIN IMMEDIATE");
  try {
    db.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID");
    const current = Number(
      (db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as Row | undefined)?.value ??
        0,
    );
    refuseNewerSchema(current, SQLITE_MIGRATIONS.length);
    for (const [name, fn] of Object.entries(SILVER_MIGRATION_FUNCTIONS))
      db.function(name, { deterministic: true }, fn);
    for (let version = current + 1; version <= SQLITE_MIGRATIONS.length; version++) {
      db.exec(SQLITE_MIGRATIONS[version - 1] as string);
      db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)").run(
        String(version),
      );
    }
    let replica = (db.prepare("SELECT value FROM meta WHERE key = 'replica_id'").get() as Row | undefined)
      ?.value as string | undefined;
    if (replica === undefined) {
      replica = newReplicaId();
      db.prepare("INSERT INTO meta (key, value) VALUES ('replica_id', ?)").run(replica);
    }
    db.exec("COMMIT");
    return replica;
  } catch (error) {
    if (db.inTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

/** The schema version and replica id of an existing store, or undefined for a new file. */
export function readMeta(
  db: Database.Database,
): { version: number; replica: string | undefined } | undefined {
  const exists = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'meta'").get();
  if (exists === undefined) return undefined;
  const rows = db
    .prepare("SELECT key, value FROM meta WHERE key IN ('schema_version', 'replica_id')")
    .all() as Row[];
  const value = (key: string) => rows.find((row) => row.key === key)?.value as string | undefined;
  return { version: Number(value("schema_version") ?? 0), replica: value("replica_id") };
}
