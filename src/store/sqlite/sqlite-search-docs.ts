import type { KeywordFields, SearchDocument } from "../../search/search-index-port.js";
import { hashFromColumn, storedHash } from "../event-rows.js";
import { keepSilverBronzeIds, replaceSilver, type SilverIndex } from "./sqlite-silver.js";

// Section 9 on SQLite, the write side of a WP's search rows: its search_docs row (the hashes that tell what
// changed, and the change sequence vector caches follow), its keyword row in search_fts, and its Silver chunks.
// Issue 20, fifth part: the two hashes are stored as their 32 bytes (storedHash; any other text as it is), and
// read back as hex (hashFromColumn), so rows written before, as text, compare as they did.

type Row = Record<string, unknown>;

/**
 * Brings one WP's search rows up to date; `nextSeq` gives its change sequence when something changed, `model` is
 * the index's embedding model (read once by a caller that writes many).
 */
export function writeSearchDocument(
  index: SilverIndex,
  doc: SearchDocument,
  newSilverId: () => string,
  model: string | undefined,
  nextSeq: () => number,
): void {
  const row = index
    .prepared("SELECT doc_id, bronze_id, keyword_hash, silver_hash FROM search_docs WHERE wp_id = ?")
    .get(doc.wp_id) as Row | undefined;
  const keywordChanged = row?.keyword_hash == null || hashFromColumn(row.keyword_hash) !== doc.keyword_hash;
  const silverChanged = row?.silver_hash == null || hashFromColumn(row.silver_hash) !== doc.silver_hash;
  if (!keywordChanged && !silverChanged) return;
  const seq = nextSeq();
  let docId: number;
  if (row === undefined) {
    const inserted = index
      .prepared(
        "INSERT INTO search_docs (wp_id, bronze_id, keyword_hash, silver_hash, change_seq) VALUES (?, ?, ?, ?, ?)",
      )
      .run(doc.wp_id, doc.bronze_id, storedHash(doc.keyword_hash), storedHash(doc.silver_hash), seq);
    docId = Number(inserted.lastInsertRowid);
  } else {
    docId = row.doc_id as number;
    // Packed chunks may leave their Bronze id to this row (sqlite-silver-forms.ts): kept ones get it back first.
    if (!silverChanged && row.bronze_id !== doc.bronze_id)
      keepSilverBronzeIds(index, doc.wp_id, row.bronze_id);
    index
      .prepared(
        "UPDATE search_docs SET bronze_id = ?, keyword_hash = ?, silver_hash = ?, change_seq = ? WHERE doc_id = ?",
      )
      .run(doc.bronze_id, storedHash(doc.keyword_hash), storedHash(doc.silver_hash), seq, docId);
  }
  if (keywordChanged) writeKeywordRow(index, docId, doc.wp_id, doc.keyword, row?.keyword_hash != null);
  if (silverChanged) replaceSilver(index, doc, newSilverId, model, row === undefined);
}

/** Writes the keyword row of a WP (its old one removed first when `exists`). */
export function writeKeywordRow(
  index: SilverIndex,
  docId: number,
  wpId: string,
  fields: KeywordFields,
  exists: boolean,
): void {
  if (exists) index.prepared("DELETE FROM search_fts WHERE rowid = ?").run(docId);
  index
    .prepared("INSERT INTO search_fts (rowid, wp_id, title, description, packet) VALUES (?, ?, ?, ?, ?)")
    .run(docId, wpId, fields.title, fields.description, fields.packet);
}
