import type { TrackedWorkPacket } from "../domain/records.js";
import type { WpQuery } from "../store/store-port.js";
import type { ChunkKind } from "./chunking.js";

// Section 9 / STYLE 4: the search storage port. Each backend implements it next to its store
// (`src/store/sqlite/sqlite-search-index.ts`, `src/store/postgres/postgres-search-index.ts` with
// tsvector + ts_rank_cd) and exposes it as `StoreTransaction.search`, so every call runs inside the job's
// transaction: the keyword index commits with the WP write that changed it.

/** The keyword (Gold) fields of a WP, built from its Silver chunks so a rebuild gives the same text. */
export interface KeywordFields {
  /** The title chunk. */
  readonly title: string;
  /** Description chunks joined by blank lines. */
  readonly description: string;
  /** Task packet chunks (metadata and text) joined by blank lines. */
  readonly packet: string;
}

/** One Silver chunk ready to store: the chunk, the text that is embedded and its hash. */
export interface IndexedChunk {
  readonly kind: ChunkKind;
  readonly ordinal: number;
  readonly contextual_prefix: string;
  readonly content: string;
  /** sha256 of the embedded text (prefix + content): an unchanged chunk keeps its embedding. */
  readonly text_hash: string;
}

/** Everything search stores for one WP snapshot. */
export interface SearchDocument {
  readonly wp_id: string;
  /** The Bronze snapshot the chunks were cut from. */
  readonly bronze_id: string;
  readonly keyword: KeywordFields;
  /** sha256 of the keyword fields: the keyword index is rewritten only when it changes. */
  readonly keyword_hash: string;
  readonly chunks: readonly IndexedChunk[];
  /** sha256 of every chunk's embedded text: Silver is rewritten only when it changes. */
  readonly silver_hash: string;
}

/** A keyword query: BM25 over OR candidates, keeping those that hold enough of the terms. */
export interface KeywordQuery {
  /** Lowercase query terms (a term with inner punctuation is searched as a phrase). */
  readonly terms: readonly string[];
  /** Fewest distinct terms a hit must contain. */
  readonly minimum_should_match: number;
  /** The section 7 filters (statuses, priority range, phases, labels, types, assignee). */
  readonly filters: WpQuery;
  /** Most hits returned. */
  readonly limit: number;
}

/** A Silver chunk that waits for its embedding. */
export interface PendingChunk {
  readonly silver_id: string;
  readonly wp_id: string;
  /** The text to embed: contextual prefix, newline, content. */
  readonly text: string;
}

/** One stored chunk vector. */
export interface ChunkVector {
  readonly silver_id: string;
  readonly wp_id: string;
  readonly kind: ChunkKind;
  readonly ordinal: number;
  readonly vector: Float32Array;
}

/** Vectors of the WPs whose Silver changed after a point of the change sequence. */
export interface VectorChanges {
  /** WPs whose vectors must be replaced (their current vectors, if any, are in `vectors`). */
  readonly wp_ids: readonly string[];
  readonly vectors: readonly ChunkVector[];
  /** The change sequence reached; pass it back to continue. */
  readonly last_seq: number;
  /** True when more changes follow. */
  readonly more: boolean;
}

/** Counters of the index, for `locus index` and caches. */
export interface SearchIndexState {
  /** Model of the stored embeddings (undefined before the first one). */
  readonly model: string | undefined;
  /** Bumped by every rebuild and model change: in-memory caches reload fully. */
  readonly generation: number;
  /** Silver chunks without an embedding (the embedding queue). */
  readonly pending: number;
  /** Silver chunks in all. */
  readonly chunks: number;
}

/**
 * The latest Bronze snapshot of a WP, as its row stores it: without the notes and gate decisions it inherits
 * from the snapshots before it (bronze-delta.ts). Silver reads none of those (section 9: title, description,
 * task packet), so regenerating it needs only this one row per WP.
 */
export interface LatestSnapshot {
  readonly bronze_id: string;
  readonly snapshot: TrackedWorkPacket;
}

/** Search storage of one backend, bound to the current transaction. */
export interface SearchIndexPort {
  /** The store this port belongs to, for per-process caches when a backend makes one port per transaction. */
  readonly cacheKey?: object;
  /** Writes the keyword row and Silver chunks of a WP when their hashes changed (embeddings queued). */
  indexDocument(doc: SearchDocument, newSilverId: () => string): Promise<void>;
  /** Optional: `indexDocument` for many WPs in a few round trips (a sync writes thousands). */
  indexDocuments?(docs: readonly SearchDocument[], newSilverId: () => string): Promise<void>;
  /** Drops a (deleted) WP from the keyword index and Silver. */
  removeWp(wpId: string): Promise<void>;
  /** WP ids of keyword hits, best BM25 first. */
  keywordSearch(query: KeywordQuery): Promise<string[]>;
  /** The subset of `wpIds` that passes the filters (deleted WPs never do unless asked). */
  filterWpIds(wpIds: readonly string[], filters: WpQuery): Promise<Set<string>>;
  /** Keyword fields of the given WPs, for snippets. */
  documentTexts(wpIds: readonly string[]): Promise<Map<string, KeywordFields>>;
  /** Model, generation and queue counters. */
  state(): Promise<SearchIndexState>;
  /** Model and generation only (cheap: read before every vector search). */
  version(): Promise<{ model: string | undefined; generation: number }>;
  /** Makes `model` the model of the index: when it differs, every embedding is dropped and queued again. */
  useModel(model: string): Promise<boolean>;
  /** The oldest chunks waiting for an embedding. */
  pendingChunks(limit: number): Promise<PendingChunk[]>;
  /**
   * Stores embeddings of pending chunks (chunks rewritten meanwhile are skipped); returns how many were stored. Each
   * item names its chunk's WP as pendingChunks gave it (PostgreSQL finds the rows by their WPs: issue 20).
   */
  putEmbeddings(
    model: string,
    items: readonly { silver_id: string; wp_id: string; vector: Float32Array }[],
  ): Promise<number>;
  /** Vectors of `model` for WPs changed after `afterSeq`, at most `maxWps` WPs per call. */
  vectorChanges(afterSeq: number, model: string, maxWps: number): Promise<VectorChanges>;
  /** Latest Bronze snapshot of each WP with id greater than `afterWpId`, in id order. */
  latestSnapshots(afterWpId: string, limit: number): Promise<LatestSnapshot[]>;
  /** Empties Silver and the keyword index (a Silver rebuild starts here); bumps the generation. */
  clearSilver(): Promise<void>;
  /** Rebuilds the keyword index from Silver alone (Gold rebuild); bumps the generation; returns WPs indexed. */
  rebuildKeywordIndex(): Promise<number>;
}
