import type Database from "better-sqlite3";
import { packText } from "../stored-json.js";
import { packedSilverRow } from "./sqlite-silver.js";

// Issue 20, fourth part: the documents of cold WPs deflated, on SQLite. A WP document (~1.1 KB of JSON the day
// it is made, more with notes) is the largest part of its row, and most WPs are not written for a long time once
// their work moves on. Maintenance (compact-store.ts, never a job) deflates the documents of WPs no event of the
// last PAYLOAD_COLD-like window is about, with the stored JSON dictionary (~32% of their bytes), 128 at a time.
// Readers take either form (wpOfDoc); a job that writes a packed WP writes its document as text again, and
// maintenance packs it again once it is cold. Each packed row is deleted and written again (a new rowid, at
// the table's end), as event blocks are: a row rewritten smaller in place leaves its page as full as it was.
// The board's token has its own column (migration 11): the index wp_board_view read it from the document. The
// embedded Silver rows of those WPs are packed with them (their texts deflated, sqlite-silver.ts).

type Prepare = (sql: string) => Database.Statement;
type Row = Record<string, unknown>;

/** WPs packed together: a batch is packed once this many cold WPs have a document as text. */
export const WP_DOC_BATCH = 128;
/** How many events must follow the last one about a WP for its document to be cold. */
export const WP_DOC_COLD_EVENTS = 128;

/** Packs up to `maxBatches` batches of cold WP documents; says how many and whether another full batch waits. */
export function packColdWpDocs(prepared: Prepare, maxBatches: number): { packed: number; more: boolean } {
  const head = Number(
    (prepared("SELECT value FROM meta WHERE key = 'head_seq'").get() as Row | undefined)?.value,
  );
  const coldBefore = (Number.isFinite(head) ? head : 0) - WP_DOC_COLD_EVENTS;
  const cold = prepared(
    `SELECT w.* FROM work_packets w INDEXED BY wp_plain_docs WHERE typeof(w.doc) = 'text'
       AND NOT EXISTS (SELECT 1 FROM events e WHERE e.wp_id = w.wp_id AND e.seq > ?) LIMIT ?`,
  );
  let packed = 0;
  for (; packed < maxBatches; packed++) {
    const rows = cold.all(coldBefore, WP_DOC_BATCH) as Row[];
    if (rows.length < WP_DOC_BATCH) return { packed, more: false };
    packBatch(prepared, rows);
  }
  return { packed, more: (cold.all(coldBefore, WP_DOC_BATCH) as Row[]).length === WP_DOC_BATCH };
}

/**
 * Deletes the rows and writes them again with their documents deflated (every other column as it was), and so
 * the embedded Silver rows of the same WPs (their texts deflated, sqlite-silver.ts); a chunk still waiting for its
 * embedding stays as it is, since the embedding queue reads it next.
 */
function packBatch(prepared: Prepare, rows: readonly Row[]): void {
  const remove = prepared("DELETE FROM work_packets WHERE wp_id = ?");
  const insert = insertOf(prepared, "work_packets", rows[0] ?? {});
  const silver = prepared(
    `SELECT rowid, * FROM search_silver WHERE wp_id = ? AND embedding IS NOT NULL AND typeof(content) = 'text'
     ORDER BY kind, ordinal`,
  );
  // Issue 20, SQLite margin: Silver ids have no index of their own (migration 13): a row is removed by its rowid.
  const removeSilver = prepared("DELETE FROM search_silver WHERE rowid = ?");
  const bronzeOf = prepared("SELECT bronze_id FROM search_docs WHERE wp_id = ?");
  const model = (prepared("SELECT value FROM search_meta WHERE key = 'model'").get() as Row | undefined)
    ?.value;
  for (const row of rows) {
    remove.run(row.wp_id);
    insert.run({ ...row, doc: packText(row.doc as string) });
    const context = {
      model: model as string | undefined,
      bronzeId: (bronzeOf.get(row.wp_id) as Row | undefined)?.bronze_id,
    };
    for (const { rowid, ...chunk } of silver.all(row.wp_id) as Row[]) {
      removeSilver.run(rowid);
      insertOf(prepared, "search_silver", chunk).run(packedSilverRow(chunk, context));
    }
  }
}

/** An INSERT of every column `row` has (as SELECT * read it) into `table`. */
function insertOf(prepared: Prepare, table: string, row: Row): Database.Statement {
  const columns = Object.keys(row);
  return prepared(
    `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map((c) => `@${c}`).join(", ")})`,
  );
}
