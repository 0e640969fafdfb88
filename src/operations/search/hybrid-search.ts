import type { EmbeddingProvider } from "../../search/embedding-provider.js";
import { minimumShouldMatch, searchTerms } from "../../search/query-terms.js";
import { type FusedResult, reciprocalRankFusion } from "../../search/rank-fusion.js";
import type { SearchIndexPort } from "../../search/search-index-port.js";
import { type SnapshotPlace, vectorCacheOf } from "../../search/vector-cache.js";
import type { VectorHit } from "../../search/vector-index.js";
import type { StoreTransaction, WpQuery } from "../../store/store-port.js";
import { embedPendingChunks } from "./embedding-queue.js";

// Section 9: keyword (BM25), vector (cosine) and graph (neighbours of the best hits) lists, fused by
// reciprocal rank fusion with k = 60. Each list is filtered by the section 7 filters before fusion.

/** Search modes of the `search` operation. */
export type SearchMode = "hybrid" | "keyword" | "vector";

/** Candidates each list hands to fusion (measured on the relevance corpus with this depth). */
export const LIST_DEPTH = 50;
/** Best fused hits whose dependency neighbours form the graph list. */
export const GRAPH_SEEDS = 5;
/** Longest graph list. */
export const GRAPH_DEPTH = 20;

/** What to search for. */
export interface SearchRequest {
  readonly query: string;
  readonly mode: SearchMode;
  readonly limit: number;
  readonly filters: WpQuery;
  /** Cosine a WP must reach to answer a query none of whose words any WP holds (hybrid; issue 18). */
  readonly vectorFloor: number;
  /** Waiting chunks embedded before the vector search (section 9: bounded). */
  readonly drainBound: number;
  /** Where the vector index may be kept between processes (vector-snapshot.ts). */
  readonly snapshot?: SnapshotPlace | undefined;
  /** Told how many waiting chunks are embedded before the search, when there are any. */
  readonly onPending?: ((count: number) => void) | undefined;
}

/** The ranked hits and the terms used (for snippets). */
export interface SearchRanking {
  readonly hits: FusedResult[];
  readonly terms: string[];
  /** Why a list was left out (e.g. the embedding provider failed and hybrid fell back to keyword). */
  readonly warnings: string[];
  /**
   * Set when hybrid found no WP holding any word of the query and none close enough in meaning: nothing is
   * returned (issue 18, the relevance floor).
   */
  readonly noWordFound?: true;
}

/** Ranks WPs for a query: the lists of the mode, fused by RRF, best `limit` first. */
export async function rankSearch(
  tx: StoreTransaction,
  port: SearchIndexPort,
  provider: () => EmbeddingProvider,
  request: SearchRequest,
): Promise<SearchRanking> {
  const terms = searchTerms(request.query);
  const warnings: string[] = [];
  const lists: Record<string, string[]> = {};
  // The vector list's reads come first, then the keyword list is asked, and the vectors are scanned in turns while
  // its answer is awaited: on PostgreSQL, whose statements run in the order they are sent, the server ranks the
  // keyword hits while this process scans (issue 16: ~10 ms each at 100K WPs, one after the other before). On
  // SQLite the keyword list is ranked when asked, as before.
  let keyword: Promise<{ hits: string[]; noWord: boolean }> | undefined;
  const askKeyword = () => {
    if (request.mode === "vector" || keyword !== undefined) return;
    keyword = keywordList(port, terms, request);
    keyword.catch(() => {}); // awaited below: its failure is the search's
  };
  let vector: VectorHit[] | undefined;
  if (request.mode !== "keyword") {
    try {
      vector = await vectorList(port, provider(), request, askKeyword);
    } catch (error) {
      if (request.mode === "vector") throw error;
      warnings.push(`vector search skipped: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  askKeyword(); // keyword mode, or a vector search that ended before its scan
  if (keyword !== undefined) {
    const { hits, noWord } = await keyword;
    lists.keyword = hits;
    // A query no WP holds a word of ("xyzzy") is answered only by a WP close in meaning above the floor: a
    // nonsense query's nearest WP is no answer (issue 18; DECISIONS, "The relevance floor", measured).
    if (noWord && vector !== undefined && (vector[0]?.score ?? -1) < request.vectorFloor)
      return { hits: [], terms, warnings, noWordFound: true };
  }
  if (vector !== undefined) lists.vector = vector.map((hit) => hit.id);
  if (request.mode === "hybrid") {
    const seeds = reciprocalRankFusion(lists, { limit: GRAPH_SEEDS }).map((hit) => hit.id);
    lists.graph = await graphList(tx, port, seeds, request.filters);
  }
  return { hits: reciprocalRankFusion(lists, { limit: request.limit }), terms, warnings };
}

/**
 * Hits holding at least half of the terms, best BM25 first (query-terms.ts: in hybrid this keeps one incidental
 * word from outvoting the vector list). Keyword mode alone then adds, after them, the WPs holding fewer of the
 * terms (issue 17: without them natural-language queries lost answers plain BM25 finds, recall@5 0.577 against
 * 0.615). `noWord`: hybrid found no WP holding any word of the query (the relevance floor of issue 18).
 */
async function keywordList(
  port: SearchIndexPort,
  terms: string[],
  request: SearchRequest,
): Promise<{ hits: string[]; noWord: boolean }> {
  const query = { terms, filters: request.filters, limit: LIST_DEPTH };
  const strict = await port.keywordSearch({
    ...query,
    minimum_should_match: minimumShouldMatch(terms.length),
  });
  if (request.mode === "keyword" && strict.length < LIST_DEPTH && minimumShouldMatch(terms.length) > 1) {
    const kept = new Set(strict);
    const loose = await port.keywordSearch({ ...query, minimum_should_match: 1 });
    return { hits: [...strict, ...loose.filter((id) => !kept.has(id))].slice(0, LIST_DEPTH), noWord: false };
  }
  const noWord =
    request.mode === "hybrid" &&
    strict.length === 0 &&
    terms.length > 0 &&
    (await port.keywordSearch({ ...query, limit: 1, minimum_should_match: 1 })).length === 0;
  return { hits: strict, noWord };
}

/**
 * The vector list: the waiting chunks embedded, the query embedded and the cache brought up to date (the store's
 * reads), then `beforeScan`, then the cache scanned in turns, so that what `beforeScan` asked of the store goes on
 * meanwhile, and filtered.
 */
async function vectorList(
  port: SearchIndexPort,
  provider: EmbeddingProvider,
  request: SearchRequest,
  beforeScan: () => void,
): Promise<VectorHit[]> {
  await embedPendingChunks(port, provider, request.drainBound, request.onPending);
  await port.useModel(provider.model_id);
  const cache = vectorCacheOf(port);
  // The snapshot's rows are read on the thread pool while this thread embeds the query (issue 17).
  cache.readAhead(request.snapshot, provider.model_id, provider.dimensions);
  const [query] = await provider.embed([request.query]);
  if (
    query === undefined ||
    (await cache.sync(port, provider.model_id, query.length, request.snapshot)) === 0
  )
    return [];
  beforeScan();
  // Over-fetch so that filtering still leaves a full list; a WP ranks by its best chunk.
  const candidates = await cache.rankWpsInTurns(query, LIST_DEPTH * 2, LIST_DEPTH * 8, nextTurn);
  const allowed = await port.filterWpIds(
    candidates.map((hit) => hit.id),
    request.filters,
  );
  return candidates.filter((hit) => allowed.has(hit.id)).slice(0, LIST_DEPTH);
}

/** Resolves after the event loop's turn: statements held for the turn are written, answers that came are read. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Neighbours (either direction, any edge type) of the seeds, the best seed's first, filtered. */
async function graphList(
  tx: StoreTransaction,
  port: SearchIndexPort,
  seeds: readonly string[],
  filters: WpQuery,
): Promise<string[]> {
  const neighbours: string[] = [];
  // Asked all at once: a store that pipelines (PostgreSQL) answers them in one round trip, not one per seed.
  const edges = await Promise.all(seeds.map((seed) => tx.dependenciesOf(seed)));
  for (const [index, seed] of seeds.entries()) {
    const { incoming, outgoing } = edges[index] as Awaited<ReturnType<StoreTransaction["dependenciesOf"]>>;
    const ids = [...outgoing.map((d) => d.to_wp_id), ...incoming.map((d) => d.from_wp_id)].sort();
    for (const id of ids) if (id !== seed && !neighbours.includes(id)) neighbours.push(id);
    if (neighbours.length >= GRAPH_DEPTH * 2) break;
  }
  const allowed = await port.filterWpIds(neighbours, filters);
  return neighbours.filter((id) => allowed.has(id)).slice(0, GRAPH_DEPTH);
}
