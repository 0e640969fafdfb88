import type { ChunkKind } from "../search/chunking.js";
import type { ChunkVector } from "../search/search-index-port.js";
import { dequantizeVector } from "../search/vector-quantization.js";

// Silver embeddings as both stores keep them (SQLite BLOB, PostgreSQL bytea), in rows with the same columns
// (silver_id, wp_id, kind, ordinal, embedding): int8 with a scale per vector (search/vector-quantization.ts).

/** A Silver row with its embedding, as a ChunkVector. */
export const chunkVectorOf = (row: Record<string, unknown>): ChunkVector => ({
  silver_id: row.silver_id as string,
  wp_id: row.wp_id as string,
  kind: row.kind as ChunkKind,
  ordinal: row.ordinal as number,
  vector: dequantizeVector(row.embedding as Buffer),
});
