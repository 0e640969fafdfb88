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

// Section 9 on SQLite, Silver: the chunk rows of each WP (search_silver), whose NULL embedding is the embedding
// queue, and the embeddings stored as float32 blobs. Used by SqliteSearchIndex, on the job's connection.

type Row = Record<string, unknown>;

// Issue 20, fourth part: maintenance packs the Silver rows of cold WPs with their documents (sqlite-wp-docs.ts):
// a packed row's contextual prefix and content are deflated together in `content` (a BLOB; the prefix column is
// empty) and its text hash is its 32 bytes. The readers below take both forms; a job's rewrite writes text.

/** The text hash of a Silver row as hex, stored as text or (packed) as its 32 bytes. */
const textHashOf = (stored: unknown): string =>
  Buffer.isBuffer(stored) ? stored.toString("hex") : (stored as string);

/** The contextual prefix and content of a Silver row (`contextual_prefix`, `content`), packed or not. */
export function silverTexts(row: Row): { contextual_prefix: string; content: string } {
  if (!Buffer.isBuffer(row.content))
    return { contextual_prefix: row.contextual_prefix as string, content: row.content as string };
  const [prefix, content] = JSON.parse(unpackText(row.content)) as [string, string];
  return { contextual_prefix: prefix, content };
}

/** The packed form of Silver rows (SELECT * of search_silver), as maintenance writes them. */
export function packedSilverRow(row: Row): Row {
  return {
    ...row,
    contextual_prefix: "",
    content: packText(JSON.stringify([row.contextual_prefix, row.content])),
    text_hash: /^[0-9a-f]{64}$/.test(row.text_hash as string)
      ? Buffer.from(row.text_hash as string, "hex")
      : row.text_hash,
  };
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
        "SELECT text_hash, model, embedding FROM search_silver WHERE wp_id = ? AND embedding IS NOT NULL",
      )
      .all(doc.wp_id) as Row[];
    for (const r of old) if (r.model === model) kept.set(textHashOf(r.text_hash), r.embedding as Buffer);
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
      silver_id: r.silver_id as string,
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
  const update = index.prepared(
    "UPDATE search_silver SET embedding = ?, model = ? WHERE silver_id = ? AND embedding IS NULL RETURNING wp_id",
  );
  const touched = new Set<string>();
  let stored = 0;
  for (const item of items) {
    const row = update.get(quantizeVector(item.vector), model, item.silver_id) as Row | undefined;
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
      `SELECT silver_id, wp_id, kind, ordinal, embedding FROM search_silver
     WHERE wp_id IN (SELECT value FROM json_each(?)) AND embedding IS NOT NULL AND model = ?`,
    )
    .all(JSON.stringify(wpIds), model) as Row[];
  const vectors: ChunkVector[] = vectorRows.map(chunkVectorOf);
  return { wp_ids: wpIds, vectors, last_seq: lastSeq, more };
}
