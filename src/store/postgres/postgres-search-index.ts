import type { ChunkKind } from "../../search/chunking.js";
import { isUnfiltered, keywordPlan } from "../../search/keyword-plan.js";
import { keywordFieldsOf, keywordHashOf } from "../../search/search-document.js";
import type {
  ChunkVector,
  KeywordFields,
  KeywordQuery,
  LatestSnapshot,
  PendingChunk,
  SearchDocument,
  SearchIndexPort,
  SearchIndexState,
  VectorChanges,
} from "../../search/search-index-port.js";
import { quantizeVector } from "../../search/vector-quantization.js";
import { snapshotOfDocColumn } from "../bronze-rows.js";
import { hashBytes, hashFromColumn } from "../event-rows.js";
import type { WpQuery } from "../store-port.js";
import { chunkVectorOf } from "../vector-rows.js";
import { withBronzeBlocks } from "./postgres-bronze-blocks.js";
import { commonTermIndexes } from "./postgres-common-terms.js";
import { DOCUMENT_TEXTS, keywordTextsOfRows, keywordTsvSql } from "./postgres-gold-forms.js";
import { bronzeIdFromColumn } from "./postgres-key-forms.js";
import type { PostgresPipeline } from "./postgres-pipeline.js";
import {
  INDEX_DOCUMENT,
  keywordSearchSql,
  PUT_EMBEDDINGS,
  REPLACE_SILVERS,
  UPSERT_DOCS,
} from "./postgres-search-statements.js";
import {
  asWrittenIds,
  keepSilverBronzeIds,
  kindOfColumn,
  silverChunkArrays,
  silverIdBytes,
  silverIdOfColumn,
  silverPrefixSql,
} from "./postgres-silver-forms.js";
import { buildWpQuery } from "./postgres-wp-query.js";

// Section 9 on PostgreSQL (tables: migration 3 of postgres-schema.ts), the twin of sqlite-search-index.ts. Gold
// keyword index: a tsvector per WP ranked by ts_rank_cd (title > description > packet), its texts read from Silver
// (postgres-gold-forms.ts, migration 22). Silver: chunk
// rows whose NULL embedding is the embedding queue. Every method runs on the job's client inside its transaction
// (the keyword row commits with the WP write), and every statement is scoped by `$1` = the workspace (9).

type Row = Record<string, unknown>;

/** A hash column's text (bytes since migration 22), NULL kept. */
const hashOrNull = (value: unknown): string | null => (value == null ? null : hashFromColumn(value));

/** SearchIndexPort of the PostgreSQL backend, bound to one transaction's client and one workspace. */
export class PostgresSearchIndex implements SearchIndexPort {
  constructor(
    /** The transaction's statements; `$1` is the workspace. */
    private readonly pipeline: PostgresPipeline,
    /** One object per store: the in-memory vector index outlives this transaction-bound port (vector-cache.ts). */
    readonly cacheKey: object,
  ) {}

  /** A static statement, prepared once per connection, and its rows; `$1` is the workspace. */
  private async rows(sql: string, values: unknown[] = []): Promise<Row[]> {
    return this.pipeline.read(sql, values);
  }

  private async meta(key: string): Promise<string | undefined> {
    const sql = "SELECT value FROM search_meta WHERE workspace_id = $1 AND key = $2";
    return (await this.rows(sql, [key]))[0]?.value as string | undefined;
  }

  private async setMeta(key: string, value: string): Promise<void> {
    await this.rows(
      `INSERT INTO search_meta (workspace_id, key, value) VALUES ($1, $2, $3)
       ON CONFLICT (workspace_id, key) DO UPDATE SET value = excluded.value`,
      [key, value],
    );
  }

  private async bumpGeneration(): Promise<void> {
    await this.setMeta("generation", String(Number((await this.meta("generation")) ?? 0) + 1));
  }

  async indexDocument(doc: SearchDocument, newSilverId: () => string): Promise<void> {
    // One pipelined statement: the stored hashes decide in SQL what is rewritten (INDEX_DOCUMENT), so the job
    // does not wait for them (issue 16).
    const { title, description, packet } = doc.keyword;
    await this.pipeline.write(INDEX_DOCUMENT, [
      doc.wp_id,
      doc.bronze_id,
      hashBytes(doc.keyword_hash),
      hashBytes(doc.silver_hash),
      title,
      description,
      packet,
      ...silverChunkArrays([doc], newSilverId).slice(1), // one WP: its id is $2
    ]);
  }

  async indexDocuments(docs: readonly SearchDocument[], newSilverId: () => string): Promise<void> {
    if (docs.length === 0) return;
    const rows = await this.rows(
      `SELECT wp_id, bronze_id, keyword_hash, silver_hash FROM search_docs
       WHERE workspace_id = $1 AND wp_id = ANY($2::text[])`,
      [docs.map((doc) => doc.wp_id)],
    );
    const stored = new Map(
      rows.map((row) => [
        row.wp_id as string,
        { ...row, keyword_hash: hashOrNull(row.keyword_hash), silver_hash: hashOrNull(row.silver_hash) },
      ]),
    );
    const changed = docs.filter((doc) => {
      const row = stored.get(doc.wp_id);
      return row?.keyword_hash !== doc.keyword_hash || row?.silver_hash !== doc.silver_hash;
    });
    if (changed.length === 0) return;
    const pick = <T>(f: (doc: SearchDocument) => T) => changed.map(f);
    await keepSilverBronzeIds((sql, values) => this.rows(sql, values), changed, stored);
    await this.rows(UPSERT_DOCS, [
      pick((d) => d.wp_id),
      pick((d) => d.bronze_id),
      pick((d) => hashBytes(d.keyword_hash)),
      pick((d) => hashBytes(d.silver_hash)),
      pick((d) => d.keyword.title),
      pick((d) => d.keyword.description),
      pick((d) => d.keyword.packet),
    ]);
    const silver = changed.filter((doc) => stored.get(doc.wp_id)?.silver_hash !== doc.silver_hash);
    if (silver.length === 0) return;
    await this.rows(REPLACE_SILVERS, [
      silver.map((doc) => doc.wp_id),
      ...silverChunkArrays(silver, newSilverId),
    ]);
  }

  async removeWp(wpId: string): Promise<void> {
    await this.rows("DELETE FROM search_silver WHERE workspace_id = $1 AND wp_id = $2", [wpId]);
    await this.rows(
      `UPDATE search_docs SET bronze_id = NULL, keyword_hash = NULL, silver_hash = NULL, tsv = NULL,
         change_seq = (SELECT COALESCE(MAX(change_seq), 0) + 1 FROM search_docs WHERE workspace_id = $1)
       WHERE workspace_id = $1 AND wp_id = $2`,
      [wpId],
    );
  }

  async keywordSearch(query: KeywordQuery): Promise<string[]> {
    if (query.terms.length === 0 || query.limit <= 0) return [];
    const required = Math.min(Math.max(1, query.minimum_should_match), query.terms.length);
    const common = await commonTermIndexes(
      (sql, values) => this.rows(sql, values),
      this.cacheKey,
      query.terms,
    );
    const plan = keywordPlan(query.terms.length, required, common);
    const { where, params } = isUnfiltered(query.filters)
      ? { where: undefined, params: [] }
      : buildWpQuery(query.filters);
    const { sql, values } = keywordSearchSql(query, plan, where, params.length);
    const rows = await this.pipeline.readDynamic(sql, [...params, ...values]);
    return rows.map((r) => r.wp_id as string);
  }

  async filterWpIds(wpIds: readonly string[], filters: WpQuery): Promise<Set<string>> {
    if (wpIds.length === 0) return new Set();
    const { where, params } = buildWpQuery(filters);
    const sql = `SELECT w.wp_id FROM work_packets w WHERE ${where} AND w.wp_id = ANY($${params.length + 2}::text[])`;
    const rows = await this.pipeline.readDynamic(sql, [...params, [...wpIds]]);
    return new Set(rows.map((r) => r.wp_id as string));
  }

  async documentTexts(wpIds: readonly string[]): Promise<Map<string, KeywordFields>> {
    // Issue 20, eighteenth part: the texts the keyword row was made from are its WP's Silver chunks'.
    return keywordTextsOfRows(await this.rows(DOCUMENT_TEXTS, [[...wpIds]]));
  }

  async state(): Promise<SearchIndexState> {
    const counts = (
      await this.rows(
        `SELECT COUNT(*) FILTER (WHERE embedding IS NULL) AS pending, COUNT(*) AS chunks FROM search_silver
         WHERE workspace_id = $1`,
      )
    )[0];
    const { model, generation } = await this.version();
    return { model, generation, pending: Number(counts?.pending ?? 0), chunks: Number(counts?.chunks ?? 0) };
  }

  async version(): Promise<{ model: string | undefined; generation: number }> {
    const rows = await this.rows(
      "SELECT key, value FROM search_meta WHERE workspace_id = $1 AND key IN ('model', 'generation')",
    );
    const meta = new Map(rows.map((r) => [r.key as string, r.value as string]));
    return { model: meta.get("model"), generation: Number(meta.get("generation") ?? 0) };
  }

  async useModel(model: string): Promise<boolean> {
    if ((await this.meta("model")) === model) return false;
    // Section 9: vectors record their model; a new model re-embeds everything, never a mix.
    await this.rows(
      `UPDATE search_silver SET embedding = NULL, model = NULL
       WHERE workspace_id = $1 AND embedding IS NOT NULL`,
    );
    await this.setMeta("model", model);
    await this.bumpGeneration();
    return true;
  }

  async pendingChunks(limit: number): Promise<PendingChunk[]> {
    const rows = await this.rows(
      `SELECT s.silver_id, s.wp_id, ${silverPrefixSql("s")} AS contextual_prefix, s.content FROM search_silver s
       WHERE s.workspace_id = $1 AND s.embedding IS NULL ORDER BY s.wp_id, s.kind, s.ordinal LIMIT $2`,
      [limit],
    );
    return rows.map((r) => ({
      silver_id: silverIdOfColumn(r.silver_id),
      wp_id: r.wp_id as string,
      text: `${r.contextual_prefix as string}\n${r.content as string}`,
    }));
  }

  async putEmbeddings(
    model: string,
    items: readonly { silver_id: string; wp_id: string; vector: Float32Array }[],
  ): Promise<number> {
    if ((await this.meta("model")) !== model) return 0; // the model changed meanwhile: never store a mix
    if (items.length === 0) return 0;
    const stored = await this.rows(PUT_EMBEDDINGS, [
      model,
      items.map((i) => i.wp_id),
      items.map((i) => silverIdBytes(i.silver_id)),
      items.map((i) => quantizeVector(i.vector)),
    ]);
    const touched = [...new Set(stored.map((r) => r.wp_id as string))];
    await this.rows(
      `UPDATE search_docs d SET change_seq = base.n + t.i
       FROM unnest($2::text[]) WITH ORDINALITY AS t(wp_id, i),
         (SELECT COALESCE(MAX(change_seq), 0) AS n FROM search_docs WHERE workspace_id = $1) AS base
       WHERE d.workspace_id = $1 AND d.wp_id = t.wp_id`,
      [touched],
    );
    return stored.length;
  }

  async vectorChanges(afterSeq: number, model: string, maxWps: number): Promise<VectorChanges> {
    const rows = await this.rows(
      `SELECT wp_id, change_seq FROM search_docs WHERE workspace_id = $1 AND change_seq > $2
       ORDER BY change_seq LIMIT $3`,
      [afterSeq, maxWps + 1],
    );
    const more = rows.length > maxWps;
    const page = rows.slice(0, maxWps);
    const wpIds = page.map((r) => r.wp_id as string);
    const lastSeq = page.length === 0 ? afterSeq : Number(page[page.length - 1]?.change_seq);
    if (wpIds.length === 0 || (await this.meta("model")) !== model) {
      return { wp_ids: wpIds, vectors: [], last_seq: lastSeq, more };
    }
    const vectorRows = await this.rows(
      `SELECT silver_id, wp_id, kind, ordinal, embedding FROM search_silver
       WHERE workspace_id = $1 AND wp_id = ANY($2::text[]) AND embedding IS NOT NULL
         AND (model IS NULL OR model = $3)`,
      [wpIds, model],
    );
    const vectors: ChunkVector[] = vectorRows.map((row) => chunkVectorOf(asWrittenIds(row)));
    return { wp_ids: wpIds, vectors, last_seq: lastSeq, more };
  }

  async latestSnapshots(afterWpId: string, limit: number): Promise<LatestSnapshot[]> {
    // DISTINCT ON keeps the first row of each WP: its highest version, ties broken like SQLite (bronze_id DESC).
    const rows = await this.rows(
      `SELECT DISTINCT ON (wp_id) wp_id, bronze_id, bronze_order, doc FROM bronze WHERE workspace_id = $1
         AND wp_id > $2 ORDER BY wp_id, version DESC, bronze_id DESC LIMIT $3`,
      [afterWpId, limit],
    );
    await withBronzeBlocks((sql, values) => this.rows(sql, values), rows); // tenth part: packed docs in blocks
    return rows.map((r) => ({
      bronze_id: bronzeIdFromColumn(r.bronze_id) as string, // bytes since the fifteenth part
      snapshot: snapshotOfDocColumn(r.doc),
    }));
  }

  async clearSilver(): Promise<void> {
    await this.rows("DELETE FROM search_silver WHERE workspace_id = $1");
    await this.rows("DELETE FROM search_docs WHERE workspace_id = $1");
    await this.bumpGeneration();
  }

  async rebuildKeywordIndex(): Promise<number> {
    await this.rows("UPDATE search_docs SET keyword_hash = NULL, tsv = NULL WHERE workspace_id = $1");
    let after = "";
    let count = 0;
    for (;;) {
      const rows = await this.rows(
        `SELECT wp_id, kind, content FROM search_silver WHERE workspace_id = $1 AND wp_id IN (
           SELECT DISTINCT wp_id FROM search_silver WHERE workspace_id = $1 AND wp_id > $2 ORDER BY wp_id LIMIT 500)
         ORDER BY wp_id, kind, ordinal`,
        [after],
      );
      if (rows.length === 0) break;
      const byWp = new Map<string, { kind: ChunkKind; content: string }[]>();
      for (const r of rows) {
        const chunks = byWp.get(r.wp_id as string) ?? [];
        chunks.push({ kind: kindOfColumn(r.kind), content: r.content as string });
        byWp.set(r.wp_id as string, chunks);
      }
      for (const [wpId, chunks] of byWp) {
        const fields = keywordFieldsOf(chunks);
        await this.rows(
          `UPDATE search_docs SET keyword_hash = $3, tsv = ${keywordTsvSql("$4::text", "$5::text", "$6::text", "$2")}
           WHERE workspace_id = $1 AND wp_id = $2`,
          [wpId, hashBytes(keywordHashOf(fields)), fields.title, fields.description, fields.packet],
        );
        count++;
        after = wpId;
      }
    }
    await this.bumpGeneration();
    return count;
  }
}
