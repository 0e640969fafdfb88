import { BLOCK_JOBS_MIGRATION } from "./postgres-block-jobs.js";
import { BRONZE_HASH_MIGRATION } from "./postgres-bronze.js";
import { BRONZE_BLOCKS_MIGRATION } from "./postgres-bronze-blocks.js";
import { BRONZE_ROWS_MIGRATION } from "./postgres-bronze-rows.js";
import { EVENT_BLOCKS_MIGRATION } from "./postgres-event-blocks.js";
import { EVENT_FORMS_MIGRATION } from "./postgres-event-forms.js";
import { GOLD_FORMS_MIGRATION } from "./postgres-gold-forms.js";
import { EVENTS_JOB_TAIL_MIGRATION } from "./postgres-job-index.js";
import { KEY_FORMS_MIGRATION } from "./postgres-key-forms.js";
import { PAYLOAD_BLOCKS_MIGRATION } from "./postgres-payload-blocks.js";
import { READY_COUNTS_MIGRATION } from "./postgres-ready-counts.js";
import { SILVER_FORMS_MIGRATION } from "./postgres-silver-forms.js";
import { WP_DOCS_MIGRATION } from "./postgres-wp-docs.js";

// 9: versioned migrations of the PostgreSQL store (postgres-migrate.ts applies them). One database holds several
// workspaces: every table has `workspace_id` first in its primary key, and every query filters on it. Identifier
// and timestamp columns are COLLATE "C" so ORDER BY matches SQLite's byte order (BINARY collation) whatever the
// database's default locale, and the indexes serve those orders. Documents are TEXT, not JSONB: the stored JSON
// stays byte-identical to what SQLite keeps (JSONB reorders keys), and writes skip JSONB's parse. Measured with
// 3,000 WP documents (~1.8 KB): insert 43 us/row TEXT vs 58 JSONB, read+parse 30 vs 33 us/row, 3.7 vs 4.3 MB.

/** The advisory lock key that serializes migrations of one database across processes ("locus" + 1). */
export const MIGRATION_LOCK_KEY = 0x6c6f6375;

/** The channel of LISTEN/NOTIFY: the payload is `{"workspace": name, "seq": head}`. */
export const EVENTS_CHANNEL = "locus_events";

/** Creates the version table; runs under the migration advisory lock. */
export const SCHEMA_VERSION_TABLE = `CREATE TABLE IF NOT EXISTS locus_schema_version (
  version INTEGER PRIMARY KEY,
  applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`;

const UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";
const HASH_PATTERN = "^[0-9a-f]{64}$";
/** The bytes event-rows.ts's columnBytes stores for a text column's value (migration 10). */
function bytesOf(column: string, pattern: string, packed: string, packedLength: number): string {
  return `CASE WHEN ${column} ~ '${pattern}' THEN ${packed}
    WHEN octet_length(${column}) = ${packedLength} THEN decode('00', 'hex') || convert_to(${column}, 'UTF8')
    ELSE convert_to(${column}, 'UTF8') END`;
}

/** Migrations, index = version - 1. */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE workspaces (
    workspace_id TEXT COLLATE "C" PRIMARY KEY,
    replica_id TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
  );

  CREATE TABLE meta (
    workspace_id TEXT COLLATE "C" NOT NULL,
    key TEXT COLLATE "C" NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (workspace_id, key)
  );

  CREATE TABLE work_packets (
    workspace_id TEXT COLLATE "C" NOT NULL,
    wp_id TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    priority INTEGER NOT NULL,
    type TEXT COLLATE "C" NOT NULL,
    phase TEXT COLLATE "C",
    assignee TEXT COLLATE "C",
    created_at TEXT COLLATE "C" NOT NULL,
    created_ms BIGINT NOT NULL,
    deleted BOOLEAN NOT NULL,
    open_blockers INTEGER NOT NULL DEFAULT 0,
    blocks_out INTEGER NOT NULL DEFAULT 0,
    doc TEXT NOT NULL,
    PRIMARY KEY (workspace_id, wp_id)
  );
  CREATE INDEX wp_by_readiness ON work_packets (workspace_id, deleted, open_blockers, status, priority, created_at, wp_id);
  CREATE INDEX wp_by_age ON work_packets (workspace_id, deleted, status, created_at, wp_id);

  CREATE TABLE wp_labels (
    workspace_id TEXT COLLATE "C" NOT NULL,
    label TEXT COLLATE "C" NOT NULL,
    wp_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (workspace_id, label, wp_id)
  );
  CREATE INDEX wp_labels_by_wp ON wp_labels (workspace_id, wp_id);

  CREATE TABLE micro_tasks (
    workspace_id TEXT COLLATE "C" NOT NULL,
    wp_id TEXT COLLATE "C" NOT NULL,
    mt_id TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (workspace_id, wp_id, mt_id)
  );

  CREATE TABLE dependencies (
    workspace_id TEXT COLLATE "C" NOT NULL,
    dependency_id TEXT COLLATE "C" NOT NULL,
    from_wp_id TEXT COLLATE "C" NOT NULL,
    to_wp_id TEXT COLLATE "C" NOT NULL,
    type TEXT COLLATE "C" NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (workspace_id, dependency_id)
  );
  CREATE UNIQUE INDEX dep_by_edge ON dependencies (workspace_id, from_wp_id, type, to_wp_id);
  CREATE INDEX dep_by_target ON dependencies (workspace_id, to_wp_id, type, from_wp_id);

  CREATE TABLE bronze (
    workspace_id TEXT COLLATE "C" NOT NULL,
    bronze_id TEXT COLLATE "C" NOT NULL,
    wp_id TEXT COLLATE "C" NOT NULL,
    version INTEGER NOT NULL,
    operation TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    previous_bronze_id TEXT,
    created_at TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (workspace_id, bronze_id)
  );
  CREATE INDEX bronze_by_wp ON bronze (workspace_id, wp_id, version);

  CREATE TABLE events (
    workspace_id TEXT COLLATE "C" NOT NULL,
    seq BIGINT NOT NULL,
    event_uuid TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_name TEXT NOT NULL,
    wp_id TEXT COLLATE "C",
    related_wp_id TEXT COLLATE "C",
    timestamp TEXT NOT NULL,
    trace_id TEXT NOT NULL,
    job_id TEXT NOT NULL,
    protocol_id TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    replica_id TEXT NOT NULL,
    sequence BIGINT NOT NULL,
    vector_clock TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (workspace_id, seq),
    UNIQUE (workspace_id, event_uuid)
  );
  CREATE INDEX events_by_wp ON events (workspace_id, wp_id, seq) WHERE wp_id IS NOT NULL;
  CREATE INDEX events_by_related_wp ON events (workspace_id, related_wp_id, seq) WHERE related_wp_id IS NOT NULL;

  CREATE TABLE idempotency (
    workspace_id TEXT COLLATE "C" NOT NULL,
    key TEXT COLLATE "C" NOT NULL,
    request_hash TEXT NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (workspace_id, key)
  );
  `,
  // Migration 2 (Task Board sync, section 8; added by the board engineer, twin of SQLite's migration 2): per
  // workspace and board file, what the store last wrote for each WP.
  `
  CREATE TABLE board_state (
    workspace_id TEXT COLLATE "C" NOT NULL,
    board_path TEXT COLLATE "C" NOT NULL,
    wp_id TEXT COLLATE "C" NOT NULL,
    board_status TEXT NOT NULL,
    token TEXT NOT NULL,
    PRIMARY KEY (workspace_id, board_path, wp_id)
  );
  `,
  // Migration 3 (search, section 9; twin of SQLite's migration 3), see postgres-search-index.ts. Gold keyword index:
  // a tsvector per WP generated from its keyword fields, weighted title A, description B, packet C, wp_id D, ranked
  // by ts_rank_cd; GIN-indexed. The text search configuration is `english` with a snowball stemmer that keeps
  // stop words, like SQLite's porter tokenizer (queries drop stop words themselves, and a query of stop words
  // only must still match). Silver: one row per chunk, embedding NULL until the queue is drained. change_seq
  // tells in-memory vector indexes which WPs changed; search_meta holds the model and a rebuild generation.
  // Migration 22 takes the texts out of search_docs and makes the tsvector an ordinary column (postgres-gold-forms.ts).
  `
  CREATE TEXT SEARCH DICTIONARY locus_english_stem (TEMPLATE = snowball, Language = english);
  CREATE TEXT SEARCH CONFIGURATION locus_english (COPY = english);
  ALTER TEXT SEARCH CONFIGURATION locus_english
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH locus_english_stem;

  CREATE TABLE search_meta (
    workspace_id TEXT COLLATE "C" NOT NULL,
    key TEXT COLLATE "C" NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (workspace_id, key)
  );

  CREATE TABLE search_docs (
    workspace_id TEXT COLLATE "C" NOT NULL,
    wp_id TEXT COLLATE "C" NOT NULL,
    bronze_id TEXT,
    keyword_hash TEXT,
    silver_hash TEXT,
    change_seq BIGINT NOT NULL,
    title TEXT,
    description TEXT,
    packet TEXT,
    tsv TSVECTOR GENERATED ALWAYS AS (CASE WHEN title IS NULL THEN NULL ELSE
      setweight(to_tsvector('locus_english'::regconfig, title), 'A') ||
      setweight(to_tsvector('locus_english'::regconfig, coalesce(description, '')), 'B') ||
      setweight(to_tsvector('locus_english'::regconfig, coalesce(packet, '')), 'C') ||
      setweight(to_tsvector('locus_english'::regconfig, wp_id), 'D') END) STORED,
    PRIMARY KEY (workspace_id, wp_id)
  );
  CREATE INDEX search_docs_by_change ON search_docs (workspace_id, change_seq);
  CREATE INDEX search_docs_keyword ON search_docs USING GIN (tsv);

  CREATE TABLE search_silver (
    workspace_id TEXT COLLATE "C" NOT NULL,
    silver_id TEXT COLLATE "C" NOT NULL,
    wp_id TEXT COLLATE "C" NOT NULL,
    bronze_id TEXT NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    ordinal INTEGER NOT NULL,
    contextual_prefix TEXT NOT NULL,
    content TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    model TEXT,
    embedding BYTEA,
    PRIMARY KEY (workspace_id, silver_id)
  );
  CREATE INDEX search_silver_by_wp ON search_silver (workspace_id, wp_id, kind, ordinal);
  CREATE INDEX search_silver_pending ON search_silver (workspace_id, wp_id) WHERE embedding IS NULL;
  `,
  // Migration 4 (section 3; twin of SQLite's 5): events by job_id, for envelope.ts's refusals (16 replaces it).
  "CREATE INDEX IF NOT EXISTS events_by_job ON events (workspace_id, job_id);",
  // Migration 5 (section 16, retention; twin of SQLite's migration 6): the events a purge removed.
  `
  CREATE TABLE IF NOT EXISTS purged_events (
    workspace_id TEXT COLLATE "C" NOT NULL,
    seq BIGINT NOT NULL,
    event_uuid TEXT NOT NULL,
    hash TEXT NOT NULL,
    checkpoint_seq BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, seq),
    UNIQUE (workspace_id, event_uuid)
  );
  `,
  // Migration 6 (section 17; twin of SQLite's migration 7): deferral and lease expiry as epoch ms (NULL: not
  // deferred; no lease in force or one without expiry), decided against the query's time.
  `
  ALTER TABLE work_packets ADD COLUMN IF NOT EXISTS defer_ms BIGINT;
  ALTER TABLE work_packets ADD COLUMN IF NOT EXISTS lease_expires_ms BIGINT;
  `,
  // Migration 7 (issue 20): event payloads and Bronze snapshots are written once and read rarely; Locus packs them
  // (src/store/stored-json.ts: deflate with a preset dictionary, what SQLite stores too), so their columns hold
  // bytes. PostgreSQL's own compression (TOAST) starts at rows of about 2 KB, which none of them reaches. Stored
  // text becomes its UTF-8 bytes, which readers take as JSON as before: nothing hashed changes.
  `
  ALTER TABLE events ALTER COLUMN payload TYPE bytea USING convert_to(payload, 'UTF8');
  ALTER TABLE bronze ALTER COLUMN doc TYPE bytea USING convert_to(doc, 'UTF8');
  `,
  // Migration 8 (issue 16; the twin of SQLite's title index, its migration 4): a query made only of words common in
  // the workspace matches and ranks on titles (src/search/keyword-plan.ts). Ranked on the whole tsvector, such a
  // query ranked most of the workspace's WPs (at 100K WPs, hundreds of ms). The titles' tsvectors live in a narrow
  // table of their own: ranking 13,500 titles read their rows from search_docs' wide ones (~800 bytes: the texts
  // and the full tsvector), ~20 ms of heap reads at 100K WPs. A trigger keeps it equal to search_docs' titles on
  // every path that writes them (a job, a sync, a rebuild, a removal), in the statement that writes them. Written
  // to run again safely, as the other migrations are (a store whose version was set back runs it twice). Since
  // migration 22 the trigger follows the tsvector's title part (postgres-gold-forms.ts), and that migration, run
  // after this one again, puts it back.
  `
  CREATE TABLE IF NOT EXISTS search_titles (
    workspace_id TEXT COLLATE "C" NOT NULL,
    wp_id TEXT COLLATE "C" NOT NULL,
    title_tsv TSVECTOR NOT NULL,
    PRIMARY KEY (workspace_id, wp_id)
  );
  DO $titles$ BEGIN -- a store set back from migration 22 on has no texts, and its titles are already there
    IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'search_docs'::regclass AND attname = 'title'
        AND NOT attisdropped) THEN
      INSERT INTO search_titles (workspace_id, wp_id, title_tsv)
        SELECT workspace_id, wp_id, to_tsvector('locus_english'::regconfig, title) FROM search_docs
        WHERE title IS NOT NULL
        ON CONFLICT (workspace_id, wp_id) DO UPDATE SET title_tsv = excluded.title_tsv;
    END IF;
  END $titles$;
  CREATE INDEX IF NOT EXISTS search_titles_keyword ON search_titles USING GIN (title_tsv);
  CREATE OR REPLACE FUNCTION locus_follow_search_titles() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    IF TG_OP = 'UPDATE' AND OLD.title IS NOT DISTINCT FROM NEW.title THEN RETURN NULL; END IF;
    IF TG_OP <> 'INSERT' THEN
      DELETE FROM search_titles WHERE workspace_id = OLD.workspace_id AND wp_id = OLD.wp_id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.title IS NOT NULL THEN
      INSERT INTO search_titles (workspace_id, wp_id, title_tsv)
      VALUES (NEW.workspace_id, NEW.wp_id, to_tsvector('locus_english'::regconfig, NEW.title));
    END IF;
    RETURN NULL;
  END $fn$;
  DROP TRIGGER IF EXISTS search_titles_follow ON search_docs;
  CREATE TRIGGER search_titles_follow AFTER INSERT OR UPDATE OR DELETE ON search_docs
    FOR EACH ROW EXECUTE FUNCTION locus_follow_search_titles();
  ANALYZE search_titles;
  `,
  // Migration 9 (issue 16; what SQLite's migration 7 did to its readiness index): the readiness index carries the
  // columns query_ready filters and sorts on beyond its key (deferral, the hybrid sort's age and unblock inputs,
  // the lease), so the count and the page's order are read from the index alone; only the page's WPs' documents
  // are read from the table. Measured at 100K WPs (7,500 ready candidates): both statements read every candidate's
  // row before, ~20 ms of the server's time a query_ready.
  `
  DROP INDEX IF EXISTS wp_by_readiness;
  CREATE INDEX wp_by_readiness ON work_packets (workspace_id, deleted, open_blockers, status, priority, created_at, wp_id)
    INCLUDE (created_ms, blocks_out, defer_ms, assignee, lease_expires_ms);
`,
  // Migration 10 (issue 20, second part): the events' ids and hashes as bytes, in the forms of event-rows.ts (16
  // bytes of a lowercase uuid, 32 of a lowercase hex hash, other text as its UTF-8, behind a zero byte when it
  // has the packed length); their indexes are rebuilt with them. prev_hash stored before keeps its value (new
  // rows store it empty when it is the hash of the row before); purged_events keeps text.
  `
  ALTER TABLE events
    ALTER COLUMN event_uuid TYPE bytea USING ${bytesOf("event_uuid", UUID_PATTERN, "decode(replace(event_uuid, '-', ''), 'hex')", 16)},
    ALTER COLUMN trace_id TYPE bytea USING ${bytesOf("trace_id", UUID_PATTERN, "decode(replace(trace_id, '-', ''), 'hex')", 16)},
    ALTER COLUMN job_id TYPE bytea USING ${bytesOf("job_id", UUID_PATTERN, "decode(replace(job_id, '-', ''), 'hex')", 16)},
    ALTER COLUMN prev_hash TYPE bytea USING ${bytesOf("prev_hash", HASH_PATTERN, "decode(prev_hash, 'hex')", 32)},
    ALTER COLUMN hash TYPE bytea USING ${bytesOf("hash", HASH_PATTERN, "decode(hash, 'hex')", 32)};
  `,
  WP_DOCS_MIGRATION, // Migration 11 (issue 20, fifth part): WP documents deflated, postgres-wp-docs.ts
  READY_COUNTS_MIGRATION, // Migration 12 (issue 16): ready WPs counted as they change, postgres-ready-counts.ts
  BRONZE_HASH_MIGRATION, // Migration 13 (issue 20, eighth part): Bronze content hashes as bytes, postgres-bronze.ts
  PAYLOAD_BLOCKS_MIGRATION, // Migration 14 (issue 20, ninth part): cold events in blocks, postgres-payload-blocks.ts
  BRONZE_BLOCKS_MIGRATION, // Migration 15 (issue 20, tenth part): cold Bronze in blocks, postgres-bronze-blocks.ts
  EVENTS_JOB_TAIL_MIGRATION, // Migration 16 (issue 20, eleventh part): narrower job index, postgres-job-index.ts
  EVENT_FORMS_MIGRATION, // Migration 17 (issue 20, twelfth part): smaller packed events rows, postgres-event-forms.ts
  SILVER_FORMS_MIGRATION, // Migration 18 (issue 20, thirteenth part): Silver rows in short forms, postgres-silver-forms.ts
  KEY_FORMS_MIGRATION, // Migration 19 (issue 20, fifteenth part): Bronze keys and dependency docs, postgres-key-forms.ts
  EVENT_BLOCKS_MIGRATION, // Migration 20 (issue 20, sixteenth part): cold events whole in blocks, postgres-event-blocks.ts
  BRONZE_ROWS_MIGRATION, // Migration 21 (issue 20, seventeenth part): packed Bronze rows left to blocks, postgres-bronze-rows.ts
  GOLD_FORMS_MIGRATION, // Migration 22 (issue 20, eighteenth part): Gold without its texts, postgres-gold-forms.ts
  BLOCK_JOBS_MIGRATION, // Migration 23 (issue 20, nineteenth part): blocks found by job time, postgres-block-jobs.ts
];
