import type { ChunkKind } from "../../search/chunking.js";
import type { SearchDocument } from "../../search/search-index-port.js";
import { columnBytes } from "../event-rows.js";
import {
  computedTextHash,
  KIND_CODES,
  kindOfCode,
  silverIdOfUlidBytes,
  silverUlidBytes,
} from "../silver-ids.js";

// Issue 20, thirteenth part: PostgreSQL's Silver rows in short forms (migration 18), the idea of SQLite's margin
// part (sqlite-silver-forms.ts) in PostgreSQL's typed columns. A Silver row was ~950 bytes, 2,179 a WP with its two
// indexes at 2,000 WPs; its vector (521) and texts stay as they are (recall unchanged), the rest shrinks:
// - `silver_id` is bytea: a `slv_` ULID as its 16 bytes, any other id as its UTF-8 (behind a zero byte when that
//   is 16 bytes long: event-rows.ts's columnBytes);
// - `kind` is a smallint, its code (../silver-ids.ts: title 1, description 2, task_packet 3);
// - `bronze_id` is NULL when it is its WP's search_docs.bronze_id: every chunk of a WP is written with the
//   document's bronze_id, and a write that moves that id without rewriting the chunks first stores the old id
//   back in the chunks that left it NULL (INDEX_DOCUMENT's `kept_ids`, keepSilverBronzeIds);
// - `model` is NULL beside an embedding when it is the index's model (search_meta.model): a vector of another
//   model never stays stored (useModel queues them all; putEmbeddings stores only the index's, under the
//   workspace lock), so NULL always means the model in force; with a NULL embedding it is NULL as before;
// - `contextual_prefix` is NULL on every chunk but the title chunk (kind title, ordinal 0) when it is that
//   chunk's: chunkWorkPacket gives every chunk of a WP the same prefix, and a WP's chunks are always written and
//   deleted together (silverPrefixSql reads it back);
// - `text_hash` is NULL when the row's texts compute to it (sha256 of prefix, newline, content; silverTextHashSql);
//   a hash they do not compute to is kept.
// Jobs write these forms (the statements of postgres-search-statements.ts), so there is nothing for maintenance
// to pack and no old row version to give back. Rows of the form before are migrated by migration 18; the
// readers take a model stored as text too.
// Keys: no key on Silver ids (the primary key was 127 bytes a WP and served only putEmbeddings, which now finds a
// queued row by its WP: PUT_EMBEDDINGS); `search_silver_by_wp` is on the WP alone (its readers take a WP's chunks
// whole), so B-tree deduplication keeps one key a WP. The queue's order (pendingChunks:
// WP, kind, ordinal) is the partial `search_silver_pending`'s whole key, so that no sort is needed to read it.

/** SQL: the contextual prefix of search_silver row `alias`: its own, or (NULL) its WP's title chunk's. */
export const silverPrefixSql = (alias: string): string =>
  `COALESCE(${alias}.contextual_prefix, (SELECT t.contextual_prefix FROM search_silver t
    WHERE t.workspace_id = ${alias}.workspace_id AND t.wp_id = ${alias}.wp_id AND t.kind = ${KIND_CODES.title}
      AND t.ordinal = 0))`;

/** SQL: the text hash of search_silver row `alias` as hex, stored or computed from its texts. */
export const silverTextHashSql = (alias: string): string =>
  `COALESCE(${alias}.text_hash, ${computedHashSql(silverPrefixSql(alias), `${alias}.content`)})`;

/** SQL: sha256 (hex) of a prefix, a newline and a content, what search-document.ts hashes for a chunk. */
export const computedHashSql = (prefix: string, content: string): string =>
  `encode(sha256(convert_to(${prefix} || chr(10) || ${content}, 'UTF8')), 'hex')`;

/**
 * The chunk arrays INDEX_DOCUMENT and REPLACE_SILVERS take for the chunks of `docs`, in order, one entry a chunk:
 * wp_id, silver_id (bytes, new), kind (code), ordinal, prefix and text hash as stored (NULL where implied),
 * content, and the text hash itself (what a chunk's old embedding is matched by).
 */
export function silverChunkArrays(docs: readonly SearchDocument[], newSilverId: () => string): unknown[][] {
  const arrays: unknown[][] = [[], [], [], [], [], [], [], []];
  for (const doc of docs) {
    const title = doc.chunks.find((c) => c.kind === "title" && c.ordinal === 0)?.contextual_prefix;
    for (const c of doc.chunks) {
      const titleChunk = c.kind === "title" && c.ordinal === 0;
      const values = [
        doc.wp_id,
        silverIdBytes(newSilverId()),
        KIND_CODES[c.kind],
        c.ordinal,
        !titleChunk && c.contextual_prefix === title ? null : c.contextual_prefix,
        computedTextHash(c) === c.text_hash ? null : c.text_hash,
        c.content,
        c.text_hash,
      ];
      for (const [i, value] of values.entries()) arrays[i]?.push(value);
    }
  }
  return arrays;
}

/** The silver_id column's bytes for an id (a `slv_` ULID's 16, any other id its text). */
export const silverIdBytes = (id: string): Buffer => columnBytes(silverUlidBytes(id) ?? id, 16);

/** A Silver id as written, from the column (bytes since migration 18; text before). */
export function silverIdOfColumn(value: unknown): string {
  if (!Buffer.isBuffer(value)) return value as string;
  if (value.length === 16) return silverIdOfUlidBytes(value);
  return (value[0] === 0 ? value.subarray(1) : value).toString("utf8");
}

/** A chunk kind as written, from the column (a code since migration 18; a name before). */
export function kindOfColumn(value: unknown): ChunkKind {
  if (typeof value !== "number") return value as ChunkKind;
  const kind = kindOfCode(value);
  if (kind === undefined) throw new Error(`internal: search_silver holds an unknown kind code ${value}`);
  return kind;
}

/** A vector row (silver_id, wp_id, kind, ordinal, embedding) with its id and kind as written. */
export const asWrittenIds = (row: Record<string, unknown>): Record<string, unknown> => ({
  ...row,
  silver_id: silverIdOfColumn(row.silver_id),
  kind: kindOfColumn(row.kind),
});

type Rows = (sql: string, values?: unknown[]) => Promise<Record<string, unknown>[]>;

/**
 * Before UPSERT_DOCS gives `docs` their new search_docs rows: the chunks of those whose keyword row changed and
 * Silver did not (their chunks stay) keep the Bronze id they were made from (`stored`: the rows before).
 */
export async function keepSilverBronzeIds(
  rows: Rows,
  docs: readonly SearchDocument[],
  stored: ReadonlyMap<string, Record<string, unknown>>,
): Promise<void> {
  const moved = docs.flatMap((doc) => {
    const before = stored.get(doc.wp_id);
    const kept = before?.silver_hash === doc.silver_hash && before?.bronze_id != null;
    return kept && before.bronze_id !== doc.bronze_id
      ? [{ wp_id: doc.wp_id, bronze_id: before.bronze_id }]
      : [];
  });
  if (moved.length === 0) return;
  await rows(
    `UPDATE search_silver s SET bronze_id = m.bronze_id FROM unnest($2::text[], $3::text[]) AS m(wp_id, bronze_id)
     WHERE s.workspace_id = $1 AND s.wp_id = m.wp_id AND s.bronze_id IS NULL`,
    [moved.map((m) => m.wp_id), moved.map((m) => m.bronze_id)],
  );
}

/**
 * The columns of every Silver row of the workspace as written (ordered by WP, kind name, ordinal): what the short
 * forms must give back. Tests and tools read through it; search reads only what it needs.
 */
export async function silverRowsAsWritten(rows: Rows): Promise<Record<string, unknown>[]> {
  const found = await rows(
    `SELECT s.silver_id, s.wp_id, COALESCE(s.bronze_id, d.bronze_id) AS bronze_id, s.kind, s.ordinal,
       ${silverPrefixSql("s")} AS contextual_prefix, s.content, ${silverTextHashSql("s")} AS text_hash,
       CASE WHEN s.embedding IS NULL THEN s.model ELSE COALESCE(s.model, m.value) END AS model, s.embedding
     FROM search_silver s
     LEFT JOIN search_docs d ON d.workspace_id = s.workspace_id AND d.wp_id = s.wp_id
     LEFT JOIN search_meta m ON m.workspace_id = s.workspace_id AND m.key = 'model'
     WHERE s.workspace_id = $1`,
  );
  const written = found.map(asWrittenIds);
  const order = (row: Record<string, unknown>) =>
    `${row.wp_id}\u0000${row.kind}\u0000${String(row.ordinal).padStart(6, "0")}`;
  return written.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

/**
 * SQL function: the 16 bytes of `slv_` + a ULID (26 digits of 5 bits, the first 3 bits only). ALTER TYPE's USING
 * takes no subquery, so migration 18 makes it for its conversion and drops it after.
 */
const ULID_BYTES_FUNCTION = `CREATE OR REPLACE FUNCTION locus_silver_ulid_bytes(id text) RETURNS bytea
  LANGUAGE sql IMMUTABLE STRICT AS $ulid$
    SELECT decode(string_agg(lpad(to_hex(substring(b.bits FROM 3 + 8 * i FOR 8)::int), 2, '0'), '' ORDER BY i), 'hex')
    FROM (SELECT string_agg((strpos('0123456789ABCDEFGHJKMNPQRSTVWXYZ', substr(id, 4 + k, 1)) - 1)::bit(5)::text,
      '' ORDER BY k)::varbit AS bits FROM generate_series(1, 26) AS k) AS b, generate_series(0, 15) AS i
  $ulid$`;

/**
 * Migration 18: every Silver row in the short forms, in a new table (written once, compactly) with the new keys.
 * Reruns safely: the types change only while they are still text, and the copy reads every form (an implied value
 * through silverPrefixSql's and the other tables' values) and writes each short form where it holds.
 */
export const SILVER_FORMS_MIGRATION = `
  ${ULID_BYTES_FUNCTION};
  DO $silver$ BEGIN
    IF (SELECT atttypid FROM pg_attribute WHERE attrelid = 'search_silver'::regclass AND attname = 'silver_id')
        = 'text'::regtype THEN
      ALTER TABLE search_silver
        ALTER COLUMN silver_id TYPE bytea USING CASE
          WHEN silver_id ~ '^slv_[0-7][0-9A-HJKMNP-TV-Z]{25}$' THEN locus_silver_ulid_bytes(silver_id)
          WHEN octet_length(silver_id) = 16 THEN decode('00', 'hex') || convert_to(silver_id, 'UTF8')
          ELSE convert_to(silver_id, 'UTF8') END,
        ALTER COLUMN kind TYPE smallint USING CASE kind
          WHEN 'title' THEN ${KIND_CODES.title} WHEN 'description' THEN ${KIND_CODES.description}
          WHEN 'task_packet' THEN ${KIND_CODES.task_packet} END;
    END IF;
  END $silver$;
  DROP FUNCTION locus_silver_ulid_bytes(text);
  DROP TABLE IF EXISTS search_silver_short;
  CREATE TABLE search_silver_short (
    workspace_id TEXT COLLATE "C" NOT NULL,
    silver_id BYTEA NOT NULL,
    wp_id TEXT COLLATE "C" NOT NULL,
    bronze_id TEXT,
    kind SMALLINT NOT NULL,
    ordinal SMALLINT NOT NULL,
    contextual_prefix TEXT,
    content TEXT NOT NULL,
    text_hash TEXT,
    model TEXT,
    embedding BYTEA
  );
  INSERT INTO search_silver_short
    SELECT s.workspace_id, s.silver_id, s.wp_id,
      CASE WHEN s.bronze_id = d.bronze_id THEN NULL ELSE s.bronze_id END,
      s.kind, s.ordinal,
      CASE WHEN NOT (s.kind = ${KIND_CODES.title} AND s.ordinal = 0) AND s.contextual_prefix = t.contextual_prefix
        THEN NULL ELSE s.contextual_prefix END,
      s.content,
      CASE WHEN s.text_hash = ${computedHashSql("COALESCE(s.contextual_prefix, t.contextual_prefix)", "s.content")}
        THEN NULL ELSE s.text_hash END,
      CASE WHEN s.embedding IS NOT NULL AND s.model = m.value THEN NULL ELSE s.model END,
      s.embedding
    FROM search_silver s
    LEFT JOIN search_silver t ON t.workspace_id = s.workspace_id AND t.wp_id = s.wp_id
      AND t.kind = ${KIND_CODES.title} AND t.ordinal = 0
    LEFT JOIN search_docs d ON d.workspace_id = s.workspace_id AND d.wp_id = s.wp_id
    LEFT JOIN search_meta m ON m.workspace_id = s.workspace_id AND m.key = 'model'
    ORDER BY s.workspace_id, s.wp_id, s.kind, s.ordinal;
  DROP TABLE search_silver;
  ALTER TABLE search_silver_short RENAME TO search_silver;
  CREATE INDEX search_silver_by_wp ON search_silver (workspace_id, wp_id);
  CREATE INDEX search_silver_pending ON search_silver (workspace_id, wp_id, kind, ordinal) WHERE embedding IS NULL;
  ANALYZE search_silver;
`;
