import { LocusError } from "../../domain/errors.js";
import { type IdSource, systemIds } from "../../domain/ids.js";
import type { EmbeddingProvider } from "../../search/embedding-provider.js";
import { searchDocumentOf } from "../../search/search-document.js";
import type { SearchIndexPort } from "../../search/search-index-port.js";
import type { LocusStore } from "../../store/store-port.js";
import { readTaskPacketText } from "./index-on-write.js";

// Section 9: `locus index` (drain the embedding queue) and `locus index rebuild --silver | --gold`.
// Silver is regenerated from the latest Bronze snapshot of every WP; Gold (keyword index, and the
// in-memory vector index through the generation bump) from Silver alone. Embedding runs outside any
// transaction so that writers are not held up while the model works.

/** Progress of a long indexing run. */
export interface IndexProgress {
  readonly phase: "silver" | "gold" | "embed";
  readonly done: number;
  readonly total: number;
}

/** Options of the maintenance runs. */
export interface MaintenanceOptions {
  /** Called after each batch. */
  readonly onProgress?: (progress: IndexProgress) => void;
  /** Chunks read, embedded and stored per round (default 256: the provider sorts and shares them, issue 20). */
  readonly batchSize?: number;
  /** Workspace root, to read task packets. */
  readonly workspaceRoot?: string;
  /** Id source for Silver ids (default the system's). */
  readonly ids?: IdSource;
}

const portOf = (tx: { search?: SearchIndexPort | undefined }): SearchIndexPort => {
  if (tx.search === undefined) {
    throw new LocusError("HSK-500-STORAGE", "this store backend has no search index yet", { field: "store" });
  }
  return tx.search;
};

/** Chunks per round of a drain: enough for the local provider to sort by length and share among threads. */
export const DRAIN_BATCH = 256;

/** Embeds every waiting chunk; returns how many were embedded. */
export async function drainEmbeddingQueue(
  store: LocusStore,
  provider: EmbeddingProvider,
  options: MaintenanceOptions = {},
): Promise<number> {
  const batch = Math.max(1, options.batchSize ?? DRAIN_BATCH);
  const total = await store.transaction(async (tx) => {
    await portOf(tx).useModel(provider.model_id);
    return (await portOf(tx).state()).pending;
  });
  let done = 0;
  options.onProgress?.({ phase: "embed", done: 0, total }); // before the first batch, which loads the model
  for (;;) {
    const pending = await store.transaction((tx) => portOf(tx).pendingChunks(batch));
    if (pending.length === 0) break;
    const vectors = await provider.embed(pending.map((chunk) => chunk.text));
    const stored = await store.transaction(async (tx) => {
      await portOf(tx).useModel(provider.model_id);
      return portOf(tx).putEmbeddings(
        provider.model_id,
        pending.map((chunk, i) => ({
          silver_id: chunk.silver_id,
          wp_id: chunk.wp_id,
          vector: vectors[i] as Float32Array,
        })),
      );
    });
    if (stored === 0) break; // every chunk was rewritten meanwhile; a later run picks up the new ones
    done += stored;
    options.onProgress?.({ phase: "embed", done, total: Math.max(total, done) });
  }
  return done;
}

/** Regenerates Silver (chunk text; embeddings queued) and the keyword index from Bronze; returns WPs indexed. */
export async function rebuildSilver(store: LocusStore, options: MaintenanceOptions = {}): Promise<number> {
  const ids = options.ids ?? systemIds;
  const newSilverId = () => `slv_${ids.ulid()}`;
  return store.transaction(async (tx) => {
    const port = portOf(tx);
    await port.clearSilver();
    let after = "";
    let count = 0;
    for (;;) {
      const page = await port.latestSnapshots(after, 500);
      if (page.length === 0) break;
      for (const { bronze_id, snapshot } of page) {
        after = snapshot.wp_id;
        if (snapshot.tombstone !== undefined) continue;
        const packet = readTaskPacketText(options.workspaceRoot, snapshot.governance.task_packet_path);
        await port.indexDocument(searchDocumentOf(snapshot, bronze_id, packet), newSilverId);
        count++;
      }
      options.onProgress?.({ phase: "silver", done: count, total: count });
    }
    return count;
  });
}

/** Rebuilds Gold from Silver: the keyword index, and a full reload of every in-memory vector index. */
export async function rebuildGold(store: LocusStore, options: MaintenanceOptions = {}): Promise<number> {
  const count = await store.transaction((tx) => portOf(tx).rebuildKeywordIndex());
  options.onProgress?.({ phase: "gold", done: count, total: count });
  return count;
}
