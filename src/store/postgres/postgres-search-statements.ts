// The search statements of the PostgreSQL backend (kept apart from postgres-search-index.ts for file size).
// `$1` is always the workspace id (9).
import type { KeywordPlan } from "../../search/keyword-plan.js";
import type { KeywordQuery } from "../../search/search-index-port.js";
import { keywordTsvSql } from "./postgres-gold-forms.js";
import { silverTextHashSql } from "./postgres-silver-forms.js";

/**
 * ts_rank_cd weights {D, C, B, A}: wp_id D, packet C, description B, title A, in the ratios of SQLite's bm25
 * weights (wp_id 1, packet 1, description 2, title 4), so a title hit outranks the same word in the body.
 */
const RANK_WEIGHTS = "'{0.25, 0.25, 0.5, 1.0}'";
/** ts_rank_cd normalization 1: divides by 1 + log(document length), BM25's preference for focused documents. */
const RANK_NORMALIZATION = 1;

/**
 * A WP's keyword row and Silver chunks after a write, in one statement that nothing waits for (issue 16): $2 wp_id,
 * $3 bronze_id, $4 keyword_hash, $5 silver_hash (bytes: hashBytes), $6..$8 title, description, packet (the
 * tsvector is computed from them; the texts are not stored: postgres-gold-forms.ts), $9..$15 the chunks' arrays of silver_id (bytes), kind (code), ordinal, prefix and text_hash as stored
 * (postgres-silver-forms.ts's storedChunkTexts), content and text hash (what an old embedding is matched by). The
 * hashes stored before the statement decide: the row is rewritten only when a hash changed, the chunks only when
 * the Silver hash did, and a chunk whose embedded text was already embedded with the index's current model keeps
 * that embedding (every other chunk is queued, embedding NULL). change_seq takes the workspace's next value: jobs
 * of a workspace write one at a time under its lock, so MAX + 1 cannot race. Chunks are written in the short forms
 * of postgres-silver-forms.ts (issue 20, thirteenth part): the Bronze id and the model are NULL; when the keyword
 * row takes a new Bronze id and the chunks stay, they keep theirs (`kept_ids`).
 */
export const INDEX_DOCUMENT = `WITH before AS (
         SELECT bronze_id, keyword_hash, silver_hash FROM search_docs WHERE workspace_id = $1 AND wp_id = $2),
       silver_changed AS (SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM before WHERE silver_hash = $5)),
       kept_ids AS (
         UPDATE search_silver s SET bronze_id = b.bronze_id FROM before b
         WHERE b.silver_hash = $5 AND b.keyword_hash IS DISTINCT FROM $4 AND b.bronze_id IS DISTINCT FROM $3
           AND s.workspace_id = $1 AND s.wp_id = $2 AND s.bronze_id IS NULL),
       doc AS (
         INSERT INTO search_docs (workspace_id, wp_id, bronze_id, keyword_hash, silver_hash, change_seq, tsv)
         VALUES ($1, $2, $3, $4, $5,
           (SELECT COALESCE(MAX(change_seq), 0) + 1 FROM search_docs WHERE workspace_id = $1),
           ${keywordTsvSql("$6::text", "$7::text", "$8::text", "$2")})
         ON CONFLICT (workspace_id, wp_id) DO UPDATE SET bronze_id = excluded.bronze_id,
           keyword_hash = excluded.keyword_hash, silver_hash = excluded.silver_hash, change_seq = excluded.change_seq,
           tsv = excluded.tsv
         WHERE search_docs.keyword_hash IS DISTINCT FROM excluded.keyword_hash
           OR search_docs.silver_hash IS DISTINCT FROM excluded.silver_hash
         RETURNING 1),
       old AS (
         DELETE FROM search_silver WHERE workspace_id = $1 AND wp_id = $2 AND EXISTS (SELECT 1 FROM silver_changed)
         RETURNING ${silverTextHashSql("search_silver")} AS text_hash, model, embedding),
       current_model AS (SELECT value FROM search_meta WHERE workspace_id = $1 AND key = 'model')
       INSERT INTO search_silver (workspace_id, silver_id, wp_id, kind, ordinal, contextual_prefix, content,
         text_hash, embedding)
       SELECT $1, c.silver_id, $2, c.kind, c.ordinal, c.prefix, c.content, c.stored_hash, k.embedding
       FROM unnest($9::bytea[], $10::smallint[], $11::smallint[], $12::text[], $13::text[], $14::text[],
         $15::text[]) AS c(silver_id, kind, ordinal, prefix, stored_hash, content, text_hash)
       LEFT JOIN LATERAL (
         SELECT o.embedding FROM old o
         WHERE o.text_hash = c.text_hash AND o.embedding IS NOT NULL
           AND (o.model IS NULL OR o.model = (SELECT value FROM current_model))
         LIMIT 1) k ON true
       WHERE EXISTS (SELECT 1 FROM silver_changed)`;

/**
 * INDEX_DOCUMENT's keyword row for many WPs ($2..$8 arrays, in order; the hashes as bytes): change_seq counts on
 * from the workspace's highest.
 */
export const UPSERT_DOCS = `INSERT INTO search_docs (workspace_id, wp_id, bronze_id, keyword_hash, silver_hash, change_seq, tsv)
       SELECT $1, d.wp_id, d.bronze_id, d.keyword_hash, d.silver_hash,
         (SELECT COALESCE(MAX(change_seq), 0) FROM search_docs WHERE workspace_id = $1) + d.n,
         ${keywordTsvSql("d.title", "d.description", "d.packet", "d.wp_id")}
       FROM unnest($2::text[], $3::text[], $4::bytea[], $5::bytea[], $6::text[], $7::text[], $8::text[])
         WITH ORDINALITY AS d(wp_id, bronze_id, keyword_hash, silver_hash, title, description, packet, n)
       ON CONFLICT (workspace_id, wp_id) DO UPDATE SET bronze_id = excluded.bronze_id,
         keyword_hash = excluded.keyword_hash, silver_hash = excluded.silver_hash, change_seq = excluded.change_seq,
         tsv = excluded.tsv`;

/**
 * INDEX_DOCUMENT's chunks for many WPs: $2 their ids, $3..$10 one array entry per chunk (its wp_id first). A chunk's
 * Bronze id is its WP's search_docs.bronze_id, which UPSERT_DOCS wrote: not stored (postgres-silver-forms.ts).
 */
export const REPLACE_SILVERS = `WITH old AS (
         DELETE FROM search_silver WHERE workspace_id = $1 AND wp_id = ANY($2::text[])
         RETURNING wp_id, ${silverTextHashSql("search_silver")} AS text_hash, model, embedding),
       current_model AS (SELECT value FROM search_meta WHERE workspace_id = $1 AND key = 'model')
       INSERT INTO search_silver (workspace_id, silver_id, wp_id, kind, ordinal, contextual_prefix, content,
         text_hash, embedding)
       SELECT $1, c.silver_id, c.wp_id, c.kind, c.ordinal, c.prefix, c.content, c.stored_hash, k.embedding
       FROM unnest($3::text[], $4::bytea[], $5::smallint[], $6::smallint[], $7::text[], $8::text[], $9::text[],
         $10::text[]) AS c(wp_id, silver_id, kind, ordinal, prefix, stored_hash, content, text_hash)
       LEFT JOIN LATERAL (
         SELECT o.embedding FROM old o
         WHERE o.wp_id = c.wp_id AND o.text_hash = c.text_hash AND o.embedding IS NOT NULL
           AND (o.model IS NULL OR o.model = (SELECT value FROM current_model))
         LIMIT 1) k ON true`;

/**
 * Embeddings of queued chunks ($3 their WPs, $4 ids as bytes, $5 vectors) by model $2, stored only while $2 is the
 * index's model: the model column stays NULL, the index's (postgres-silver-forms.ts). Chunks rewritten or deleted
 * since they were read no longer match a NULL embedding: skipped. The rows are found by their WPs through
 * search_silver_by_wp, and "embedding IS NULL" is written so that no partial index can serve it: right after a
 * bulk queue (a new model, a sync) the partial indexes' statistics still say they are empty, and the planner scanned
 * the whole queue of the workspace for every batch (a drain of 20,000 chunks: 20 s, 2.3 s before).
 */
export const PUT_EMBEDDINGS = `UPDATE search_silver s SET embedding = v.embedding, model = NULL
       FROM unnest($3::text[], $4::bytea[], $5::bytea[]) AS v(wp_id, silver_id, embedding)
       WHERE s.workspace_id = $1 AND s.wp_id = ANY($3::text[]) AND s.wp_id = v.wp_id AND s.silver_id = v.silver_id
         AND coalesce(octet_length(s.embedding), -1) = -1
         AND EXISTS (SELECT 1 FROM search_meta m WHERE m.workspace_id = $1 AND m.key = 'model' AND m.value = $2)
       RETURNING s.wp_id`;

/**
 * The keyword query: WPs passing the section 7 filters (`where` over `w`, with `filterParams` parameters from $2)
 * that hold what `plan` asks (src/search/keyword-plan.ts: at least m of the n distinct terms, as the OR of m-term
 * AND groups, without the groups of common terms only when the query has a rarer one), best ts_rank_cd first,
 * ties by WP id (so a rebuild ranks exactly like the incremental path). The GIN index answers the tsquery
 * directly; past MAX_GROUPS groups it is the OR of the terms plus a count of the terms each candidate holds (exact
 * too, only slower). A plan of common terms only matches and ranks the titles' tsvectors (search_titles, migration 8),
 * as SQLite ranks its title index. Each term is a phraseto_tsquery, so a term with inner punctuation ("sign-in",
 * "wp-7") is matched as a phrase, as FTS5 does with a quoted term.
 */
export function keywordSearchSql(
  query: KeywordQuery,
  plan: KeywordPlan,
  /** The section 7 filters over `w`; undefined when the search keeps every live WP (isUnfiltered). */
  where: string | undefined,
  filterParams: number,
): { sql: string; values: unknown[] } {
  const { terms } = query;
  const required = Math.min(Math.max(1, query.minimum_should_match), terms.length);
  const first = filterParams + 2;
  // Only the terms the plan keeps are bound (a parameter no statement names has no type PostgreSQL can infer).
  const used = [...new Set(plan.groups.flat())].sort((a, b) => a - b);
  const term = (i: number): string => `phraseto_tsquery('locus_english', $${first + used.indexOf(i)})`;
  const tsquery = plan.groups.map((group) => `(${group.map(term).join(" && ")})`).join(" || ");
  const enough = plan.exact
    ? ""
    : ` AND (${terms.map((_, i) => `(d.tsv @@ ${term(i)})::int`).join(" + ")}) >= ${required}`;
  // Titles rank by ts_rank: a title is a few words, so cover density adds nothing there, and over the many titles
  // holding common words ts_rank costs about half as much (at 100K WPs, ~13,500 titles for two such words).
  const rank = plan.titles
    ? `ts_rank(d.title_tsv, ${tsquery}, ${RANK_NORMALIZATION})`
    : `ts_rank_cd(${RANK_WEIGHTS}, d.tsv, ${tsquery}, ${RANK_NORMALIZATION})`;
  // Without filters (deleted WPs leave the index in their delete job) the WPs' table is not joined: the join read
  // every WP of the workspace to keep them all (at 100K WPs, more than the search itself).
  const join = where === undefined ? "" : " JOIN work_packets w ON w.workspace_id = $1 AND w.wp_id = d.wp_id";
  const sql = `SELECT d.wp_id, ${rank} AS rank
    FROM ${plan.titles ? "search_titles" : "search_docs"} d${join}
    WHERE d.workspace_id = $1 AND ${plan.titles ? "d.title_tsv" : "d.tsv"} @@ (${tsquery})${where === undefined ? "" : ` AND ${where}`}${enough}
    ORDER BY rank DESC, d.wp_id LIMIT $${first + used.length}`;
  return { sql, values: [...used.map((i) => terms[i]), query.limit] };
}

/** The documents of the workspace holding `$2` (a term), counted up to `$3` (enough to know it is common). */
export const COUNT_TERM_DOCS = `SELECT COUNT(*) AS n FROM (SELECT 1 FROM search_docs
       WHERE workspace_id = $1 AND tsv @@ phraseto_tsquery('locus_english', $2) LIMIT $3) AS found`;

/** The workspace's newest change_seq: a cheap clock of how much the index changed (one index probe). */
export const LAST_CHANGE_SEQ =
  "SELECT COALESCE(MAX(change_seq), 0) AS seq FROM search_docs WHERE workspace_id = $1";

/** The workspace's indexed WPs (an index scan of the workspace's rows: counted rarely, see commonTerms). */
export const COUNT_DOCS = "SELECT COUNT(*) AS n FROM search_docs WHERE workspace_id = $1 AND tsv IS NOT NULL";
