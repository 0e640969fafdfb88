import type { EmbeddingProvider } from "../../search/embedding-provider.js";
import type { SearchIndexPort } from "../../search/search-index-port.js";

// Section 9: embeddings are computed off the write path. The queue is the set of Silver chunks without an
// embedding; `locus index` drains it in batches, and a search drains a bounded number first so that
// what was just written is usually findable by meaning too.

/** Embeds up to `limit` waiting chunks with `provider` and stores them; returns how many were stored. */
export async function embedPendingChunks(
  port: SearchIndexPort,
  provider: EmbeddingProvider,
  limit: number,
  onPending?: (count: number) => void,
): Promise<number> {
  if (limit <= 0) return 0;
  await port.useModel(provider.model_id);
  const pending = await port.pendingChunks(limit);
  if (pending.length === 0) return 0;
  onPending?.(pending.length); // issue 17: embedding them may take seconds (a model load); the surface says so
  const vectors = await provider.embed(pending.map((chunk) => chunk.text));
  return port.putEmbeddings(
    provider.model_id,
    pending.map((chunk, i) => ({
      silver_id: chunk.silver_id,
      wp_id: chunk.wp_id,
      vector: vectors[i] as Float32Array,
    })),
  );
}
