import type Database from "better-sqlite3";
import type {
  ChunkVector,
  PendingChunk,
  SearchDocument,
  VectorChanges,
} from "../../search/search-index-port.js";
import { quantizeVector } from "../../search/vector-quantization.js";
import { packText, unpackText } from "../stored-json.js";
import { chunkVectorOf } from "../vector-rows.js";
import {
  kindSql,
  type SilverContext,
  shortSilverColumns,
  silverIdFromColumn,
  silverModel,
  silverTextHash,
  storedSilverId,
} from "./sqlite-silver-forms.js";

// Section 9 on SQLite, Silver: the chunk rows of each WP (search_silver), whose NULL embedding is the embedding
// queue, and the embeddings stored as float32 blobs. Used by SqliteSearchIndex, on the job's connection.

type Row = Record<string, unknown>;

// Issue 20, fourth part: maintenance packs the Silver rows of cold WPs with their documents (sqlite-wp-docs.ts):
// a packed row's contextual prefix and content are deflated together in `content` (a BLOB; the prefix column is
// empty) and its text hash is its 32 bytes. Issue 20, SQLite margin: and the short forms of
// sqlite-silver-forms.ts (id, kind, Bronze id, model, text hash). The readers below take every form; a job's
// rewrite writes text.

/** The contextual prefix and content of a Silver row (`contextual_prefix`, `content`), packed or not. */
export function silverTexts(row: Row): { contextual_prefix: string; content: string } {
  if (!Buffer.isBuffer(row.content))
    return { contextual_prefix: row.contextual_prefix as string, content: row.content as string };
  const [prefix, content] = JSON.parse(unpackText(row.content)) as [string, string];
  return { contextual_prefix: prefix, content };
}

/**
 * The packed form of Silver rows (SELECT * of search_silver), as maintenance writes them; `context` (the index's
 * model, the WP's search_docs.bronze_id) says which columns may be stored empty.
 */
export function packedSilverRow(row: Row, context: SilverContext): Row {
  const packed = {
    ...row,
    contextual_prefix: "",
    content: packText(JSON.stringify([row.contextual_prefix, row.content])),
    text_hash: /^[0-9a-f]{64}$/.test(row.text_hash as string)
      ? Buffer.from(row.text_hash as string, "hex")
      : row.text_hash,
  };
  return shortSilverColumns(row, packed, context);
}

/** The SQLite statement a write that moves a WP's search_docs.bronze_id runs first (see keepSilverBronzeIds). */
const KEEP_BRONZE_IDS = "UPDATE search_silver SET bronze_id = ? WHERE wp_id = ? AND bronze_id = X''";

/**
 * Stores `bronzeId` (the WP's search_docs.bronze_id before a write changes it) in the chunks that leave it to
 * that row, so they keep naming the snapshot they were made from.
 */
export function keepSilverBronzeIds(index: SilverIndex, wpId: string, bronzeId: unknown): void {
  if (typeof bronzeId === "string") index.prepared(KEEP_BRONZE_IDS).run(bronzeId, wpId);
}

/** What the Silver functions need of the search index: its statements and its meta values. */
export interface SilverIndex {
  prepared(sql: string): Database.Statement;
  meta(key: string): string | undefined;
  nextChangeSeq(): number;
}

/**
 * Rewrites the chunks of a WP; a chunk whose text is unchanged keeps its embedding (no re-embedding). `fresh`: the
 * WP has no search_docs row yet, so no chunk either (they are written only beside one), and none is looked for.
 */
export function replaceSilver(
  index: SilverIndex,
  doc: SearchDocument,
  newSilverId: () => string,
  model = index.meta("model"),
  fresh = false,
): void {
  const kept = new Map<string, Buffer>();
  if (!fresh) {
    const old = index
      .prepared(
        `SELECT text_hash, model, embedding, contextual_prefix, content FROM search_silver
         WHERE wp_id = ? AND embedding IS NOT NULL`,
      )
      .all(doc.wp_id) as Row[];
    // `model` is the index's (its callers read it from search_meta), what an empty model column stands for.
    for (const r of old) {
      if (model === undefined || silverModel(r.model, model) !== model) continue;
      kept.set(
        silverTextHash(r.text_hash, () => silverTexts(r)),
        r.embedding as Buffer,
      );
    }
    index.prepared("DELETE FROM search_silver WHERE wp_id = ?").run(doc.wp_id);
  }
  const insert = index.prepared(
    `INSERT INTO search_silver (silver_id, wp_id, bronze_id, kind, ordinal, contextual_prefix, content, text_hash,
       model, embedding) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const c of doc.chunks) {
    const embedding = kept.get(c.text_hash);
    insert.run(
      newSilverId(),
      doc.wp_id,
      doc.bronze_id,
      c.kind,
      c.ordinal,
      c.contextual_prefix,
      c.content,
      c.text_hash,
      embedding === undefined ? null : (model ?? null),
      embedding ?? null,
    );
  }
}

/** Chunks waiting for an embedding (the embedding queue), in WP order. */
export function pendingChunks(index: SilverIndex, limit: number): PendingChunk[] {
  const rows = index
    .prepared(
      `SELECT silver_id, wp_id, contextual_prefix, content FROM search_silver WHERE embedding IS NULL
     ORDER BY wp_id LIMIT ?`,
    )
    .all(limit) as Row[];
  return rows.map((r) => {
    const { contextual_prefix, content } = silverTexts(r);
    return {
      silver_id: silverIdFromColumn(r.silver_id),
      wp_id: r.wp_id as string,
      text: `${contextual_prefix}\n${content}`,
    };
  });
}

/** Stores embeddings of the current model for chunks still waiting; returns how many were stored. */
export function putEmbeddings(
  index: SilverIndex,
  model: string,
  items: readonly { silver_id: string; vector: Float32Array }[],
): number {
  if (index.meta("model") !== model) return 0; // the model changed meanwhile: never store a mix
  // A packed row whose vector a new model dropped waits with its id as 16 bytes: both forms are looked for.
  const update = index.prepared(
    `UPDATE search_silver SET embedding = ?, model = ? WHERE silver_id IN (?, ?) AND embedding IS NULL
     RETURNING wp_id`,
  );
  const touched = new Set<string>();
  let stored = 0;
  for (const item of items) {
    const vector = quantizeVector(item.vector);
    const row = update.get(vector, model, item.silver_id, storedSilverId(item.silver_id)) as Row | undefined;
    if (row === undefined) continue; // rewritten or deleted since it was read: skip
    touched.add(row.wp_id as string);
    stored++;
  }
  let seq = index.nextChangeSeq();
  const bump = index.prepared("UPDATE search_docs SET change_seq = ? WHERE wp_id = ?");
  for (const wpId of touched) bump.run(seq++, wpId);
  return stored;
}

/** The WPs whose search rows changed after `afterSeq`, with their vectors of `model` (vector caches follow this). */
export function vectorChanges(
  index: SilverIndex,
  afterSeq: number,
  model: string,
  maxWps: number,
): VectorChanges {
  const rows = index
    .prepared("SELECT wp_id, change_seq FROM search_docs WHERE change_seq > ? ORDER BY change_seq LIMIT ?")
    .all(afterSeq, maxWps + 1) as Row[];
  const more = rows.length > maxWps;
  const page = rows.slice(0, maxWps);
  const wpIds = page.map((r) => r.wp_id as string);
  const lastSeq = page.length === 0 ? afterSeq : (page[page.length - 1]?.change_seq as number);
  if (wpIds.length === 0 || index.meta("model") !== model) {
    return { wp_ids: wpIds, vectors: [], last_seq: lastSeq, more };
  }
  const vectorRows = index
    .prepared(
      `SELECT s.silver_id, s.wp_id, ${kindSql("s")} AS kind, s.ordinal, s.embedding FROM search_silver s
     WHERE s.wp_id IN (SELECT value FROM json_each(?)) AND s.embedding IS NOT NULL AND s.model IN (?, X'')`,
    )
    .all(JSON.stringify(wpIds), model) as Row[];
  // An empty model is the index's, checked above to be `model`.
  const vectors: ChunkVector[] = vectorRows.map((r) =>
    chunkVectorOf({ ...r, silver_id: silverIdFromColumn(r.silver_id) }),
  );
  return { wp_ids: wpIds, vectors, last_seq: lastSeq, more };
}
