import { keywordFieldsOf } from "../../search/search-document.js";
import type { KeywordFields } from "../../search/search-index-port.js";
import { kindOfColumn } from "./postgres-silver-forms.js";

// Issue 20, eighteenth part (PostgreSQL migration 22): Gold, the keyword index, without a second copy of its texts.
// A search_docs row held a WP's keyword texts (title, description, packet: ~200 bytes) beside the tsvector
// generated from them (~450), and its two hashes as hex text (65 bytes each); 913 bytes a WP at 2,000 WPs.
// - The texts are gone. They are keywordFieldsOf the WP's Silver chunks (search-document.ts: Gold is made from
//   Silver), which hold them once already: documentTexts reads them there (DOCUMENT_TEXTS), the rebuild takes them
//   from Silver as before, and a job hands them to the statement that computes the tsvector (keywordTsvSql).
// - The tsvector is an ordinary column, written by those statements as the generated column computed it. It is
//   kept rather than computed from the texts at query time: ts_rank_cd reads it for every candidate a query
//   ranks, and phrase terms need its positions.
// - A row is indexed while its tsvector is not NULL (was: its title); removeWp and the rebuild set it NULL.
// - The hashes are bytea in the forms of event-rows.ts's hash columns (32 bytes for a lowercase hex sha256;
//   any other text as its UTF-8, behind a zero byte when it is 32 bytes long): hashBytes writes, hashFromColumn
//   reads, and SQL compares bytes with bytes.
// - change_seq is the first column, so that no padding aligns it (8 bytes after the texts of the row).
// - search_titles (migration 8) stays: the titles' tsvector of a row is the weight-A part of its tsvector
//   (the title is first, so its positions are its own), which its trigger now takes (titleTsvSql).
// Jobs write these forms; rows written before are copied into them by the migration, once.

/** The text search configuration of Gold (migration 3). */
const CONFIG = "'locus_english'::regconfig";

/**
 * SQL: a WP's keyword tsvector from its texts and id, as migration 3's generated column computed it: title A,
 * description B, packet C, wp_id D. NULL when the title is NULL.
 */
export const keywordTsvSql = (title: string, description: string, packet: string, wpId: string): string =>
  `setweight(to_tsvector(${CONFIG}, ${title}), 'A') ||
    setweight(to_tsvector(${CONFIG}, coalesce(${description}, '')), 'B') ||
    setweight(to_tsvector(${CONFIG}, coalesce(${packet}, '')), 'C') ||
    setweight(to_tsvector(${CONFIG}, ${wpId}), 'D')`;

/** SQL: the titles' tsvector of a keyword tsvector: its title lexemes and positions, unweighted (to_tsvector's). */
export const titleTsvSql = (tsv: string): string => `setweight(ts_filter(${tsv}, '{a}'), 'D')`;

/**
 * The keyword texts of the WPs in `$2` that are indexed, from their Silver chunks (the texts the keyword row was
 * made from), in chunk order.
 */
export const DOCUMENT_TEXTS = `SELECT s.wp_id, s.kind, s.content FROM search_silver s
       WHERE s.workspace_id = $1 AND s.wp_id = ANY($2::text[]) AND EXISTS (SELECT 1 FROM search_docs d
         WHERE d.workspace_id = $1 AND d.wp_id = s.wp_id AND d.tsv IS NOT NULL)
       ORDER BY s.wp_id, s.kind, s.ordinal`;

/** DOCUMENT_TEXTS' rows as each WP's keyword fields. */
export function keywordTextsOfRows(rows: readonly Record<string, unknown>[]): Map<string, KeywordFields> {
  const chunks = new Map<string, { kind: ReturnType<typeof kindOfColumn>; content: string }[]>();
  for (const row of rows) {
    const wpId = row.wp_id as string;
    const list = chunks.get(wpId) ?? [];
    list.push({ kind: kindOfColumn(row.kind), content: row.content as string });
    chunks.set(wpId, list);
  }
  return new Map([...chunks].map(([wpId, list]) => [wpId, keywordFieldsOf(list)]));
}

/** SQL: the bytea of a hash kept as text, in the forms of hashBytes. */
const hashBytesSql = (column: string): string => `CASE
    WHEN ${column} ~ '^[0-9a-f]{64}$' THEN decode(${column}, 'hex')
    WHEN octet_length(${column}) = 32 THEN decode('00', 'hex') || convert_to(${column}, 'UTF8')
    ELSE convert_to(${column}, 'UTF8') END`;

/**
 * The trigger of migration 8, on the tsvector: search_titles follows the weight-A part of search_docs.tsv on
 * every path that writes it, and is left alone when that part does not change (a change_seq bump, a description).
 */
const FOLLOW_TITLES = `
  CREATE OR REPLACE FUNCTION locus_follow_search_titles() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.tsv IS NOT DISTINCT FROM NEW.tsv
        OR ${titleTsvSql("OLD.tsv")} IS NOT DISTINCT FROM ${titleTsvSql("NEW.tsv")}) THEN
      RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
      DELETE FROM search_titles WHERE workspace_id = OLD.workspace_id AND wp_id = OLD.wp_id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.tsv IS NOT NULL THEN
      INSERT INTO search_titles (workspace_id, wp_id, title_tsv)
      VALUES (NEW.workspace_id, NEW.wp_id, ${titleTsvSql("NEW.tsv")});
    END IF;
    RETURN NULL;
  END $fn$;
  DROP TRIGGER IF EXISTS search_titles_follow ON search_docs;
  CREATE TRIGGER search_titles_follow AFTER INSERT OR UPDATE OR DELETE ON search_docs
    FOR EACH ROW EXECUTE FUNCTION locus_follow_search_titles();`;

/**
 * Migration 22: search_docs copied once into a new table in the forms above (the tsvector as computed, the hashes
 * as bytes, the texts left out), its keys made again, and the titles' trigger taken from the tsvector. Reruns
 * safely: the copy runs only while the table still has its texts, and the trigger is replaced each time (a store
 * set back before migration 8 gets that migration's trigger back until this one runs again).
 */
export const GOLD_FORMS_MIGRATION = `
  DO $gold$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'search_docs'::regclass AND attname = 'title'
        AND NOT attisdropped) THEN
      DROP TABLE IF EXISTS search_docs_short;
      CREATE TABLE search_docs_short (
        change_seq BIGINT NOT NULL,
        workspace_id TEXT COLLATE "C" NOT NULL,
        wp_id TEXT COLLATE "C" NOT NULL,
        bronze_id TEXT,
        keyword_hash BYTEA,
        silver_hash BYTEA,
        tsv TSVECTOR
      );
      INSERT INTO search_docs_short
        SELECT change_seq, workspace_id, wp_id, bronze_id, ${hashBytesSql("keyword_hash")},
          ${hashBytesSql("silver_hash")}, tsv
        FROM search_docs ORDER BY workspace_id, wp_id;
      DROP TABLE search_docs;
      ALTER TABLE search_docs_short RENAME TO search_docs;
      ALTER TABLE search_docs ADD PRIMARY KEY (workspace_id, wp_id);
      CREATE INDEX search_docs_by_change ON search_docs (workspace_id, change_seq);
      CREATE INDEX search_docs_keyword ON search_docs USING GIN (tsv);
      ANALYZE search_docs;
    END IF;
  END $gold$;
  ${FOLLOW_TITLES}
`;
