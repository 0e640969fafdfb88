import type Database from "better-sqlite3";
import type { ChunkKind } from "../../search/chunking.js";
import { COMMON_MIN_DOCS, COMMON_SHARE, isUnfiltered } from "../../search/keyword-plan.js";
import { keywordFieldsOf, keywordHashOf } from "../../search/search-document.js";
import type {
  KeywordFields,
  KeywordQuery,
  LatestSnapshot,
  PendingChunk,
  SearchDocument,
  SearchIndexPort,
  SearchIndexState,
  VectorChanges,
} from "../../search/search-index-port.js";
import { snapshotOfDocColumn } from "../bronze-rows.js";
import { storedHash } from "../event-rows.js";
import type { WpQuery } from "../store-port.js";
import { withBronzeBlocks } from "./sqlite-bronze-blocks.js";
import { keywordMatch, quoteTerm } from "./sqlite-keyword-match.js";
import { writeKeywordRow, writeSearchDocument } from "./sqlite-search-docs.js";
import { pendingChunks, putEmbeddings, silverTexts, vectorChanges } from "./sqlite-silver.js";
import { kindSql } from "./sqlite-silver-forms.js";
import { buildWpQuery } from "./sqlite-wp-query.js";

// Section 9 on SQLite (tables: migrations 3 and 4 of sqlite-schema.ts). Gold keyword index: FTS5 with the porter
// stemmer, ranked by bm25() with the title weighted above description and packet, and the titles alone in a
// second FTS5 index for queries made only of common words (brought up to date by the query that needs it, not
// by every write: catchUpTitles). Silver: chunk rows
// whose NULL embedding is the embedding queue. Every method runs on the job's connection, inside its
// transaction, so the keyword index commits with the WP write (same-job visibility). The Silver rows and
// their embeddings: sqlite-silver.ts.

type Row = Record<string, unknown>;

/** OR candidates ranked before the share-of-terms filter (queries with too many AND groups). */
const CANDIDATES = 200;
/** search_meta key: the last search_docs.change_seq copied into the title index. */
const TITLES_SEQ = "titles_seq";

/** An FTS5 index to match and rank on, and where each hit's WP id comes from. */
interface KeywordSource {
  readonly table: string;
  readonly from: string;
  readonly wpId: string;
}
const KEYWORD_SOURCE: KeywordSource = { table: "search_fts", from: "search_fts", wpId: "search_fts.wp_id" };
/** The title index holds only titles: WP ids come from search_docs (doc_id = its rowid). */
const TITLES_SOURCE: KeywordSource = {
  table: "search_titles",
  from: "search_titles JOIN search_docs d ON d.doc_id = search_titles.rowid",
  wpId: "d.wp_id",
};
const compare = (a: unknown, b: unknown): number =>
  String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;

/** SearchIndexPort of the SQLite backend (one per connection; statements are prepared once). */
export class SqliteSearchIndex implements SearchIndexPort {
  private readonly statements = new Map<string, Database.Statement>();
  /** Documents per query term, with the index size when counted (commonTerms). */
  private readonly termCounts = new Map<string, { docs: number; size: number }>();

  constructor(private readonly db: Database.Database) {}

  /** The statement for `sql`, prepared once per connection. */
  prepared(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** The next change sequence number of search_docs (what vector caches follow). */
  nextChangeSeq(): number {
    const row = this.prepared("SELECT IFNULL(MAX(change_seq), 0) + 1 AS n FROM search_docs").get() as Row;
    return row.n as number;
  }

  /** A search_meta value (the embedding model, the generation). */
  meta(key: string): string | undefined {
    const row = this.prepared("SELECT value FROM search_meta WHERE key = ?").get(key) as Row | undefined;
    return row?.value as string | undefined;
  }

  private setMeta(key: string, value: string): void {
    this.prepared("INSERT OR REPLACE INTO search_meta (key, value) VALUES (?, ?)").run(key, value);
  }

  private bumpGeneration(): void {
    this.setMeta("generation", String(Number(this.meta("generation") ?? 0) + 1));
  }

  async indexDocument(doc: SearchDocument, newSilverId: () => string): Promise<void> {
    writeSearchDocument(this, doc, newSilverId, this.meta("model"), () => this.nextChangeSeq());
  }

  /** Many documents at once (a sync's): the model and the change sequence are read once, not once a WP. */
  async indexDocuments(docs: readonly SearchDocument[], newSilverId: () => string): Promise<void> {
    const model = this.meta("model");
    let next = this.nextChangeSeq();
    for (const doc of docs) writeSearchDocument(this, doc, newSilverId, model, () => next++);
  }

  async removeWp(wpId: string): Promise<void> {
    const row = this.prepared("SELECT doc_id FROM search_docs WHERE wp_id = ?").get(wpId) as Row | undefined;
    if (row === undefined) return;
    this.prepared("DELETE FROM search_fts WHERE rowid = ?").run(row.doc_id);
    this.prepared("DELETE FROM search_silver WHERE wp_id = ?").run(wpId);
    this.prepared(
      "UPDATE search_docs SET bronze_id = NULL, keyword_hash = NULL, silver_hash = NULL, change_seq = ? WHERE doc_id = ?",
    ).run(this.nextChangeSeq(), row.doc_id);
  }

  async keywordSearch(query: KeywordQuery): Promise<string[]> {
    const { terms, limit } = query;
    if (terms.length === 0 || limit <= 0) return [];
    const required = Math.min(Math.max(1, query.minimum_should_match), terms.length);
    const { match, exact, titles } = keywordMatch(terms, required, this.commonTerms(terms));
    const depth = exact ? limit : Math.max(CANDIDATES, limit);
    if (titles) this.catchUpTitles();
    const source = titles ? TITLES_SOURCE : KEYWORD_SOURCE;
    const rows = isUnfiltered(query.filters)
      ? // Deleted WPs leave the index in their delete job, so without filters no join with work_packets is
        // needed, and FTS5 can sort by its own rank (bm25 with the weights set in migration 3).
        (this.prepared(
          `SELECT ${source.table}.rowid AS doc_id, ${source.wpId} AS wp_id, ${source.table}.rank AS rank
           FROM ${source.from} WHERE ${source.table} MATCH ? ORDER BY ${source.table}.rank, ${source.wpId} LIMIT ?`,
        ).all(match, depth) as Row[])
      : this.filteredKeywordRows(source, match, query.filters, depth);
    // Equal ranks tie-break by WP id, in SQL too, so that the cut at `depth` keeps the same WPs whatever their
    // rowids: a rebuild (new rowids) ranks exactly as the incremental path.
    rows.sort((a, b) => (a.rank as number) - (b.rank as number) || compare(a.wp_id, b.wp_id));
    const kept = exact ? rows : this.withEnoughTerms(rows, terms, required);
    return kept.slice(0, limit).map((r) => r.wp_id as string);
  }

  /** Terms found in more than COMMON_SHARE of the WPs (counts cached per term, refreshed as the index grows). */
  private commonTerms(terms: readonly string[]): Set<string> {
    const size = (this.prepared("SELECT IFNULL(MAX(doc_id), 0) AS n FROM search_docs").get() as Row)
      .n as number;
    const common = new Set<string>();
    if (size < COMMON_MIN_DOCS) return common;
    const count = this.prepared("SELECT COUNT(*) AS n FROM search_fts WHERE search_fts MATCH ?");
    for (const term of terms) {
      let cached = this.termCounts.get(term);
      if (cached === undefined || Math.abs(size - cached.size) > cached.size * 0.1) {
        if (this.termCounts.size >= 10_000) this.termCounts.clear();
        cached = { docs: (count.get(quoteTerm(term)) as Row).n as number, size };
        this.termCounts.set(term, cached);
      }
      if (cached.docs > COMMON_SHARE * size) common.add(term);
    }
    return common;
  }

  /**
   * Brings the title index up to the keyword index. It is kept off the write path (a second FTS5 table
   * written by every job cost ~0.1 ms per write): documents changed since the last catch-up, found by
   * search_docs.change_seq, are copied in one go before a query that needs the titles.
   */
  private catchUpTitles(): void {
    const after = Number(this.meta(TITLES_SEQ) ?? 0);
    const changed = this.prepared(
      `SELECT d.doc_id, d.change_seq, f.title FROM search_docs d LEFT JOIN search_fts f ON f.rowid = d.doc_id
       WHERE d.change_seq > ? ORDER BY d.change_seq`,
    ).all(after) as Row[];
    if (changed.length === 0) return;
    const remove = this.prepared("DELETE FROM search_titles WHERE rowid = ?");
    const insert = this.prepared("INSERT INTO search_titles (rowid, title) VALUES (?, ?)");
    for (const row of changed) {
      remove.run(row.doc_id);
      if (row.title !== null) insert.run(row.doc_id, row.title);
    }
    this.setMeta(TITLES_SEQ, String(changed.at(-1)?.change_seq));
  }

  private filteredKeywordRows(source: KeywordSource, match: string, filters: WpQuery, depth: number): Row[] {
    const { where, params } = buildWpQuery(filters);
    return this.prepared(
      `SELECT ${source.table}.rowid AS doc_id, ${source.wpId} AS wp_id, ${source.table}.rank AS rank
       FROM ${source.from} JOIN work_packets w ON w.wp_id = ${source.wpId}
       WHERE ${source.table} MATCH ? AND ${where} ORDER BY ${source.table}.rank, ${source.wpId} LIMIT ?`,
    ).all(match, ...params, depth) as Row[];
  }

  /** Keeps the rows holding at least `required` distinct terms: one lookup per term over the candidates. */
  private withEnoughTerms(rows: Row[], terms: readonly string[], required: number): Row[] {
    const hits = new Map<number, number>();
    const candidateIds = JSON.stringify(rows.map((r) => r.doc_id));
    const perTerm = this.prepared(
      "SELECT rowid FROM search_fts WHERE search_fts MATCH ? AND rowid IN (SELECT value FROM json_each(?))",
    );
    for (const term of terms) {
      for (const r of perTerm.all(quoteTerm(term), candidateIds) as Row[]) {
        const id = r.rowid as number;
        hits.set(id, (hits.get(id) ?? 0) + 1);
      }
    }
    return rows.filter((r) => (hits.get(r.doc_id as number) ?? 0) >= required);
  }

  async filterWpIds(wpIds: readonly string[], filters: WpQuery): Promise<Set<string>> {
    if (wpIds.length === 0) return new Set();
    const { where, params } = buildWpQuery(filters);
    // CROSS JOIN fixes the join order: one primary-key lookup per candidate. Written as `wp_id IN (...)
    // AND <filters>`, the planner preferred the (deleted, status) index and scanned every WP: ~10 ms per
    // call at 100K WPs, twice per hybrid search (section 12: search p99 < 50 ms).
    const rows = this.prepared(
      `SELECT w.wp_id FROM json_each(?) j CROSS JOIN work_packets w ON w.wp_id = j.value WHERE ${where}`,
    ).all(JSON.stringify(wpIds), ...params) as Row[];
    return new Set(rows.map((r) => r.wp_id as string));
  }

  async documentTexts(wpIds: readonly string[]): Promise<Map<string, KeywordFields>> {
    const rows = this.prepared(
      `SELECT d.wp_id, f.title, f.description, f.packet FROM search_docs d JOIN search_fts f ON f.rowid = d.doc_id
       WHERE d.wp_id IN (SELECT value FROM json_each(?))`,
    ).all(JSON.stringify(wpIds)) as Row[];
    return new Map(
      rows.map((r) => [
        r.wp_id as string,
        { title: r.title as string, description: r.description as string, packet: r.packet as string },
      ]),
    );
  }

  async state(): Promise<SearchIndexState> {
    const pending = this.prepared(
      "SELECT COUNT(*) AS n FROM search_silver WHERE embedding IS NULL",
    ).get() as Row;
    const chunks = this.prepared("SELECT COUNT(*) AS n FROM search_silver").get() as Row;
    return {
      model: this.meta("model"),
      generation: Number(this.meta("generation") ?? 0),
      pending: pending.n as number,
      chunks: chunks.n as number,
    };
  }

  async version(): Promise<{ model: string | undefined; generation: number }> {
    return { model: this.meta("model"), generation: Number(this.meta("generation") ?? 0) };
  }

  async useModel(model: string): Promise<boolean> {
    const current = this.meta("model");
    if (current === model) return false;
    // Section 9: vectors record their model; a new model re-embeds everything, never a mix.
    this.prepared(
      "UPDATE search_silver SET embedding = NULL, model = NULL WHERE embedding IS NOT NULL",
    ).run();
    this.setMeta("model", model);
    this.bumpGeneration();
    return true;
  }

  // Silver: the chunk rows and their embeddings live in sqlite-silver.ts.
  async pendingChunks(limit: number): Promise<PendingChunk[]> {
    return pendingChunks(this, limit);
  }

  async putEmbeddings(
    model: string,
    items: readonly { silver_id: string; vector: Float32Array }[],
  ): Promise<number> {
    return putEmbeddings(this, model, items);
  }

  async vectorChanges(afterSeq: number, model: string, maxWps: number): Promise<VectorChanges> {
    return vectorChanges(this, afterSeq, model, maxWps);
  }

  async latestSnapshots(afterWpId: string, limit: number): Promise<LatestSnapshot[]> {
    const rows = this.prepared(
      `SELECT b.rowid AS bronze_rowid, b.wp_id, b.bronze_id, b.doc FROM bronze b
       WHERE b.wp_id IN (SELECT DISTINCT wp_id FROM bronze WHERE wp_id > ? ORDER BY wp_id LIMIT ?)
         AND b.version = (SELECT MAX(x.version) FROM bronze x WHERE x.wp_id = b.wp_id)
       ORDER BY b.wp_id, b.bronze_id DESC`,
    ).all(afterWpId, limit) as Row[];
    const out: LatestSnapshot[] = [];
    for (const r of withBronzeBlocks((sql) => this.prepared(sql), rows)) {
      if (out.length > 0 && out[out.length - 1]?.snapshot.wp_id === r.wp_id) continue;
      out.push({ bronze_id: r.bronze_id as string, snapshot: snapshotOfDocColumn(r.doc) });
    }
    return out;
  }

  async clearSilver(): Promise<void> {
    this.db.exec(
      "DELETE FROM search_silver; DELETE FROM search_fts; DELETE FROM search_titles; DELETE FROM search_docs;",
    );
    this.setMeta(TITLES_SEQ, "0");
    this.bumpGeneration();
  }

  async rebuildKeywordIndex(): Promise<number> {
    this.db.exec(
      "DELETE FROM search_fts; DELETE FROM search_titles; UPDATE search_docs SET keyword_hash = NULL;",
    );
    this.setMeta(TITLES_SEQ, "0");
    const page = this.prepared(
      `SELECT s.wp_id, ${kindSql("s")} AS kind, s.content, d.doc_id FROM search_silver s
       JOIN search_docs d ON d.wp_id = s.wp_id
       WHERE s.wp_id IN (SELECT DISTINCT wp_id FROM search_silver WHERE wp_id > ? ORDER BY wp_id LIMIT 500)
       ORDER BY s.wp_id, 2, s.ordinal`,
    );
    const setHash = this.prepared("UPDATE search_docs SET keyword_hash = ? WHERE doc_id = ?");
    let after = "";
    let count = 0;
    for (;;) {
      const rows = page.all(after) as Row[];
      if (rows.length === 0) break;
      const byWp = new Map<string, { docId: number; chunks: { kind: ChunkKind; content: string }[] }>();
      for (const r of rows) {
        const entry = byWp.get(r.wp_id as string) ?? { docId: r.doc_id as number, chunks: [] };
        entry.chunks.push({ kind: r.kind as ChunkKind, content: silverTexts(r).content });
        byWp.set(r.wp_id as string, entry);
      }
      for (const [wpId, { docId, chunks }] of byWp) {
        const fields = keywordFieldsOf(chunks);
        writeKeywordRow(this, docId, wpId, fields, false);
        setHash.run(storedHash(keywordHashOf(fields)), docId); // as writeSearchDocument stores it
        count++;
        after = wpId;
      }
    }
    this.catchUpTitles();
    this.bumpGeneration();
    return count;
  }
}
