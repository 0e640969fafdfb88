import type { ChunkKind } from "../search/chunking.js";
import type { ChunkVector } from "../search/search-index-port.js";

// Silver embeddings as both stores keep them: float32 vectors stored as raw bytes (SQLite BLOB, PostgreSQL
// bytea), in rows with the same columns (silver_id, wp_id, kind, ordinal, embedding).

/** The bytes of a vector, as stored (no copy: a view over the vector's memory). */
export const vectorToBytes = (vector: Float32Array): Buffer =>
  Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);

/** A stored vector read back (copied: the driver's buffer may not be aligned for a Float32Array). */
export const vectorFromBytes = (bytes: Buffer): Float32Array =>
  new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));

/** A Silver row with its embedding, as a ChunkVector. */
export const chunkVectorOf = (row: Record<string, unknown>): ChunkVector => ({
  silver_id: row.silver_id as string,
  wp_id: row.wp_id as string,
  kind: row.kind as ChunkKind,
  ordinal: row.ordinal as number,
  vector: vectorFromBytes(row.embedding as Buffer),
});
